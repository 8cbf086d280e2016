package dev.outpost.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static dev.outpost.testkit.ContractSupport.join;
import static dev.outpost.testkit.ContractSupport.text;
import static dev.outpost.testkit.ContractSupport.wholeSeconds;

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
import java.util.Optional;
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
 * class extends this and supplies a {@link TransportFixture}; every test of the contract then runs
 * against that transport:
 *
 * <pre>{@code
 * class SqsTransportContractTest extends TransportContract {
 *     static ElasticMq server;            // started once for the class
 *     static SqsTransport transport;
 *
 *     @BeforeAll static void start() { ... }
 *     @AfterAll static void stop() { transport.close(); server.close(); }
 *
 *     @Override
 *     protected TransportFixture fixture() {
 *         return new TransportFixture() {
 *             public Transport transport() { return transport; }
 *             public String queue(String base, Duration visibility) { ...create base + "-" + counter... }
 *             public String queueWithRedrive(String base, Duration visibility, int max, String dlq) { ... }
 *             public String topic(String base, List<String> queues) { ... }
 *             public Duration timerSlack() { return Duration.ofMillis(1200); }
 *         };
 *     }
 * }
 * }</pre>
 *
 * <p>What it checks: bodies (empty, binary 0..255, UTF-8) and attributes (unicode values) arrive
 * intact; batches of more than ten; {@code maxMessages} honoured; long polls return early when a
 * message arrives and empty after their wait; visibility timeout and receive count; ack, retry now,
 * retry later, extend; redrive to a dead-letter queue; topic fan-out; bodies up to
 * {@link Transport#maxMessageBytes()} pass and one byte more is refused with
 * {@link MessageTooLargeException}; several producers and consumers lose nothing and, acking in
 * time, see each message once; depth; for a transport that {@linkplain Transport#push pushes}: a pushed
 * message is in flight until acked, comes back when not, is handed back when the receiver throws, and
 * waits for a receive once the push is closed.
 *
 * <p>Designed for real servers: each test creates its own destinations through the fixture, so
 * one server (and one transport) can serve the whole class; visibility timeouts are whole seconds
 * (1 to 60); every wait is bounded (at most 20 s for a message that should come, 60 s for the
 * concurrency test); timing checks allow {@link TransportFixture#timerSlack()}. The whole contract
 * takes about 15 s on the in-memory transport, longer on a server with coarse timers. The contract
 * never closes the transport.
 */
public abstract class TransportContract {
    private static final Duration PATIENCE = ContractSupport.PATIENCE;

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

    private void sleep(Duration d) {
        ContractSupport.sleep(d);
    }

    private Duration slack() {
        return fixture().timerSlack();
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
        assertThat(got).extracting(ContractSupport::text).containsExactlyInAnyOrderElementsOf(
                batch.stream().map(m -> new String(m.body(), StandardCharsets.UTF_8)).toList());
        got.forEach(d -> join(d.ack()));
    }

    @Test
    void receiveReturnsAtMostMaxAndDrainsEverything() {
        String q = fixture().queue("max", Duration.ofSeconds(30));
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            sent.add(text("m" + i));
        }
        join(transport().sendBatch(q, sent));
        List<Delivery> one = receive(q, 1, Duration.ofSeconds(5));
        assertThat(one).as("max 1").hasSize(1);
        List<String> received = new ArrayList<>();
        received.add(text(one.get(0)));
        join(one.get(0).ack());
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (received.size() < 15 && System.nanoTime() < deadline) {
            List<Delivery> got = receive(q, 10, Duration.ofSeconds(1));
            assertThat(got.size()).as("a receive returns at most max = 10").isLessThanOrEqualTo(10);
            for (Delivery d : got) {
                received.add(text(d));
                join(d.ack());
            }
        }
        assertThat(received).containsExactlyInAnyOrderElementsOf(sent.stream().map(m -> new String(m.body(), StandardCharsets.UTF_8)).toList());
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
            assertThat(got).extracting(ContractSupport::text).containsExactly("wake up");
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
        Duration visibility = Duration.ofSeconds(1);
        String q = fixture().queue("ack", visibility);
        join(transport().send(q, text("once")));
        join(receiveOne(q).ack());
        assertThat(receive(q, 10, visibility.plus(slack()).plusMillis(500)))
                .as("an acked message does not come back after its visibility timeout").isEmpty();
    }

    @Test
    void aBatchedAckDeletesEveryDelivery() {
        Duration visibility = Duration.ofSeconds(1);
        String q = fixture().queue("ack-batch", visibility);
        join(transport().sendBatch(q, List.of(text("one"), text("two"), text("three"))));
        List<Delivery> got = drain(q, 3);
        assertThat(got).hasSize(3);
        join(transport().ackBatch(got));
        assertThat(receive(q, 10, visibility.plus(slack()).plusMillis(500)))
                .as("no acked message comes back after its visibility timeout").isEmpty();
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
        join(receiveOne(q).retry(Duration.ofSeconds(2)));
        assertThat(receive(q, 1, Duration.ofSeconds(1))).as("not visible before the 2 s delay").isEmpty();
        Delivery back = receiveOne(q);
        assertThat(text(back)).isEqualTo("later");
        assertThat(back.receiveCount()).isEqualTo(2);
        join(back.ack());
    }

    @Test
    void extendKeepsTheMessageInvisiblePastItsTimeoutAndAckStillWorks() {
        Duration visibility = Duration.ofSeconds(1);
        String q = fixture().queue("extend", visibility);
        join(transport().send(q, text("long work")));
        Delivery d = receiveOne(q);
        // whole seconds, because SQS counts visibility in seconds
        Duration watch = wholeSeconds(visibility.plus(slack()).plusMillis(500));
        Duration extended = wholeSeconds(watch.plus(slack()).plusSeconds(1));
        join(d.extend(extended));
        assertThat(receive(q, 1, watch)).as("still invisible %s after receipt; its timeout was %s", watch, visibility)
                .isEmpty();
        join(d.ack());
        assertThat(receive(q, 1, extended.minus(watch).plus(slack()).plusMillis(500)))
                .as("acked after extending: gone for good").isEmpty();
    }

    @Test
    void aRetryOrExtendLongerThanTheTransportCanHoldMeansItsLongestAndNeverThrows() {
        String q = fixture().queue("longest", Duration.ofSeconds(60));
        join(transport().send(q, text("extended")));
        Delivery d = receiveOne(q);
        // a Duration past a long of milliseconds: the transport's own longest, not an ArithmeticException
        join(d.extend(Duration.ofSeconds(Long.MAX_VALUE)));
        join(transport().send(q, text("retried")));
        Delivery r = receiveOne(q);
        join(r.retry(java.time.temporal.ChronoUnit.FOREVER.getDuration()));
        assertThat(receive(q, 1, Duration.ofSeconds(1))).as("both kept away").isEmpty();
        join(d.ack());
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
        assertThat(receive(q, 1, Duration.ofMillis(500))).as("never delivered a third time").isEmpty();
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
        int consumers = 4;
        int perProducer = 100;
        ExecutorService ex = Executors.newFixedThreadPool(producers + consumers);
        Set<String> received = ConcurrentHashMap.newKeySet();
        List<String> duplicates = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean done = new AtomicBoolean();
        List<Future<?>> tasks = new ArrayList<>();
        try {
            for (int p = 0; p < producers; p++) {
                int id = p;
                tasks.add(ex.submit(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        join(transport().send(q, text(id + "-" + i)));
                    }
                }));
            }
            for (int c = 0; c < consumers; c++) {
                tasks.add(ex.submit(() -> {
                    while (!done.get()) {
                        for (Delivery d : receive(q, 10, Duration.ofMillis(500))) {
                            if (!received.add(text(d))) {
                                duplicates.add(text(d));
                            }
                            join(d.ack());
                        }
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (Future<?> f : tasks) {
                    if (f.isDone()) {
                        f.get(); // a producer finishing is fine; a failure surfaces here
                    }
                }
                return received.size() == producers * perProducer;
            });
            assertThat(duplicates).as("acked within the visibility timeout, so never redelivered").isEmpty();
            assertThat(receive(q, 10, Duration.ofMillis(500))).as("nothing left over").isEmpty();
        } finally {
            done.set(true);
            ex.shutdown();
            if (!ex.awaitTermination(10, TimeUnit.SECONDS)) {
                ex.shutdownNow();
            }
        }
        for (Future<?> f : tasks) {
            f.get(1, TimeUnit.SECONDS);
        }
    }

    @Test
    void depthCountsWaitingMessages() {
        assumeTrue(fixture().reportsDepth(), "the fixture says this transport does not report depth");
        String q = fixture().queue("depth", Duration.ofSeconds(30));
        for (int i = 0; i < 5; i++) {
            join(transport().send(q, text("d" + i)));
        }
        await().atMost(PATIENCE).until(() -> transport().depth(q).orElse(-1) == 5);
        List<Delivery> got = drain(q, 5);
        got.forEach(d -> join(d.ack()));
        await().atMost(PATIENCE).until(() -> transport().depth(q).orElse(-1) == 0);
    }

    @Test
    void aPushedMessageIsInFlightUntilAckedAndComesBackWhenNot() {
        Duration visibility = Duration.ofSeconds(1);
        String q = fixture().queue("push", visibility);
        List<Delivery> pushed = Collections.synchronizedList(new ArrayList<>());
        Optional<Transport.Push> push = transport().push(q, pushed::add);
        assumeTrue(push.isPresent(), "this transport does not push");
        try (Transport.Push p = push.get()) {
            join(transport().send(q, text("acked")));
            await().atMost(PATIENCE).until(() -> pushed.size() == 1);
            assertThat(text(pushed.get(0))).isEqualTo("acked");
            assertThat(pushed.get(0).receiveCount()).isEqualTo(1);
            join(pushed.get(0).ack());
            join(transport().send(q, text("dropped")));
            await().atMost(PATIENCE).until(() -> pushed.size() == 2);
            p.close();
            Delivery back = receiveOne(q);
            assertThat(text(back)).as("the unacked one, after its visibility timeout; never the acked one").isEqualTo("dropped");
            assertThat(back.receiveCount()).isEqualTo(2);
            join(back.ack());
        }
    }

    @Test
    void aPushReceiverThatThrowsLosesNothing() {
        String q = fixture().queue("push-throws", Duration.ofSeconds(60));
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        Optional<Transport.Push> push = transport().push(q, d -> {
            seen.add(text(d));
            throw new AssertionError("the receiver failed (an Error)");
        });
        assumeTrue(push.isPresent(), "this transport does not push");
        try (Transport.Push p = push.get()) {
            join(transport().send(q, text("kept")));
            await().atMost(PATIENCE).until(() -> seen.size() == 1);
            p.close();
            List<Delivery> got = receive(q, 1, Duration.ofSeconds(5));
            assertThat(got).as("handed back at once, not after the 60 s visibility timeout").hasSize(1);
            assertThat(text(got.get(0))).isEqualTo("kept");
            join(got.get(0).ack());
        }
    }

    @Test
    void onceThePushIsClosedMessagesWaitForAReceive() {
        String q = fixture().queue("push-closed", Duration.ofSeconds(30));
        List<Delivery> pushed = Collections.synchronizedList(new ArrayList<>());
        Optional<Transport.Push> push = transport().push(q, pushed::add);
        assumeTrue(push.isPresent(), "this transport does not push");
        push.get().close();
        push.get().close(); // idempotent
        join(transport().send(q, text("received")));
        Delivery d = receiveOne(q);
        assertThat(text(d)).isEqualTo("received");
        assertThat(pushed).isEmpty();
        join(d.ack());
    }
}
