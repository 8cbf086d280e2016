package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Attributes;
import dev.outpost.spi.Delivery;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * {@code ApproximateReceiveCount} as the server says it, whatever it says: a count past {@code int} is a huge count,
 * not a first receive (which would let a message that cannot be read, or keeps failing, come back for ever). ElasticMQ,
 * its receive answered through {@link InterceptingSqsClient} with the count rewritten.
 */
class ReceiveCountsTest {
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

    /** An S3 that answers every read 503, as S3 does when it sheds load. */
    private static S3AsyncClient unavailableS3() {
        return new S3AsyncClient() {
            @Override
            public <T> CompletableFuture<T> getObject(GetObjectRequest request, AsyncResponseTransformer<GetObjectResponse, T> to) {
                return CompletableFuture.failedFuture(S3Exception.builder().statusCode(503).message("Slow Down").build());
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
    void aReceiveCountPastIntIsHugeNotTheFirst() throws Exception {
        String src = ElasticMq.createQueue(admin, "counts-src", 30, Map.of());
        String dead = ElasticMq.createQueue(admin, "counts-dead", 30, Map.of());
        admin.sendMessage(r -> r.queueUrl(src).messageBody("inline")).join();
        admin.sendMessage(r -> r.queueUrl(src).messageBody("[\"software.amazon.payloadoffloading.PayloadS3Pointer\","
                + "{\"s3BucketName\":\"payloads\",\"s3Key\":\"outpost/0b7c4f8e-3d1a-4c2b-9e6f-5a4d3c2b1a09\"}]")
                .messageAttributes(Map.of("ExtendedPayloadSize", MessageAttributeValue.builder().dataType("Number")
                        .stringValue("300000").build()))).join();
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        client.nextReceive.set(r -> admin.receiveMessage(r.toBuilder().maxNumberOfMessages(10).waitTimeSeconds(2).build())
                .thenApply(resp -> ReceiveMessageResponse.builder().messages(resp.messages().stream()
                        .map(m -> m.toBuilder().attributes(Map.of(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                                "4294967297")).build()).toList()).build()));
        try (SqsTransport t = SqsTransport.builder().sqsClient(client).largePayloads(unavailableS3(), "payloads")
                .queue("requests", src).deadLetter(dead).build()) {
            List<Delivery> got = t.receive("requests", 10, Duration.ofSeconds(2));
            assertThat(got).singleElement().satisfies(d -> assertThat(d.receiveCount())
                    .as("a count past int is past every maxAttempts").isEqualTo(Integer.MAX_VALUE));
            AtomicReference<software.amazon.awssdk.services.sqs.model.Message> moved = new AtomicReference<>();
            await("the pointer whose payload S3 will not serve is past its read attempts: dead-lettered now")
                    .atMost(Duration.ofSeconds(10)).until(() -> {
                        admin.receiveMessage(r -> r.queueUrl(dead).waitTimeSeconds(1).messageAttributeNames("All")).join()
                                .messages().stream().findFirst().ifPresent(moved::set);
                        return moved.get() != null;
                    });
            assertThat(moved.get().messageAttributes().get(Attributes.REJECT_DETAIL).stringValue()).contains("503");
        }
    }
}
