package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How many messages the poll loop asks for when it holds slots: a full batch when slots come free
 * within the batch wait (a receive of 3 costs the same call as one of 10), what is free when they
 * do not, and never more than the slots there are.
 */
class PollLoopBatchTest {
    /** A queue that records what each receive asked for and waits like a long poll while it is empty. */
    static class AskingTransport implements Transport {
        final BlockingQueue<Integer> asked = new LinkedBlockingQueue<>();
        final BlockingQueue<Delivery> queue = new LinkedBlockingQueue<>();

        @Override
        public CompletableFuture<Void> send(String destination, Message message) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
            asked.add(maxMessages);
            List<Delivery> got = new ArrayList<>();
            queue.drainTo(got, maxMessages);
            if (got.isEmpty()) {
                Delivery d = queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
                return d == null ? List.of() : List.of(d);
            }
            return got;
        }

        @Override
        public void close() {}
    }

    /** A delivery its handler keeps (its slot stays taken until the test releases it). */
    static Delivery delivery(int i) {
        return new Delivery() {
            @Override
            public String id() {
                return "d" + i;
            }

            @Override
            public String source() {
                return "requests";
            }

            @Override
            public Message message() {
                return Message.of(new byte[0]);
            }

            @Override
            public int receiveCount() {
                return 1;
            }

            @Override
            public CompletableFuture<Void> ack() {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<Void> retry(Duration delay) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<Void> extend(Duration visibility) {
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    private final AskingTransport transport = new AskingTransport();

    private PollLoop loop(Semaphore slots, Duration batchWait) {
        return PollLoop.builder(transport, "requests").maxBatch(10).pollWait(Duration.ofSeconds(30)).batchWait(batchWait)
                .freeSlots(slots).handler(d -> { }).build();
    }

    @Test
    void waitsForAFullBatchOfFreeSlotsWhileTheyComeFree() throws Exception {
        Semaphore slots = new Semaphore(20);
        for (int i = 0; i < 15; i++) {
            transport.queue.add(delivery(i)); // 15 deliveries that stay in their handlers: 5 slots free after them
        }
        try (PollLoop l = loop(slots, Duration.ofSeconds(30))) {
            l.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> slots.hasQueuedThreads() && transport.queue.isEmpty());
            assertThat(transport.asked).as("10, then 10 (5 came): no receive for 5 while slots are coming free")
                    .containsExactly(10, 10);
            transport.asked.clear();
            slots.release(5); // five deliveries finish
            assertThat(transport.asked.poll(10, TimeUnit.SECONDS)).isEqualTo(10);
        }
    }

    @Test
    void asksForWhatIsFreeWhenSlotsDoNotComeFreeWithinTheBatchWait() throws Exception {
        Semaphore slots = new Semaphore(20);
        for (int i = 0; i < 15; i++) {
            transport.queue.add(delivery(i)); // slow handlers: their slots do not come free
        }
        try (PollLoop l = loop(slots, Duration.ofMillis(50))) {
            l.start();
            assertThat(transport.asked.poll(10, TimeUnit.SECONDS)).isEqualTo(10);
            assertThat(transport.asked.poll(10, TimeUnit.SECONDS)).isEqualTo(10);
            assertThat(transport.asked.poll(10, TimeUnit.SECONDS)).as("after the batch wait, the 5 free").isEqualTo(5);
        }
    }

    @Test
    void aFullBatchIsAtMostTheSlotsThereAre() throws Exception {
        try (PollLoop l = loop(new Semaphore(4), Duration.ofSeconds(30))) {
            l.start();
            assertThat(transport.asked.poll(5, TimeUnit.SECONDS)).as("4 slots: asks for 4 at once, waits for nothing").isEqualTo(4);
        }
    }

    @Test
    void shutdownEndsAThreadWaitingForSlots() throws Exception {
        Semaphore slots = new Semaphore(10);
        slots.acquire(10); // every slot busy for good
        PollLoop l = loop(slots, Duration.ofSeconds(30));
        l.start();
        await().atMost(Duration.ofSeconds(10)).until(slots::hasQueuedThreads);
        assertThat(l.shutdown().get(10, TimeUnit.SECONDS).clean()).isTrue();
        assertThat(slots.availablePermits()).as("nothing taken by the ended thread").isZero();
        assertThat(transport.asked).isEmpty();
    }

    @Test
    void shutdownEndsAThreadPausingAfterAFailedReceive() throws Exception {
        java.util.concurrent.CountDownLatch failed = new java.util.concurrent.CountDownLatch(1);
        Transport down = new Transport() {
            @Override
            public CompletableFuture<Void> send(String destination, Message message) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public List<Delivery> receive(String source, int maxMessages, Duration wait) {
                throw new dev.outpost.spi.TransportException(source, "unreachable");
            }

            @Override
            public void close() {}
        };
        PollLoop l = PollLoop.builder(down, "requests").handler(d -> { })
                .onReceiveFailure((source, e) -> failed.countDown()).build();
        l.firstPauseMillis = TimeUnit.HOURS.toMillis(1); // a pause as long as an outage makes them (5 s), and more
        l.start();
        assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();
        // before: the pause between failed receives was not a receive, so the shutdown did not interrupt it
        assertThat(l.shutdown().get(10, TimeUnit.SECONDS).clean()).isTrue();
    }
}
