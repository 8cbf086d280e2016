package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.spi.Delivery;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Standby: while the source is idle one thread of a poll loop at a time has a receive open, so an
 * idle queue costs one open receive (on SQS, one call per poll wait, not one per thread), and a
 * thread busy handling makes room for another; a receive that brings all it asked for lets every
 * thread receive, one that comes back empty goes back to one, one that brings some changes nothing.
 */
class PollLoopStandbyTest {
    /** Counts the receives open at once; with {@code together} set, a receive waits until that many are open. */
    static final class CountingTransport extends PollLoopBatchTest.AskingTransport {
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        volatile CountDownLatch together;
        /** Becomes {@link #together} once a receive brought something, before it returns (before the next can begin). */
        volatile CountDownLatch afterFirst;

        @Override
        public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
            most.accumulateAndGet(open.incrementAndGet(), Math::max);
            try {
                CountDownLatch t = together;
                if (t != null) {
                    t.countDown();
                    t.await(10, TimeUnit.SECONDS);
                }
                List<Delivery> got = super.receive(source, maxMessages, wait);
                if (!got.isEmpty() && afterFirst != null) {
                    together = afterFirst;
                    afterFirst = null;
                }
                return got;
            } finally {
                open.decrementAndGet();
            }
        }
    }

    private final CountingTransport transport = new CountingTransport();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    private PollLoop loop(PollLoop.Handler handler) {
        return PollLoop.builder(transport, "requests").threads(4).standby(true).pollWait(Duration.ofMillis(20))
                .threadFactory(r -> {
                    Thread t = new Thread(r, "standby-test-" + threads.size());
                    threads.add(t);
                    return t;
                }).handler(handler).build();
    }

    @Test
    void anIdleSourceHasOneReceiveOpen() {
        try (PollLoop l = loop(d -> { })) {
            l.start();
            await().until(() -> transport.asked.size() >= 20);
            assertThat(transport.most.get()).isEqualTo(1);
            assertThat(l.threads()).hasSize(4).allSatisfy(t -> assertThat(t.alive()).isTrue());
        }
    }

    @Test
    void aReceiveThatBringsSomeOfWhatItAskedForWakesNoOne() {
        AtomicInteger handled = new AtomicInteger();
        try (PollLoop l = loop(d -> handled.incrementAndGet())) {
            l.start();
            for (int i = 0; i < 20; i++) { // sparse traffic: one message at a time, which the first thread keeps up with
                transport.queue.add(PollLoopBatchTest.delivery(i));
                int n = i + 1;
                await().until(() -> handled.get() == n);
            }
            assertThat(transport.most.get()).isEqualTo(1);
        }
    }

    @Test
    void aThreadHandlingASlowDeliveryMakesRoomForAnotherToReceive() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> handledBy = new CopyOnWriteArrayList<>();
        try (PollLoop l = loop(d -> {
            handledBy.add(Thread.currentThread().getName());
            if (d.id().equals("d0")) {
                release.await(); // a slow handler, holding its thread
            }
        })) {
            l.start();
            transport.queue.add(PollLoopBatchTest.delivery(0));
            await().until(() -> handledBy.size() == 1);
            transport.queue.add(PollLoopBatchTest.delivery(1)); // the source is not busy, yet it is still received
            await().until(() -> handledBy.size() == 2);
            assertThat(handledBy.get(1)).isNotEqualTo(handledBy.get(0));
            assertThat(transport.most.get()).isEqualTo(1);
            release.countDown();
        }
    }

    @Test
    void aFullReceiveWakesTheOthersAndAnEmptyOneSendsThemBack() throws Exception {
        CountDownLatch all = new CountDownLatch(4);
        // the receives after the full one wait until every thread has one open; set inside the first, so that none
        // begins before it (a thread entering as the first leaves would find the queue empty, and make it idle)
        transport.afterFirst = all;
        PollLoop l = loop(d -> { });
        for (int i = 0; i < 10; i++) {
            transport.queue.add(PollLoopBatchTest.delivery(i)); // all a receive asks for: more may be waiting
        }
        l.start();
        await().until(() -> all.getCount() == 0);
        assertThat(transport.most.get()).isEqualTo(4);

        transport.together = null; // the queue is empty: receives come back empty after the poll wait
        await().until(() -> threads.stream().filter(PollLoopStandbyTest::standingBy).count() == 3);
        int asked = transport.asked.size();
        transport.most.set(transport.open.get());
        await().until(() -> transport.asked.size() >= asked + 10);
        assertThat(transport.most.get()).isLessThanOrEqualTo(1);

        // a shutdown ends the threads standing by at once
        l.shutdown().get(5, TimeUnit.SECONDS); // complete once every thread has left its loop
        for (Thread t : threads) {
            t.join(5_000);
            assertThat(t.isAlive()).isFalse();
        }
    }

    @Test
    void aThreadThatDiesWaitingForSlotsLeavesItsPlaceToTheOthers() {
        AtomicInteger failures = new AtomicInteger();
        // a broken semaphore (any can be passed to freeSlots): its first wait throws, ending the thread that called it
        Semaphore broken = new Semaphore(10) {
            @Override
            public boolean tryAcquire(int permits, long timeout, TimeUnit unit) throws InterruptedException {
                if (failures.getAndIncrement() == 0) {
                    throw new IllegalStateException("broken semaphore");
                }
                return super.tryAcquire(permits, timeout, unit);
            }
        };
        AtomicInteger handled = new AtomicInteger();
        try (PollLoop l = PollLoop.builder(transport, "requests").threads(2).standby(true).pollWait(Duration.ofMillis(20))
                .freeSlots(broken).threadFactory(r -> {
                    Thread t = new Thread(r, "standby-test-" + threads.size());
                    t.setUncaughtExceptionHandler((th, e) -> { });
                    threads.add(t);
                    return t;
                }).handler(d -> handled.incrementAndGet()).build()) {
            l.start();
            transport.queue.add(PollLoopBatchTest.delivery(0));
            await().until(() -> handled.get() == 1); // the other thread still receives
            assertThat(failures.get()).isGreaterThanOrEqualTo(2);
        }
    }

    private static boolean standingBy(Thread t) {
        return t.getState() == Thread.State.WAITING
                && Arrays.stream(t.getStackTrace()).anyMatch(e -> e.getClassName().endsWith("Standby"));
    }
}
