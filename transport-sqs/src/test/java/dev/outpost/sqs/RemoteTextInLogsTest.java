package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * What a server answers is remote text: in the transport's log lines it is clipped, and its control characters
 * blanked, so that an S3 or SQS endpoint (or anything between) cannot forge log lines nor flood the log. ElasticMQ
 * for SQS, and an S3 on 127.0.0.1 that refuses every read with a hostile error message.
 */
class RemoteTextInLogsTest {
    static final String FORGED = "denied\r\n2026-12-07 12:00:00 ERROR forged line " + "x".repeat(100_000); // XML 1.0 takes no ESC
    static ElasticMq mq;
    static SqsAsyncClient admin;
    static HttpServer s3Server;

    @BeforeAll
    static void start() throws IOException {
        mq = ElasticMq.start();
        admin = mq.client();
        s3Server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        s3Server.createContext("/", ex -> {
            try (ex) {
                byte[] error = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>" + FORGED
                        + "</Message><RequestId>R</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/xml");
                ex.sendResponseHeaders(403, error.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(error);
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

    private static ListAppender<ILoggingEvent> capture(String logger) {
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        ((Logger) LoggerFactory.getLogger(logger)).addAppender(logged);
        return logged;
    }

    private static List<String> lines(ListAppender<ILoggingEvent> logged) {
        synchronized (logged.list) {
            return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    private static void assertPrintableAndShort(List<String> lines) {
        assertThat(lines).isNotEmpty().allSatisfy(line -> {
            assertThat(line.chars().filter(Character::isISOControl).count()).as("control characters in: %.300s", line).isZero();
            assertThat(line.length()).as("length of: %.300s", line).isLessThan(4_000);
        });
    }

    private static void sendPointer(String url) {
        admin.sendMessage(r -> r.queueUrl(url).messageBody("[\"software.amazon.payloadoffloading.PayloadS3Pointer\","
                + "{\"s3BucketName\":\"payloads\",\"s3Key\":\"outpost/0b7c4f8e-3d1a-4c2b-9e6f-5a4d3c2b1a09\"}]")
                .messageAttributes(Map.of("ExtendedPayloadSize", MessageAttributeValue.builder().dataType("Number")
                        .stringValue("300000").build()))).join();
    }

    private static S3AsyncClient s3() {
        return S3AsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + s3Server.getAddress().getPort()))
                .region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
    }

    @Test
    void anS3ErrorMessageIsClippedAndPrintableInTheLog() throws Exception {
        String src = ElasticMq.createQueue(admin, "remote-text-s3", 30, Map.of());
        sendPointer(src);
        ListAppender<ILoggingEvent> logged = capture("dev.outpost.sqs.internal.PayloadStore");
        try (S3AsyncClient s3 = s3(); SqsTransport t = SqsTransport.builder().sqsClient(admin).largePayloads(s3, "payloads")
                .queue("requests", src).build()) {
            assertThat(t.receive("requests", 10, Duration.ofSeconds(1))).isEmpty(); // left for another receive: logged
        } finally {
            ((Logger) LoggerFactory.getLogger("dev.outpost.sqs.internal.PayloadStore")).detachAppender(logged);
        }
        assertPrintableAndShort(lines(logged));
    }

    @Test
    void anSqsErrorMessageIsClippedAndPrintableInTheLog() throws Exception {
        String src = ElasticMq.createQueue(admin, "remote-text-sqs", 30, Map.of());
        String dead = ElasticMq.createQueue(admin, "remote-text-sqs-dead", 30, Map.of());
        admin.sendMessage(r -> r.queueUrl(src).messageBody("uryyb").messageAttributes(Map.of("outpost-body-encoding",
                MessageAttributeValue.builder().dataType("String").stringValue("rot13").build()))).join();
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        client.nextSendMessage.set(r -> CompletableFuture.failedFuture(SqsException.builder().statusCode(400).message(FORGED).build()));
        ListAppender<ILoggingEvent> logged = capture("dev.outpost.sqs.internal.DeadLetters");
        try (SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", src).deadLetter(dead).build()) {
            assertThat(t.receive("requests", 10, Duration.ofSeconds(1))).isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> !lines(logged).isEmpty());
        } finally {
            ((Logger) LoggerFactory.getLogger("dev.outpost.sqs.internal.DeadLetters")).detachAppender(logged);
        }
        assertPrintableAndShort(lines(logged));
    }
}
