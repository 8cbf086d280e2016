package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.TransportException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * The S3 client is the user's, and may throw anything from the call itself (an {@code Error} included) rather than
 * fail its future: that fails the one message it was called for, as a failed future would. SQS is ElasticMQ.
 */
class ThrowingS3ClientTest {
    static ElasticMq mq;
    static SqsAsyncClient admin;

    @BeforeAll
    static void start() {
        mq = ElasticMq.start();
        admin = mq.client();
    }

    @AfterAll
    static void stop() {
        mq.close();
    }

    /** Throws an {@code Error} from every call, as an instrumented or wrapped client might. */
    private static S3AsyncClient throwingS3() {
        return new S3AsyncClient() {
            @Override
            public <T> CompletableFuture<T> getObject(GetObjectRequest request, AsyncResponseTransformer<GetObjectResponse, T> to) {
                throw new AssertionError("the user's S3 client failed");
            }

            @Override
            public CompletableFuture<PutObjectResponse> putObject(PutObjectRequest request, AsyncRequestBody body) {
                throw new AssertionError("the user's S3 client failed");
            }

            @Override
            public String serviceName() {
                return "s3";
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void aThrowingReadFailsItsOwnMessageAndTheOthersInTheBatchAreDelivered() throws Exception {
        String src = ElasticMq.createQueue(admin, "throwing-read", 30, Map.of());
        admin.sendMessage(r -> r.queueUrl(src).messageBody("[\"software.amazon.payloadoffloading.PayloadS3Pointer\","
                + "{\"s3BucketName\":\"payloads\",\"s3Key\":\"outpost/0b7c4f8e-3d1a-4c2b-9e6f-5a4d3c2b1a09\"}]")
                .messageAttributes(Map.of("ExtendedPayloadSize", MessageAttributeValue.builder().dataType("Number")
                        .stringValue("300000").build()))).join();
        admin.sendMessage(r -> r.queueUrl(src).messageBody("inline")).join();
        try (SqsTransport t = SqsTransport.builder().sqsClient(admin).largePayloads(throwingS3(), "payloads")
                .queue("requests", src).build()) {
            List<Delivery> got = t.receive("requests", 10, Duration.ofSeconds(2));
            assertThat(got).extracting(d -> new String(d.message().body(), StandardCharsets.UTF_8)).containsExactly("inline");
        }
    }

    @Test
    void aThrowingUploadFailsTheSendsFuture() throws Exception {
        String dest = ElasticMq.createQueue(admin, "throwing-upload", 30, Map.of());
        try (SqsTransport t = SqsTransport.builder().sqsClient(admin).largePayloads(throwingS3(), "payloads").build()) {
            CompletableFuture<Void> sent = t.send(dest, Message.of(new byte[300_000], Map.of()));
            assertThatThrownBy(() -> sent.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TransportException.class).hasMessageContaining("payloads");
        }
    }
}
