package dev.outpost.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.TransportException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The in-memory transport's own promises, beyond the transport contract. */
class InMemoryTransportTest {
    private static final Duration VISIBILITY = Duration.ofSeconds(30);

    private final ExecutorService pool = Executors.newCachedThreadPool();
    /** A hand-driven clock for visibility deadlines: tests advance it instead of sleeping. */
    private final AtomicLong now = new AtomicLong();
    private final List<InMemoryTransport> transports = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        transports.forEach(InMemoryTransport::close);
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).as("test threads stopped").isTrue();
    }

    private InMemoryTransport manual(InMemoryTransport.Builder b) {
        InMemoryTransport t = b.ticker(now::get).build();
        transports.add(t);
        return t;
    }

    private InMemoryTransport manual() {
        return manual(InMemoryTransport.builder().visibilityTimeout(VISIBILITY));
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    private static Message m(String s) {
        return Message.of(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Delivery d) {
        return new String(d.message().body(), StandardCharsets.UTF_8);
    }

    private static Delivery one(InMemoryTransport t, String queue) throws InterruptedException {
        List<Delivery> got = t.receive(queue, 1, Duration.ZERO);
        assertThat(got).as("one message visible in '%s'", queue).hasSize(1);
        return got.get(0);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        assertThat(f).isCompletedExceptionally();
        try {
            f.join();
            throw new AssertionError("expected a failure");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    /** Starts a receive on another thread and returns once it is blocked waiting. */
    private Future<List<Delivery>> blockedReceive(InMemoryTransport t, String queue, Duration wait,
            AtomicReference<Thread> thread) {
        Future<List<Delivery>> f = pool.submit(() -> {
            thread.set(Thread.currentThread());
            return t.receive(queue, 1, wait);
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> thread.get() != null
                && thread.get().getState() == Thread.State.TIMED_WAITING);
        return f;
    }

    // --- visibility, receive counts, retry and extend, on the manual clock

    @Test
    void anUnackedMessageComesBackAfterItsVisibilityTimeoutWithItsCountUp() throws Exception {
        InMemoryTransport t = manual();
        t.send("q", m("x")).join();
        Delivery first = one(t, "q");
        assertThat(first.receiveCount()).isEqualTo(1);
        advance(VISIBILITY.minusNanos(1));
        assertThat(t.receive("q", 10, Duration.ZERO)).as("invisible until the timeout").isEmpty();
        assertThat(t.inFlight("q")).isEqualTo(1);
        assertThat(t.depth("q")).hasValue(0);
        advance(Duration.ofNanos(1));
        assertThat(t.depth("q")).hasValue(1);
        Delivery second = one(t, "q");
        assertThat(second.receiveCount()).isEqualTo(2);
        assertThat(second.messageId()).isEqualTo(first.messageId());
        assertThat(second.id()).as("each receive has its own receipt").isNotEqualTo(first.id());
    }

    @Test
    void aBatchedAckDeletesEveryDeliveryOnceAndSkipsStaleReceipts() throws Exception {
        InMemoryTransport t = manual();
        for (String s : List.of("a", "b", "c", "d")) {
            t.send("q", m(s)).join();
        }
        t.send("other", m("e")).join();
        List<Delivery> got = new ArrayList<>(t.receive("q", 3, Duration.ZERO));
        assertThat(got).hasSize(3);
        advance(VISIBILITY); // "a", "b", "c" come back: the receipts held are stale now
        List<Delivery> again = t.receive("q", 10, Duration.ZERO);
        assertThat(again).extracting(InMemoryTransportTest::text).containsExactlyInAnyOrder("a", "b", "c", "d");
        List<Delivery> batch = new ArrayList<>(again.subList(0, 2));
        batch.add(one(t, "other")); // another queue's delivery in the same batch
        batch.add(got.get(2)); // a stale receipt changes nothing
        t.ackBatch(batch).join();
        assertThat(t.inFlight("q")).as("the two acked are gone, the other two still in flight").isEqualTo(2);
        assertThat(t.inFlight("other")).isZero();
        advance(VISIBILITY);
        assertThat(t.receive("q", 10, Duration.ZERO)).extracting(InMemoryTransportTest::text)
                .containsExactlyInAnyOrderElementsOf(again.subList(2, 4).stream().map(InMemoryTransportTest::text).toList());
        assertThat(t.queuedBytes()).as("bytes of acked messages released").isEqualTo(2);
        assertThat(t.ackBatch(List.of())).isCompleted();
    }

    @Test
    void retryHandsBackNowOrAfterItsDelayAndExtendMovesTheDeadline() throws Exception {
        InMemoryTransport t = manual();
        t.sendBatch("q", List.of(m("a"), m("b"))).join();
        List<Delivery> got = t.receive("q", 10, Duration.ZERO);
        assertThat(got).extracting(InMemoryTransportTest::text).containsExactly("a", "b");
        got.get(1).retry(Duration.ZERO).join();
        assertThat(text(one(t, "q"))).isEqualTo("b");
        got.get(0).retry(Duration.ofSeconds(5)).join();
        advance(Duration.ofSeconds(4));
        assertThat(t.receive("q", 10, Duration.ZERO)).isEmpty();
        advance(Duration.ofSeconds(1));
        Delivery a = one(t, "q");
        assertThat(a.receiveCount()).isEqualTo(2);

        a.extend(Duration.ofSeconds(100)).join();
        advance(VISIBILITY.plusSeconds(1));
        assertThat(t.receive("q", 10, Duration.ZERO)).as("extended past the queue's timeout; b expired").extracting(
                InMemoryTransportTest::text).containsExactly("b");
        a.extend(Duration.ofSeconds(10)).join(); // extending again replaces the deadline, even with a shorter one
        advance(Duration.ofSeconds(10));
        assertThat(t.receive("q", 10, Duration.ZERO)).extracting(InMemoryTransportTest::text).containsExactly("a");
    }

    @Test
    void aRetryOrExtendLongerThanNanosecondsCanCountIsACenturyNotAThrowNorAWrapToNow() throws Exception {
        InMemoryTransport t = manual();
        t.sendBatch("q", List.of(m("a"), m("b"))).join();
        List<Delivery> got = t.receive("q", 10, Duration.ZERO);
        assertThat(got.get(0).retry(Duration.ofSeconds(Long.MAX_VALUE))).isCompleted();
        assertThat(got.get(1).extend(ChronoUnit.FOREVER.getDuration())).isCompleted();
        advance(Duration.ofDays(36_000));
        assertThat(t.receive("q", 10, Duration.ZERO)).as("still hidden, 98 years on").isEmpty();
    }

    @Test
    void extendToZeroMakesTheMessageVisibleNowButTheReceiptStaysValidUntilItIsReceivedAgain() throws Exception {
        InMemoryTransport t = manual();
        t.send("q", m("x")).join();
        Delivery d = one(t, "q");
        d.extend(Duration.ZERO).join();
        d.ack().join();
        assertThat(t.peek("q")).as("still its receipt: the ack deleted it").isEmpty();
        assertThat(t.queuedBytes()).isZero();
    }

    @Test
    void delayedQueuesHoldNewMessagesBack() throws Exception {
        InMemoryTransport t = manual(InMemoryTransport.builder()
                .queue("later", QueueOptions.builder().delay(Duration.ofSeconds(5)).build()));
        t.send("later", m("x")).join();
        assertThat(t.receive("later", 1, Duration.ZERO)).isEmpty();
        assertThat(t.peek("later")).as("delayed messages are in the queue").hasSize(1);
        assertThat(t.depth("later")).hasValue(0);
        advance(Duration.ofSeconds(5));
        assertThat(one(t, "later").receiveCount()).isEqualTo(1);
    }

    @Test
    void aLongPollWakesWhenADelayedMessageBecomesDue() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.builder()
                .queue("later", QueueOptions.builder().delay(Duration.ofMillis(200)).build()).build()) {
            t.send("later", m("x")).join();
            // waits on the deadline, not for the whole 10 s or a message sent later
            Future<List<Delivery>> got = pool.submit(() -> t.receive("later", 1, Duration.ofSeconds(10)));
            assertThat(got.get(5, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void aLongPollWakesWhenAMessageRetriedWithADelayBecomesDue() throws Exception {
        InMemoryTransport t = manual();
        t.send("q", m("again")).join();
        Delivery d = one(t, "q");
        // asleep until the delivery's visibility runs out (30 s on the ticker) or its own wait ends
        Future<List<Delivery>> got = blockedReceive(t, "q", Duration.ofSeconds(30), new AtomicReference<>());
        d.retry(Duration.ofMillis(1)).join();
        advance(Duration.ofSeconds(1));
        // before: nothing woke the receiver for the earlier deadline; it slept its whole 30 s
        assertThat(got.get(10, TimeUnit.SECONDS)).extracting(InMemoryTransportTest::text).containsExactly("again");
    }

    @Test
    void aLongPollWakesWhenAnExtensionShortensAVisibility() throws Exception {
        InMemoryTransport t = manual();
        t.send("q", m("sooner")).join();
        Delivery d = one(t, "q");
        Future<List<Delivery>> got = blockedReceive(t, "q", Duration.ofSeconds(30), new AtomicReference<>());
        d.extend(Duration.ofMillis(1)).join();
        advance(Duration.ofSeconds(1));
        assertThat(got.get(10, TimeUnit.SECONDS)).extracting(InMemoryTransportTest::text).containsExactly("sooner");
    }

    // --- stale receipts

    @Test
    void aStaleReceiptCannotAckRetryOrExtendTheMessageAnotherReceiverHolds() throws Exception {
        InMemoryTransport t = manual();
        t.send("q", m("contested")).join();
        Delivery slow = one(t, "q");
        advance(VISIBILITY);
        Delivery fast = one(t, "q");
        assertThat(fast.receiveCount()).isEqualTo(2);

        assertThat(slow.ack()).as("a stale ack completes normally").isCompleted().isNotCompletedExceptionally();
        slow.retry(Duration.ZERO).join();
        slow.extend(Duration.ofHours(1)).join();
        assertThat(t.peek("q")).as("the stale ack deleted nothing").hasSize(1);
        assertThat(t.inFlight("q")).as("the stale retry handed nothing back").isEqualTo(1);
        assertThat(t.receive("q", 1, Duration.ZERO)).isEmpty();
        advance(VISIBILITY);
        assertThat(one(t, "q").receiveCount()).as("the stale extend did not hide it for an hour").isEqualTo(3);
    }

    @Test
    void aReceiptIsStaleOnceItsMessageWasAckedHandedBackOrPurged() throws Exception {
        InMemoryTransport t = manual();
        t.sendBatch("q", List.of(m("acked"), m("handed-back"))).join();
        List<Delivery> got = t.receive("q", 10, Duration.ZERO);
        Delivery acked = got.get(0);
        Delivery handedBack = got.get(1);
        acked.ack().join();
        acked.ack().join(); // twice: harmless
        handedBack.retry(Duration.ZERO).join();
        Delivery again = one(t, "q");
        handedBack.ack().join(); // stale: handed back, then received again
        assertThat(t.peek("q")).extracting(msg -> new String(msg.body(), StandardCharsets.UTF_8)).containsExactly("handed-back");
        t.purge("q");
        again.ack().join();
        again.retry(Duration.ZERO).join();
        assertThat(t.peek("q")).isEmpty();
        assertThat(t.queuedBytes()).as("every byte released once").isZero();
        assertThat(t.inFlight("q")).isZero();
    }

    // --- redrive

    @Test
    void aMessageReceivedMaxReceiveCountTimesMovesToTheDeadLetterQueueKeepingItsId() throws Exception {
        InMemoryTransport t = manual(InMemoryTransport.builder().visibilityTimeout(VISIBILITY)
                .queue("work", QueueOptions.builder().redrive(2, "work-dlq").build())
                .queue("work-dlq", QueueOptions.defaults()));
        t.send("work", Message.of("poison".getBytes(StandardCharsets.UTF_8), java.util.Map.of("k", "v"))).join();
        t.send("work", m("fine")).join();
        long bytes = t.queuedBytes();
        Delivery first = one(t, "work");
        assertThat(text(first)).isEqualTo("poison");
        first.retry(Duration.ZERO).join();
        Delivery second = one(t, "work");
        assertThat(second.receiveCount()).isEqualTo(2);
        advance(VISIBILITY); // not acked: comes back, but it was received twice already

        List<Delivery> next = t.receive("work", 10, Duration.ZERO);
        assertThat(next).extracting(InMemoryTransportTest::text).as("the poison message is not delivered a third time")
                .containsExactly("fine");
        List<Delivery> dead = t.receive("work-dlq", 10, Duration.ZERO);
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).message().attributes()).containsEntry("k", "v");
        assertThat(dead.get(0).messageId()).isEqualTo(first.messageId());
        assertThat(dead.get(0).receiveCount()).as("counted afresh in the dead-letter queue").isEqualTo(1);
        assertThat(dead.get(0).source()).isEqualTo("work-dlq");
        assertThat(t.queuedBytes()).as("a move does not change the bytes held").isEqualTo(bytes);
        assertThat(t.stats().redrives()).isEqualTo(1);
        second.ack().join();
        assertThat(t.peek("work-dlq")).as("the stale receipt from the source cannot delete it").hasSize(1);
    }

    @Test
    void redriveIsCheckedWhenTheQueueIsDeclared() {
        assertThatThrownBy(() -> InMemoryTransport.builder().queue("q", QueueOptions.builder().redrive(3, "q").build()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its own dead-letter queue");
        assertThatThrownBy(() -> InMemoryTransport.builder().topic("events")
                .queue("q", QueueOptions.builder().redrive(3, "events").build()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'events'").hasMessageContaining("topic");
        assertThatThrownBy(() -> InMemoryTransport.builder().autoCreate(false)
                .queue("q", QueueOptions.builder().redrive(3, "missing").build()).build())
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.destination()).isEqualTo("missing"));
        // declared in any order
        InMemoryTransport.builder().autoCreate(false)
                .queue("q", QueueOptions.builder().redrive(3, "dlq").build())
                .queue("dlq", QueueOptions.defaults()).build().close();
        assertThatThrownBy(() -> QueueOptions.builder().redrive(0, "dlq")).isInstanceOf(IllegalArgumentException.class);
    }

    // --- bounds

    @Test
    void theMemoryBoundRefusesSendsWithATypedErrorAndFreesOnAck() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.builder().maxQueuedBytes(100).build()) {
            t.send("q", Message.of(new byte[60])).join();
            Throwable refused = failure(t.send("q", Message.of(new byte[60])));
            assertThat(refused).isInstanceOfSatisfying(TransportFullException.class, e -> {
                assertThat(e.destination()).isEqualTo("q");
                assertThat(e.queuedBytes()).isEqualTo(60);
                assertThat(e.limit()).isEqualTo(100);
            }).hasMessageContaining("'q'").hasMessageContaining("60 bytes").hasMessageContaining("100");
            assertThat(t.queuedBytes()).as("a refused send holds nothing").isEqualTo(60);
            t.receive("q", 1, Duration.ZERO).get(0).ack().join();
            assertThat(t.queuedBytes()).isZero();
            t.send("q", Message.of(new byte[60])).join();
        }
    }

    @Test
    void aTopicSendCountsEveryCopyAgainstTheBoundAndIsAllOrNothing() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.builder().maxQueuedBytes(100).topic("all", "a", "b").build()) {
            t.send("all", Message.of(new byte[40])).join();
            assertThat(t.queuedBytes()).isEqualTo(80);
            assertThat(failure(t.send("all", Message.of(new byte[20])))).isInstanceOf(TransportFullException.class);
            assertThat(t.peek("a")).hasSize(1);
            assertThat(t.peek("b")).hasSize(1);
            assertThat(failure(t.sendBatch("a", List.of(Message.of(new byte[10]), Message.of(new byte[20])))))
                    .isInstanceOf(TransportFullException.class);
            assertThat(t.peek("a")).as("no part of a refused batch is sent").hasSize(1);
        }
    }

    @Test
    void messagesOverTheQueueOrTransportLimitAreRefused() {
        try (InMemoryTransport t = InMemoryTransport.builder().maxMessageBytes(100)
                .queue("small", QueueOptions.builder().maxMessageBytes(10).build())
                .queue("big", QueueOptions.builder().maxMessageBytes(1000).build())
                .topic("both", "small", "big").build()) {
            assertThat(t.maxMessageBytes()).isEqualTo(100);
            t.send("q", Message.of(new byte[100])).join();
            assertThat(failure(t.send("q", Message.of(new byte[101])))).isInstanceOfSatisfying(MessageTooLargeException.class,
                    e -> assertThat(e.limit()).isEqualTo(100));
            t.send("big", Message.of(new byte[1000])).join();
            assertThat(failure(t.send("small", Message.of(new byte[11])))).isInstanceOf(MessageTooLargeException.class);
            assertThat(failure(t.send("both", Message.of(new byte[11])))).as("a topic takes what all its queues take")
                    .isInstanceOfSatisfying(MessageTooLargeException.class, e -> {
                        assertThat(e.destination()).isEqualTo("both");
                        assertThat(e.limit()).isEqualTo(10);
                    });
        }
    }

    // --- destinations

    @Test
    void withAutoCreateOffUnknownDestinationsAreNamedErrors() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.builder().autoCreate(false).queue("known", QueueOptions.defaults()).build()) {
            assertThat(failure(t.send("typo", m("x")))).isInstanceOfSatisfying(TransportException.class,
                    e -> assertThat(e.destination()).isEqualTo("typo")).hasMessageContaining("'typo'").hasMessageContaining("auto-create");
            assertThatThrownBy(() -> t.receive("typo", 1, Duration.ZERO)).isInstanceOf(TransportException.class)
                    .hasMessageContaining("'typo'");
            assertThat(t.queues()).containsExactly("known");
            t.send("known", m("x")).join();
            assertThat(t.receive("known", 1, Duration.ZERO)).hasSize(1);
        }
    }

    @Test
    void topicsFanOutDropWithoutSubscribersAndAreNeverQueues() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            t.topic("events");
            t.send("events", m("nobody listens")).join();
            assertThat(t.queues()).as("dropped, no queue made").isEmpty();
            t.subscribe("events", "a");
            t.subscribe("events", "b");
            t.subscribe("events", "b"); // idempotent
            assertThat(t.subscribers("events")).containsExactly("a", "b");
            t.send("events", m("hello")).join();
            assertThat(t.peek("a")).containsExactly(m("hello"));
            assertThat(t.peek("b")).containsExactly(m("hello"));
            assertThat(t.depth("events")).isEmpty();

            assertThatThrownBy(() -> t.receive("events", 1, Duration.ZERO)).isInstanceOf(TransportException.class)
                    .hasMessageContaining("topic");
            assertThatThrownBy(() -> t.queue("events", QueueOptions.defaults())).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> t.topic("a")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> t.subscribe("nope", "a")).isInstanceOf(TransportException.class).hasMessageContaining("'nope'");
            assertThatThrownBy(() -> t.subscribe("events", "events")).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> InMemoryTransport.builder().queue("x", QueueOptions.defaults()).topic("x").build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reconfiguringAQueueKeepsItsMessagesAndItsWaitingReceivers() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            t.send("q", m("kept")).join();
            Delivery held = t.receive("q", 1, Duration.ZERO).get(0);
            AtomicReference<Thread> receiver = new AtomicReference<>();
            Future<List<Delivery>> waiting = blockedReceive(t, "q", Duration.ofSeconds(10), receiver);
            t.queue("q", QueueOptions.builder().visibilityTimeout(Duration.ofSeconds(1)).build());
            t.send("q", m("new")).join();
            assertThat(waiting.get(5, TimeUnit.SECONDS)).extracting(InMemoryTransportTest::text).containsExactly("new");
            held.ack().join();
            assertThat(t.peek("q")).extracting(msg -> new String(msg.body(), StandardCharsets.UTF_8)).containsExactly("new");
        }
    }

    @Test
    void peekListsEverythingOldestFirstWithoutConsuming() throws Exception {
        InMemoryTransport t = manual();
        for (String s : List.of("1", "2", "3", "4")) {
            t.send("q", m(s)).join();
        }
        List<Delivery> got = t.receive("q", 3, Duration.ZERO);
        got.get(0).retry(Duration.ofSeconds(10)).join(); // "1" delayed
        got.get(1).extend(Duration.ofSeconds(10)).join(); // "2" in flight, extended; "3" in flight; "4" visible
        assertThat(t.peek("q")).extracting(msg -> new String(msg.body(), StandardCharsets.UTF_8)).containsExactly("1", "2", "3", "4");
        assertThat(t.inFlight("q")).isEqualTo(2);
        assertThat(t.depth("q")).hasValue(1);
        assertThat(t.peek("unknown")).isEmpty();
    }

    // --- arguments, interruption, close

    @Test
    void receiveValidatesItsArguments() {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            assertThatThrownBy(() -> t.receive("q", 0, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> t.receive("q", 11, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1 to 10");
            assertThatThrownBy(() -> t.receive(" ", 1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> t.receive("q", 1, null)).isInstanceOf(NullPointerException.class);
        }
        assertThatThrownBy(() -> InMemoryTransport.builder().visibilityTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InMemoryTransport.builder().maxQueuedBytes(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QueueOptions.builder().delay(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QueueOptions.builder().maxMessageBytes(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBlockedReceiveThrowsInterruptedExceptionWhenInterrupted() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            AtomicReference<Thread> receiver = new AtomicReference<>();
            Future<List<Delivery>> blocked = blockedReceive(t, "q", Duration.ofSeconds(30), receiver);
            receiver.get().interrupt();
            assertThatThrownBy(() -> blocked.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void closeWakesBlockedReceiversAndRefusesFurtherUse() throws Exception {
        InMemoryTransport t = InMemoryTransport.create();
        t.send("q", m("left")).join();
        t.receive("q", 1, Duration.ZERO);
        AtomicReference<Thread> receiver = new AtomicReference<>();
        Future<List<Delivery>> blocked = blockedReceive(t, "q", Duration.ofSeconds(30), receiver);
        t.close();
        assertThat(blocked.get(5, TimeUnit.SECONDS)).isEmpty();
        assertThat(failure(t.send("q", m("x")))).isInstanceOf(TransportException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> t.receive("q", 1, Duration.ZERO)).isInstanceOf(TransportException.class)
                .hasMessageContaining("closed");
        assertThat(t.peek("q")).as("still inspectable").hasSize(1);
        t.close(); // idempotent
    }

    @Test
    void everyWaitingReceiverIsWokenWhenMessagesArriveOneByOne() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            List<Future<List<Delivery>>> waiting = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                waiting.add(blockedReceive(t, "q", Duration.ofSeconds(30), new AtomicReference<>()));
            }
            for (int i = 0; i < 4; i++) {
                t.send("q", m("m" + i)).join();
            }
            Set<String> got = new HashSet<>();
            for (Future<List<Delivery>> f : waiting) {
                // a lost wake-up would leave a receiver waiting its full 30 s
                List<Delivery> d = f.get(10, TimeUnit.SECONDS);
                assertThat(d).hasSize(1);
                got.add(text(d.get(0)));
            }
            assertThat(got).containsExactlyInAnyOrder("m0", "m1", "m2", "m3");
        }
    }

    @Test
    void statsCountOperations() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            t.sendBatch("q", List.of(m("a"), m("b"), m("c"))).join();
            List<Delivery> got = t.receive("q", 10, Duration.ZERO);
            got.get(0).ack().join();
            got.get(1).retry(Duration.ZERO).join();
            got.get(2).extend(Duration.ofSeconds(1)).join();
            assertThat(t.stats()).isEqualTo(new InMemoryTransport.Stats(3, 1, 1, 1, 1, 0));
        }
    }

    // --- thread safety

    @Test
    void manyThreadsAckingRetryingAndAbandoningLoseNothingAndReleaseEveryByte() throws Exception {
        int n = 5_000;
        try (InMemoryTransport t = InMemoryTransport.builder().visibilityTimeout(Duration.ofMillis(50)).build()) {
            Set<String> acked = java.util.concurrent.ConcurrentHashMap.newKeySet();
            java.util.concurrent.CountDownLatch produced = new java.util.concurrent.CountDownLatch(2);
            List<Future<?>> tasks = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int id = p;
                tasks.add(pool.submit(() -> {
                    for (int i = 0; i < n / 2; i++) {
                        t.send("q", m(id + "-" + i)).join();
                    }
                    produced.countDown();
                    return null;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int c = 0; c < 4; c++) {
                tasks.add(pool.submit(() -> {
                    java.util.Random random = new java.util.Random();
                    // until nothing is left: an ack may turn out stale, and then another consumer acks it later
                    while (!(produced.getCount() == 0 && t.depth("q").getAsLong() == 0 && t.inFlight("q") == 0)
                            && System.nanoTime() < deadline) {
                        for (Delivery d : t.receive("q", 10, Duration.ofMillis(20))) {
                            int r = random.nextInt(10);
                            if (r == 0) {
                                d.retry(Duration.ZERO).join();
                            } else if (r == 1) {
                                continue; // abandoned: comes back after 50 ms
                            } else if (r == 2) {
                                d.extend(Duration.ofMillis(10)).join();
                            } else {
                                d.ack().join();
                                acked.add(text(d));
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : tasks) {
                f.get(90, TimeUnit.SECONDS);
            }
            assertThat(t.peek("q")).as("nothing left").isEmpty();
            assertThat(acked).as("every message acked").hasSize(n);
            assertThat(t.queuedBytes()).as("every message's bytes released exactly once").isZero();
            assertThat(t.stats().sends()).isEqualTo(n);
        }
    }

    @Test
    void aReceiveWaitTooLongForNanosecondsTakesWhatIsThere() throws Exception {
        InMemoryTransport t = manual();
        t.send("q", m("one")).join();
        // for ever all the same: before, an ArithmeticException on every receive
        assertThat(t.receive("q", 1, Duration.ofSeconds(Long.MAX_VALUE))).hasSize(1);
    }

    @Test
    void visibilityAndDelayTooLongForNanosecondsAreForEverNotAnOverflow() throws Exception {
        InMemoryTransport t = manual(InMemoryTransport.builder().visibilityTimeout(Duration.ofSeconds(Long.MAX_VALUE))
                .queue("delayed", QueueOptions.builder().delay(Duration.ofSeconds(Long.MAX_VALUE)).build()));
        t.send("q", m("one")).join();
        t.send("delayed", m("later")).join();
        assertThat(t.receive("q", 1, Duration.ZERO)).hasSize(1);
        advance(Duration.ofDays(3650));
        assertThat(t.receive("q", 1, Duration.ZERO)).as("still invisible").isEmpty();
        assertThat(t.receive("delayed", 1, Duration.ZERO)).as("still delayed").isEmpty();
    }
}
