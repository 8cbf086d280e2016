package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.outpost.Attributes;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * What a pointer's object costs to read is bounded by the transport, not by the S3 server: one that ignores the
 * {@code Range} the transport asks for (an S3-compatible server, a proxy) and sends an object far over
 * {@code maxOffloadBytes} is read no further than the limit, and its message dead-lettered. SQS is ElasticMQ; S3 is
 * a server on 127.0.0.1 that answers every GET with the whole of a 32 MiB object.
 */
class PayloadReadBoundsTest {
    static final int LIMIT = SqsTransport.SQS_MAX_BYTES;
    static final long OBJECT = 32L * 1024 * 1024;
    static ElasticMq mq;
    static SqsAsyncClient admin;
    static HttpServer s3Server;
    static final AtomicLong written = new AtomicLong();
    static final AtomicReference<String> rangeAsked = new AtomicReference<>();

    @BeforeAll
    static void start() throws IOException {
        mq = ElasticMq.start();
        admin = mq.client();
        s3Server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        s3Server.createContext("/", ex -> {
            try (ex) {
                rangeAsked.set(ex.getRequestHeaders().getFirst("Range"));
                ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
                ex.sendResponseHeaders(200, 0); // chunked: the whole object, whatever the Range
                byte[] chunk = new byte[64 * 1024];
                try (OutputStream out = ex.getResponseBody()) {
                    while (written.get() < OBJECT) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    // the reader went away: what this test wants
                }
            }
        });
        s3Server.start();
    }

    @AfterAll
    static void stop() {
        s3Server.stop(0);
        mq.close();
    }

    @Test
    void anObjectOverTheLimitIsReadNoFurtherThanItWhenS3IgnoresTheRange() throws Exception {
        String src = ElasticMq.createQueue(admin, "bounds-src", 30, Map.of());
        String dead = ElasticMq.createQueue(admin, "bounds-dead", 30, Map.of());
        admin.sendMessage(r -> r.queueUrl(src).messageBody("[\"software.amazon.payloadoffloading.PayloadS3Pointer\","
                + "{\"s3BucketName\":\"payloads\",\"s3Key\":\"outpost/0b7c4f8e-3d1a-4c2b-9e6f-5a4d3c2b1a09\"}]")
                .messageAttributes(Map.of("ExtendedPayloadSize", MessageAttributeValue.builder().dataType("Number")
                        .stringValue("10").build()))).join();
        try (S3AsyncClient s3 = S3AsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + s3Server.getAddress().getPort()))
                .region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
             SqsTransport t = SqsTransport.builder().sqsClient(admin).largePayloads(s3, "payloads").maxOffloadBytes(LIMIT)
                     .queue("requests", src).deadLetter(dead).build()) {
            assertThat(t.receive("requests", 10, Duration.ofSeconds(1))).isEmpty();
            assertThat(rangeAsked.get()).as("the transport asks for no more than the limit").isEqualTo("bytes=0-" + LIMIT);
            assertThat(written.get()).as("bytes of the %d MiB object the transport took in", OBJECT >> 20)
                    .isLessThan(8L * 1024 * 1024);
            AtomicReference<software.amazon.awssdk.services.sqs.model.Message> moved = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                admin.receiveMessage(r -> r.queueUrl(dead).waitTimeSeconds(1).messageAttributeNames("All")).join().messages()
                        .stream().findFirst().ifPresent(moved::set);
                return moved.get() != null;
            });
            assertThat(moved.get().messageAttributes().get(Attributes.REJECT_DETAIL).stringValue())
                    .contains("over the transport's limit of " + LIMIT);
        }
    }
}
