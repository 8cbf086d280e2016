package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outpost.core.Client;
import dev.outpost.Attributes;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Worker;
import dev.outpost.spi.Collector;
import dev.outpost.spi.Delivery;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * One unreadable message never fails a receive nor strands the good messages of its batch: the
 * transport moves it, as it arrived, to the dead-letter queue with the reason. On ElasticMQ.
 */
class UnreadableMessagesTest {
    static ElasticMq mq;
    static SqsAsyncClient admin;

    /** Framing no transport can undo, each sent with SQS's own API as a hostile or broken producer would. */
    static final Map<String, Map<String, String>> BAD = Map.of(
            "uryyb", Map.of("outpost-body-encoding", "rot13"),
            "not base64!", Map.of("outpost-body-encoding", "base64"),
            "packed attributes that are not JSON", Map.of("outpost-attributes", "{not json"),
            "[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"b\"}]", Map.of(),
            "[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"some-bucket\",\"s3Key\":\"k\"}]",
            Map.of("ExtendedPayloadSize", "5"));

    @BeforeAll
    static void start() {
        mq = ElasticMq.start();
        admin = mq.client();
    }

    @AfterAll
    static void stop() {
        mq.close();
    }

    private static void sendRawBatch(String url, List<String> goodBodies) {
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
        int i = 0;
        for (String good : goodBodies) {
            entries.add(SendMessageBatchRequestEntry.builder().id("g" + i++).messageBody(good).build());
        }
        for (Map.Entry<String, Map<String, String>> bad : BAD.entrySet()) {
            Map<String, MessageAttributeValue> attrs = new HashMap<>();
            bad.getValue().forEach((k, v) -> attrs.put(k, MessageAttributeValue.builder()
                    .dataType(k.equals("ExtendedPayloadSize") ? "Number" : "String").stringValue(v).build()));
            entries.add(SendMessageBatchRequestEntry.builder().id("b" + i++).messageBody(bad.getKey()).messageAttributes(attrs).build());
        }
        // good and bad in one batch of at most 10, so that one receive of 10 can hold both
        assertThat(admin.sendMessageBatch(r -> r.queueUrl(url).entries(entries)).join().failed()).isEmpty();
    }

    private static List<Delivery> drain(SqsTransport t, String source, int expected) throws InterruptedException {
        List<Delivery> got = new ArrayList<>();
        for (int i = 0; i < 20 && got.size() < expected; i++) {
            got.addAll(t.receive(source, 10, Duration.ofSeconds(1))); // throws if one bad message fails the batch
        }
        return got;
    }

    private static long messagesOn(String url) {
        Map<QueueAttributeName, String> a = admin.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .join().attributes();
        return Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    @Test
    void badMessagesGoToTheQueuesOwnDeadLetterQueueAsTheyArrivedAndTheGoodOnesAreDelivered() throws Exception {
        String url = new SqsProvisioner(admin).queueWithDeadLetter("mixed", Duration.ofSeconds(30), 5);
        List<String> good = List.of("good 1", "good 2", "good 3", "good 4", "good 5");
        sendRawBatch(url, good);
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).queue("requests", "mixed").build()) {
            List<Delivery> got = drain(t, "requests", good.size());
            assertThat(got).extracting(d -> new String(d.message().body(), StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrderElementsOf(good);
            for (Delivery d : got) {
                d.ack().join();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> messagesOn(url) == 0);

            List<Delivery> dead = drain(t, "mixed-dead-letter", BAD.size());
            assertThat(dead).hasSize(BAD.size());
            for (Delivery d : dead) {
                String body = new String(d.message().body(), StandardCharsets.UTF_8);
                assertThat(BAD).containsKey(body); // the message itself, not what it points to
                Map<String, String> attrs = d.message().attributes();
                assertThat(attrs).containsAllEntriesOf(BAD.get(body))
                        .containsEntry(Attributes.SOURCE, "requests")
                        .containsEntry(Attributes.REJECT_REASON, "unreadable")
                        .containsKey(Attributes.REJECT_DETAIL);
                d.ack().join();
            }
            Set<String> reasons = dead.stream().map(d -> d.message().attributes().get(Attributes.REJECT_DETAIL))
                    .collect(Collectors.toSet());
            assertThat(reasons).anySatisfy(r -> assertThat(r).contains("unknown body encoding 'rot13'"))
                    .anySatisfy(r -> assertThat(r).contains("not base64"))
                    .anySatisfy(r -> assertThat(r).contains("outpost-attributes"))
                    .anySatisfy(r -> assertThat(r).contains("malformed S3 pointer"))
                    .anySatisfy(r -> assertThat(r).contains("outside the payload locations"));
        }
    }

    @Test
    void aClientThatThrowsWhileTheDeadLetterQueueIsLookedUpStrandsNoGoodMessage() throws Exception {
        String url = new SqsProvisioner(admin).queueWithDeadLetter("mixed-5", Duration.ofSeconds(30), 5);
        List<String> good = List.of("good 1", "good 2");
        sendRawBatch(url, good);
        InterceptingSqsClient client = new InterceptingSqsClient(mq.client());
        client.throwOnNextQueueAttributes.set(new LinkageError("a broken SDK client"));
        try (SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", "mixed-5").build()) {
            List<Delivery> got = drain(t, "requests", good.size());
            assertThat(got).extracting(d -> new String(d.message().body(), StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrderElementsOf(good);
            assertThat(client.throwOnNextQueueAttributes).as("the client did throw").hasValue(null);
        }
    }

    @Test
    void aQueueWithAVisibilityTimeoutUnderASecondGetsOneSecondNotZero() {
        String url = new SqsProvisioner(admin).queueWithDeadLetter("sub-second", Duration.ofMillis(500), 5);
        assertThat(admin.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT)).join()
                .attributes()).containsEntry(QueueAttributeName.VISIBILITY_TIMEOUT, "1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SqsProvisioner(admin).queueWithDeadLetter("negative",
                Duration.ofSeconds(-1), 5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aClientThatThrowsWhileTheConfiguredDeadLetterQueueIsLookedUpStrandsNoGoodMessage() throws Exception {
        String url = new SqsProvisioner(admin).queue("mixed-7", Map.of());
        new SqsProvisioner(admin).queue("mixed-7-dead", Map.of());
        List<String> good = List.of("good 1", "good 2");
        sendRawBatch(url, good);
        InterceptingSqsClient client = new InterceptingSqsClient(mq.client());
        client.nextQueueUrl.set(r -> {
            throw new LinkageError("a broken SDK client");
        });
        // the source by URL: the one look-up is the dead-letter queue's, by name
        try (SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", url).deadLetter("mixed-7-dead").build()) {
            List<Delivery> got = drain(t, "requests", good.size());
            assertThat(got).extracting(d -> new String(d.message().body(), StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrderElementsOf(good);
            assertThat(client.nextQueueUrl).as("the client did throw").hasValue(null);
        }
    }

    @Test
    void anExplicitDeadLetterDestinationWins() throws Exception {
        String url = new SqsProvisioner(admin).queue("mixed-2", Map.of());
        String elsewhere = new SqsProvisioner(admin).queue("unreadable-2", Map.of());
        sendRawBatch(url, List.of("fine"));
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).deadLetter("unreadable-2").build()) {
            List<Delivery> got = drain(t, "mixed-2", 1);
            assertThat(got).hasSize(1);
            got.get(0).ack().join();
            await().atMost(Duration.ofSeconds(10)).until(() -> messagesOn(url) == 0 && messagesOn(elsewhere) == BAD.size());
        }
    }

    @Test
    void withoutAnyDeadLetterQueueTheBadMessagesStayAndReceivingGoesOn() throws Exception {
        String url = new SqsProvisioner(admin).queue("mixed-3", Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "600"));
        sendRawBatch(url, List.of("fine"));
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).build()) {
            List<Delivery> got = drain(t, "mixed-3", 1);
            assertThat(got).hasSize(1);
            got.get(0).ack().join();
            await().atMost(Duration.ofSeconds(10)).until(() -> messagesOn(url) == BAD.size()); // not lost, left to redrive or retention
            assertThat(t.receive("mixed-3", 10, Duration.ofSeconds(1))).isEmpty(); // still invisible, nothing thrown
        }
    }

    @Test
    void aBadMessageThatCannotBeDeadLetteredIsAnErrorOnceNotAnErrorAtEachReceive() throws Exception {
        String url = new SqsProvisioner(admin).queue("mixed-4", Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "1"));
        admin.sendMessage(r -> r.queueUrl(url).messageBody("uryyb").messageAttributes(Map.of("outpost-body-encoding",
                MessageAttributeValue.builder().dataType("String").stringValue("rot13").build()))).join();
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Logger deadLetters = (Logger) LoggerFactory.getLogger("dev.outpost.sqs.internal.DeadLetters");
        Level level = deadLetters.getLevel();
        deadLetters.setLevel(Level.DEBUG);
        deadLetters.addAppender(logged);
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).build()) {
            // back after each 1 s visibility timeout: three receives of it, each failing to dead-letter it
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                assertThat(t.receive("mixed-4", 10, Duration.ofSeconds(1))).isEmpty();
                return reportsOf(logged, "nor dead-lettered").size() >= 3;
            });
        } finally {
            deadLetters.detachAppender(logged);
            deadLetters.setLevel(level);
        }
        List<ILoggingEvent> reports = reportsOf(logged, "nor dead-lettered");
        assertThat(reports.stream().filter(e -> e.getLevel() == Level.ERROR)).as("one error for the message")
                .singleElement().satisfies(e -> assertThat(e.getFormattedMessage()).contains("no dead-letter queue"));
        assertThat(reports.stream().filter(e -> e.getLevel() == Level.DEBUG)).as("the later receives").hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(e -> assertThat(e.getFormattedMessage()).contains("reported before"));
        assertThat(messagesOn(url)).as("kept, not lost").isEqualTo(1);
    }

    private static List<ILoggingEvent> reportsOf(ListAppender<ILoggingEvent> logged, String text) {
        synchronized (logged.list) {
            return logged.list.stream().filter(e -> e.getFormattedMessage().contains(text)).toList();
        }
    }

    @Test
    void aWorkerAnswersTheGoodRequestsOfABatchThatHoldsBadOnes() throws Exception {
        // a queue of its own: on mixed-4 its dead-letter redrive stayed for the test that needs none
        String url = new SqsProvisioner(admin).queueWithDeadLetter("mixed-6", Duration.ofSeconds(30), 5);
        new SqsProvisioner(admin).queue("mixed-6-replies", Map.of());
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).queue("requests", "mixed-6").build();
                Worker worker = Worker.builder(t).allowReplyTo("mixed-6-replies").collector(Collector.of("echo", (r, c) -> r.params()))
                        .pollWait(Duration.ofSeconds(1)).build();
                Client client = Client.builder(t).replyTo("mixed-6-replies").pollWait(Duration.ofSeconds(1)).build().start()) {
            sendRawBatch(url, List.of()); // only bad ones first: the worker sees them before any request
            worker.start();
            List<java.util.concurrent.CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                calls.add(client.call(Request.builder("echo").param("i", i).build(), Duration.ofSeconds(30)));
            }
            for (var call : calls) {
                assertThat(call.get().isOk()).isTrue();
            }
            assertThat(worker.status().counters().transportErrors()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> messagesOn(url) == 0);
        }
    }
}
