package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.spi.Message;
import dev.outpost.spi.NoSuchDestinationException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * Destinations a request's {@code replyTo} names are chosen by its sender; a worker's allow patterns are prefixes
 * matched against them as given. On ElasticMQ, a queue URL's path is resolved before the queue is found.
 */
class HostileDestinationsTest {
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

    private static Message text(String s) {
        return Message.of(s.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /**
     * {@code .../outpost-replies-a/../victim} matches an allow pattern {@code .../outpost-replies-*}, and ElasticMQ
     * sends it to {@code victim}: a URL that is not exactly a queue's is refused, and nothing reaches another queue.
     */
    @Test
    void aQueueUrlWithMoreThanAccountAndNameIsRefusedAndReachesNoOtherQueue() throws Exception {
        String replies = ElasticMq.createQueue(admin, "outpost-replies-a", 30, Map.of());
        String victim = ElasticMq.createQueue(admin, "victim", 30, Map.of());
        String base = replies.substring(0, replies.lastIndexOf('/') + 1);
        try (SqsTransport t = SqsTransport.builder().sqsClient(admin).build()) {
            for (String hostile : new String[] {replies + "/../victim", replies + "/../../000000000000/victim",
                    replies + "/./../victim", replies + "?QueueUrl=" + base + "victim", replies + "#/../victim",
                    base.replace("http://", "http://user@") + "outpost-replies-a", replies + "/victim"}) {
                assertThatThrownBy(() -> t.send(hostile, text(hostile)).get(10, TimeUnit.SECONDS)).as(hostile)
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NoSuchDestinationException.class)
                        .hasMessageContaining("not an SQS queue URL");
            }
            t.send(replies, text("to the reply queue itself")).get(10, TimeUnit.SECONDS); // the plain URL still works
        }
        assertThat(admin.receiveMessage(r -> r.queueUrl(victim).maxNumberOfMessages(10).waitTimeSeconds(1)).join().messages())
                .as("nothing reached the queue the URLs pointed past").isEmpty();
        assertThat(admin.receiveMessage(r -> r.queueUrl(replies).maxNumberOfMessages(10).waitTimeSeconds(1)).join().messages())
                .extracting(software.amazon.awssdk.services.sqs.model.Message::body).containsExactly("to the reply queue itself");
    }

    /**
     * A replyTo is the sender's text, and passes a prefix pattern ({@code outpost-client-*}) whatever follows it: the
     * failure that names it is clipped and printable, so that a worker logging it logs one short line.
     */
    @Test
    void aFailureNamingAHostileQueueNameIsClippedAndPrintable() {
        String hostile = "outpost-client-a\r\n2026-12-07 12:00:00 ERROR forged line\u001b[31m" + "x".repeat(100_000);
        try (SqsTransport t = SqsTransport.builder().sqsClient(admin).build()) {
            assertThatThrownBy(() -> t.send(hostile, text("x")).get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .satisfies(e -> {
                        String message = e.getCause().getMessage();
                        assertThat(message.chars().filter(Character::isISOControl).count()).as("control characters in %.200s", message)
                                .isZero();
                        assertThat(message.length()).as("length of %.200s", message).isLessThan(2_000);
                        assertThat(message).contains("outpost-client-a");
                    });
        }
    }
}
