package dev.outpost.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Transport} must have, as JUnit 5 tests. An implementation's test
 * class extends this and supplies a {@link TransportFixture}:
 *
 * <pre>{@code
 * class SqsTransportContractTest extends TransportContract {
 *     @Override
 *     protected TransportFixture fixture() {
 *         return sharedFixture; // started once for the class, e.g. in @BeforeAll
 *     }
 * }
 * }</pre>
 *
 * <p>Each test creates its own destinations, so a fixture may share one server between tests.
 * Waits are bounded; deadlines are checked with {@link TransportFixture#timerSlack()}.
 */
public abstract class TransportContract {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    /** The fixture for the implementation under test. */
    protected abstract TransportFixture fixture();

    private Transport transport() {
        return fixture().transport();
    }

    private List<Delivery> receive(String queue, int max, Duration wait) {
        try {
            return transport().receive(queue, max, wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Receives until one message arrives (bounded). */
    private Delivery receiveOne(String queue) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            List<Delivery> got = receive(queue, 1, Duration.ofSeconds(1));
            if (!got.isEmpty()) {
                return got.get(0);
            }
        }
        throw new AssertionError("no message arrived on '" + queue + "' within " + PATIENCE);
    }

    private List<Delivery> drain(String queue, int expected) {
        List<Delivery> all = new ArrayList<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (all.size() < expected && System.nanoTime() < deadline) {
            all.addAll(receive(queue, 10, Duration.ofSeconds(1)));
        }
        return all;
    }

    private static void join(CompletableFuture<?> f) {
        try {
            f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("transport operation failed", e);
        }
    }

    private static Message text(String body) {
        return Message.of(body.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Delivery d) {
        return new String(d.message().body(), StandardCharsets.UTF_8);
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void bodyAndAttributesArriveIntact() {
        String q = fixture().queue("intact", Duration.ofSeconds(30));
        byte[] binary = new byte[256];
        for (int i = 0; i < 256; i++) {
            binary[i] = (byte) i;
        }
        List<byte[]> bodies = List.of(
                "plain ascii".getBytes(StandardCharsets.UTF_8),
                "ünïcödé ✓ 日本語 🚀".getBytes(StandardCharsets.UTF_8),
                binary,
                new byte[0]);
        Map<String, String> attributes = Map.of("outpost-request-id", "r-1", "unicode", "żółw ✓");
        for (byte[] b : bodies) {
            join(transport().send(q, Message.of(b, attributes)));
        }
        List<Delivery> got = drain(q, bodies.size());
        assertThat(got).hasSize(bodies.size());
        Set<String> received = new HashSet<>();
        for (Delivery d : got) {
            received.add(Arrays.toString(d.message().body()));
            assertThat(d.message().attributes()).containsAllEntriesOf(attributes);
            assertThat(d.receiveCount()).isEqualTo(1);
            assertThat(d.source()).isEqualTo(q);
            join(d.ack());
        }
        Set<String> sent = new HashSet<>();
        bodies.forEach(b -> sent.add(Arrays.toString(b)));
        assertThat(received).isEqualTo(sent);
    }

    @Test
    void batchSendDeliversEveryMessage() {
        String q = fixture().queue("batch", Duration.ofSeconds(30));
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            batch.add(text("m" + i));
        }
        join(transport().sendBatch(q, batch));
        List<Delivery> got = drain(q, 25);
        assertThat(got).extracting(TransportContract::text).containsExactlyInAnyOrderElementsOf(
                batch.stream().map(m -> new String(m.body(), StandardCharsets.UTF_8)).toList());
        got.forEach(d -> join(d.ack()));
    }

    @Test
    void receiveReturnsAtMostMax() {
        String q = fixture().queue("max", Duration.ofSeconds(30));
        for (int i = 0; i < 15; i++) {
            join(transport().send(q, text("m" + i)));
        }
        await().atMost(PATIENCE).until(() -> {
            List<Delivery> got = receive(q, 10, Duration.ofSeconds(1));
            assertThat(got.size()).isLessThanOrEqualTo(10);
            got.forEach(d -> join(d.ack()));
            return !got.isEmpty();
        });
        assertThat(receive(q, 1, Duration.ofSeconds(1)).size()).isLessThanOrEqualTo(1);
    }

    @Test
    void longPollReturnsWhenAMessageArrives() throws Exception {
        String q = fixture().queue("longpoll", Duration.ofSeconds(30));
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            long t0 = System.nanoTime();
            Future<List<Delivery>> waiting = ex.submit(() -> transport().receive(q, 1, Duration.ofSeconds(15)));
            sleep(Duration.ofMillis(500));
            join(transport().send(q, text("wake up")));
            List<Delivery> got = waiting.get(20, TimeUnit.SECONDS);
            long tookMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(got).extracting(TransportContract::text).containsExactly("wake up");
            assertThat(tookMillis).as("a long poll returns as soon as a message arrives, not at the end of its wait")
                    .isLessThan(10_000);
            join(got.get(0).ack());
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void emptyQueueReturnsNothingAfterTheWait() {
        String q = fixture().queue("empty", Duration.ofSeconds(30));
        assertThat(receive(q, 10, Duration.ofMillis(500))).isEmpty();
        assertThat(receive(q, 10, Duration.ZERO)).isEmpty();
    }

    @Test
    void anUnackedMessageComesBackAfterItsVisibilityTimeout() {
        String q = fixture().queue("visibility", Duration.ofSeconds(2));
        join(transport().send(q, text("again")));
        Delivery first = receiveOne(q);
        assertThat(first.receiveCount()).isEqualTo(1);
        assertThat(receive(q, 10, Duration.ofMillis(500))).as("invisible while in flight").isEmpty();
        Delivery second = receiveOne(q);
        assertThat(text(second)).isEqualTo("again");
        assertThat(second.receiveCount()).isEqualTo(2);
        assertThat(second.messageId()).as("the message id survives redelivery").isEqualTo(first.messageId());
        join(transport().send(q, text("again")));
        Delivery copy = receiveOne(q);
        assertThat(copy.messageId()).as("an identical body sent again is another message").isNotEqualTo(first.messageId());
        join(second.ack());
        join(copy.ack());
    }

    @Test
    void ackDeletesTheMessage() {
        String q = fixture().queue("ack", Duration.ofSeconds(1));
        join(transport().send(q, text("once")));
        join(receiveOne(q).ack());
        sleep(Duration.ofSeconds(1).plus(fixture().timerSlack()).plusMillis(500));
        assertThat(receive(q, 10, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void retryWithZeroDelayHandsTheMessageBackAtOnce() {
        String q = fixture().queue("handback", Duration.ofSeconds(60));
        join(transport().send(q, text("back")));
        join(receiveOne(q).retry(Duration.ZERO));
        List<Delivery> again = receive(q, 1, Duration.ofSeconds(5));
        assertThat(again).as("handed back, not waiting for the 60 s visibility timeout").hasSize(1);
        assertThat(again.get(0).receiveCount()).isEqualTo(2);
        join(again.get(0).ack());
    }

    @Test
    void retryWithADelayKeepsTheMessageAwayUntilThen() {
        String q = fixture().queue("delayed", Duration.ofSeconds(60));
        join(transport().send(q, text("later")));
        join(receiveOne(q).retry(Duration.ofSeconds(3)));
        assertThat(receive(q, 1, Duration.ofSeconds(1))).isEmpty();
        Delivery back = receiveOne(q);
        assertThat(text(back)).isEqualTo("later");
        join(back.ack());
    }

    @Test
    void extendKeepsTheMessageInvisiblePastItsTimeout() {
        String q = fixture().queue("extend", Duration.ofSeconds(2));
        join(transport().send(q, text("long work")));
        Delivery d = receiveOne(q);
        join(d.extend(Duration.ofSeconds(6)));
        assertThat(receive(q, 1, Duration.ofSeconds(3))).as("still invisible after the original 2 s").isEmpty();
        join(d.ack());
        sleep(Duration.ofSeconds(4).plus(fixture().timerSlack()));
        assertThat(receive(q, 1, Duration.ofSeconds(1))).as("acked after extending").isEmpty();
    }

    @Test
    void redriveMovesAMessageToTheDeadLetterQueueAfterMaxReceives() {
        String dlq = fixture().queue("redrive-dlq", Duration.ofSeconds(30));
        String q = fixture().queueWithRedrive("redrive", Duration.ofSeconds(30), 2, dlq);
        join(transport().send(q, text("poison")));
        for (int i = 1; i <= 2; i++) {
            Delivery d = receiveOne(q);
            assertThat(d.receiveCount()).isEqualTo(i);
            join(d.retry(Duration.ZERO));
        }
        // as on SQS, the move happens when the source is next asked for messages
        assertThat(receive(q, 1, Duration.ofSeconds(1))).isEmpty();
        Delivery dead = receiveOne(dlq);
        assertThat(text(dead)).isEqualTo("poison");
        join(dead.ack());
    }

    @Test
    void aTopicFansOutToEverySubscribedQueue() {
        List<String> queues = List.of(fixture().queue("fan-a", Duration.ofSeconds(30)),
                fixture().queue("fan-b", Duration.ofSeconds(30)), fixture().queue("fan-c", Duration.ofSeconds(30)));
        String topic = fixture().topic("fan", queues);
        join(transport().send(topic, Message.of("to all".getBytes(StandardCharsets.UTF_8), Map.of("k", "v"))));
        for (String q : queues) {
            Delivery d = receiveOne(q);
            assertThat(text(d)).isEqualTo("to all");
            assertThat(d.message().attributes()).containsEntry("k", "v");
            join(d.ack());
        }
    }

    @Test
    void bodiesUpToTheLimitPassAndLargerOnesAreRefused() {
        String q = fixture().queue("large", Duration.ofSeconds(30));
        int limit = transport().maxMessageBytes();
        int size = Math.min(limit, 4 * 1024 * 1024);
        byte[] big = new byte[size];
        Arrays.fill(big, (byte) 'x');
        join(transport().send(q, Message.of(big)));
        Delivery d = receiveOne(q);
        assertThat(d.message().size()).isEqualTo(size);
        join(d.ack());
        if (limit < 64 * 1024 * 1024) {
            CompletableFuture<Void> tooBig = transport().send(q, Message.of(new byte[limit + 1]));
            assertThatThrownBy(() -> tooBig.get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(MessageTooLargeException.class);
        }
    }

    @Test
    void concurrentProducersAndConsumersLoseNothingAndDeliverOnce() throws Exception {
        String q = fixture().queue("concurrent", Duration.ofSeconds(30));
        int producers = 4;
        int perProducer = 100;
        ExecutorService ex = Executors.newFixedThreadPool(producers + 4);
        Set<String> received = ConcurrentHashMap.newKeySet();
        List<String> duplicates = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean done = new AtomicBoolean();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                futures.add(ex.submit(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        join(transport().send(q, text(id + "-" + i)));
                    }
                }));
            }
            for (int c = 0; c < 4; c++) {
                ex.submit(() -> {
                    while (!done.get()) {
                        for (Delivery d : receive(q, 10, Duration.ofMillis(500))) {
                            if (!received.add(text(d))) {
                                duplicates.add(text(d));
                            }
                            join(d.ack());
                        }
                    }
                });
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> received.size() == producers * perProducer);
            assertThat(duplicates).as("acked within the visibility timeout, so never redelivered").isEmpty();
        } finally {
            done.set(true);
            ex.shutdown();
            ex.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void depthCountsWaitingMessages() {
        if (!fixture().reportsDepth()) {
            return;
        }
        String q = fixture().queue("depth", Duration.ofSeconds(30));
        for (int i = 0; i < 5; i++) {
            join(transport().send(q, text("d" + i)));
        }
        await().atMost(PATIENCE).until(() -> transport().depth(q).orElse(-1) == 5);
        List<Delivery> got = drain(q, 5);
        got.forEach(d -> join(d.ack()));
        await().atMost(PATIENCE).until(() -> transport().depth(q).orElse(-1) == 0);
    }
}
