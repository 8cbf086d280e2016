package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outpost.Attributes;
import dev.outpost.spi.Delivery;
import dev.outpost.testkit.Fauxqs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * An unreadable message near SQS's 256 KiB, whose dead-letter copy (the message, plus the reason)
 * would pass the limit: with a bucket, the copy goes with its body in S3; without one, the message
 * is kept, its outcome bounded and reported once. On fauxqs, its queues limited to 256 KiB as SQS
 * queues made before 2025 are (fauxqs enforces a queue's {@code MaximumMessageSize}).
 */
class OversizedDeadLetterTest {
    static final Map<QueueAttributeName, String> LIMITED = Map.of(QueueAttributeName.MAXIMUM_MESSAGE_SIZE, "262144");
    /** Fits SQS with its one attribute (21 + 6 + 5 bytes), so a producer could send it; its copy cannot. */
    static final String BODY = "uryyb " + "n".repeat(SqsTransport.SQS_MAX_BYTES - 32 - 6 - 10);
    static Fauxqs fauxqs;
    static SqsAsyncClient sqs;
    static S3AsyncClient s3;
    final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    final ch.qos.logback.classic.Logger deadLetterLog =
            (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.outpost.sqs.internal.DeadLetters");

    @BeforeAll
    static void start() throws Exception {
        fauxqs = Fauxqs.start();
        sqs = FauxqsClients.sqs(fauxqs);
        s3 = FauxqsClients.s3(fauxqs);
    }

    @AfterAll
    static void stop() {
        if (fauxqs != null) {
            fauxqs.close();
        }
    }

    @BeforeEach
    void captureLogs() {
        logged.start();
        deadLetterLog.addAppender(logged);
    }

    @AfterEach
    void releaseLogs() {
        deadLetterLog.detachAppender(logged);
    }

    private List<ILoggingEvent> reports() {
        return logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
    }

    private static void sendUnreadable(String url) {
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(BODY).messageAttributes(Map.of("outpost-body-encoding",
                MessageAttributeValue.builder().dataType("String").stringValue("rot13").build()))).join();
    }

    private static long messagesOn(String url) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .join().attributes();
        return a.values().stream().mapToLong(Long::parseLong).sum();
    }

    private static Message rawOne(String url) {
        List<Message> got = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            got.addAll(sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(1).messageAttributeNames("All")
                    .visibilityTimeout(0)).join().messages());
            return !got.isEmpty();
        });
        return got.get(0);
    }

    @Test
    void withABucketTheCopyGoesWithItsBodyInS3AndAnOutpostReaderGetsTheMessageBackAsItArrived() throws Exception {
        s3.createBucket(r -> r.bucket("dead-letter-bodies")).join();
        String url = new SqsProvisioner(sqs).queue("big-unreadable", LIMITED);
        String deadUrl = new SqsProvisioner(sqs).queue("big-unreadable-dead", LIMITED);
        sendUnreadable(url);
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(s3, "dead-letter-bodies")
                .deadLetter("big-unreadable-dead").build()) {
            assertThat(t.receive("big-unreadable", 10, Duration.ofSeconds(2))).isEmpty();
            Message raw = rawOne(deadUrl);
            assertThat(raw.body()).as("a pointer").startsWith("[\"software.amazon.payloadoffloading.PayloadS3Pointer\"");
            assertThat(raw.messageAttributes().get(Attributes.REJECT_REASON).stringValue()).isEqualTo("unreadable");
            assertThat(raw.messageAttributes().get(Attributes.REJECT_DETAIL).stringValue()).contains("rot13");
            assertThat(raw.messageAttributes().get(Attributes.SOURCE).stringValue()).isEqualTo("big-unreadable");
            await().atMost(Duration.ofSeconds(10)).until(() -> messagesOn(url) == 0);

            Delivery copy = null;
            for (int i = 0; i < 20 && copy == null; i++) {
                copy = t.receive("big-unreadable-dead", 1, Duration.ofSeconds(1)).stream().findFirst().orElse(null);
            }
            assertThat(copy).isNotNull();
            assertThat(new String(copy.message().body(), StandardCharsets.UTF_8)).isEqualTo(BODY);
            assertThat(copy.message().attributes()).containsEntry("outpost-body-encoding", "rot13")
                    .containsEntry(Attributes.REJECT_REASON, "unreadable").containsEntry(Attributes.SOURCE, "big-unreadable");
            copy.ack().join();
            assertThat(s3.listObjectsV2(r -> r.bucket("dead-letter-bodies")).join().contents())
                    .as("the copy's body is deleted with it").isEmpty();
        }
        assertThat(reports()).singleElement().satisfies(e -> assertThat(e.getFormattedMessage()).contains("its body in S3"));
    }

    @Test
    void withoutABucketNorARedrivePolicyItIsHiddenForTwelveHoursAtEachReceiveAndReportedOnce() throws Exception {
        String url = new SqsProvisioner(sqs).queue("big-kept", LIMITED);
        String deadUrl = new SqsProvisioner(sqs).queue("big-kept-dead", LIMITED);
        sendUnreadable(url);
        InterceptingSqsClient client = new InterceptingSqsClient(sqs);
        try (SqsTransport t = SqsTransport.builder().sqsClient(client).deadLetter("big-kept-dead").build()) {
            for (int receive = 1; receive <= 2; receive++) {
                assertThat(t.receive("big-kept", 10, Duration.ofSeconds(2))).isEmpty();
                int hidden = receive;
                await().atMost(Duration.ofSeconds(10)).until(() -> parked(client).size() == hidden);
                assertThat(messagesOn(url)).as("kept, not lost").isEqualTo(1);
                // as if its 12 h were over: visible again for the next receive
                String receipt = parked(client).get(hidden - 1).receiptHandle();
                sqs.changeMessageVisibility(r -> r.queueUrl(url).receiptHandle(receipt).visibilityTimeout(0)).join();
            }
        }
        assertThat(messagesOn(deadUrl)).isZero();
        assertThat(reports()).as("once, not at every receive").singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.ERROR);
            assertThat(e.getFormattedMessage()).contains("262144").contains("redrive policy").contains("largePayloads(...)");
        });
    }

    private static List<ChangeMessageVisibilityBatchRequestEntry> parked(InterceptingSqsClient client) {
        return client.visibilityBatches.stream().flatMap(b -> b.entries().stream())
                .filter(e -> e.visibilityTimeout() == 43_200).toList();
    }

    @Test
    void withoutABucketButWithARedrivePolicySqsMovesItUnchangedSoonAndItIsReportedOnce() throws Exception {
        String deadUrl = new SqsProvisioner(sqs).queue("big-redriven-dead", LIMITED);
        String policy = "{\"deadLetterTargetArn\":\"" + ElasticMq.arn(sqs, deadUrl) + "\",\"maxReceiveCount\":\"2\"}";
        String url = new SqsProvisioner(sqs).queue("big-redriven", Map.of(QueueAttributeName.MAXIMUM_MESSAGE_SIZE, "262144",
                QueueAttributeName.VISIBILITY_TIMEOUT, "1", QueueAttributeName.REDRIVE_POLICY, policy));
        sendUnreadable(url);
        InterceptingSqsClient client = new InterceptingSqsClient(sqs);
        try (SqsTransport t = SqsTransport.builder().sqsClient(client).build()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                assertThat(t.receive("big-redriven", 10, Duration.ofSeconds(1))).isEmpty();
                return messagesOn(deadUrl) == 1;
            });
        }
        Message moved = rawOne(deadUrl);
        assertThat(moved.body()).as("moved by SQS, unchanged").isEqualTo(BODY);
        assertThat(moved.messageAttributes()).containsOnlyKeys("outpost-body-encoding");
        assertThat(parked(client)).as("not hidden: the redrive ends it sooner").isEmpty();
        assertThat(reports()).as("once, not at every receive").singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("redrive policy").contains("largePayloads(...)");
        });
        assertThat(messagesOn(url)).isZero();
    }
}
