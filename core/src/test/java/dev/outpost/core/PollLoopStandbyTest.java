package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.spi.Delivery;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Standby: the threads of a poll loop beyond the first wait while the source is idle, so an idle
 * queue costs one open receive (on SQS, one call per poll wait, not one per thread); a receive
 * that brings deliveries wakes them, one that comes back empty sends them back.
 */
class PollLoopStandbyTest {
    /** Counts the receives open at once; with {@code together} set, a receive waits until that many are open. */
    static final class CountingTransport extends PollLoopBatchTest.AskingTransport {
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        volatile CountDownLatch together;

        @Override
        public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
            most.accumulateAndGet(open.incrementAndGet(), Math::max);
            try {
                CountDownLatch t = together;
                if (t != null) {
                    t.countDown();
                    t.await(10, TimeUnit.SECONDS);
                }
                return super.receive(source, maxMessages, wait);
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
    void deliveriesWakeTheOthersAndAnEmptyReceiveSendsThemBack() throws Exception {
        CountDownLatch all = new CountDownLatch(4);
        AtomicInteger handled = new AtomicInteger();
        PollLoop l = loop(d -> {
            if (handled.getAndIncrement() == 0) {
                transport.together = all; // the next receives wait until every thread has one open
            }
        });
        l.start();
        transport.queue.add(PollLoopBatchTest.delivery(1));
        await().until(() -> all.getCount() == 0);
        assertThat(transport.most.get()).isEqualTo(4);

        transport.together = null; // the queue is empty: receives come back empty after the poll wait
        await().until(() -> threads.stream().filter(PollLoopStandbyTest::standingBy).count() == 3);
        int asked = transport.asked.size();
        transport.most.set(transport.open.get());
        await().until(() -> transport.asked.size() >= asked + 10);
        assertThat(transport.most.get()).isLessThanOrEqualTo(1);

        // a shutdown ends the threads standing by at once
        l.shutdown().get(5, TimeUnit.SECONDS);
        assertThat(threads).allSatisfy(t -> assertThat(t.isAlive()).isFalse());
    }

    private static boolean standingBy(Thread t) {
        return t.getState() == Thread.State.WAITING
                && Arrays.stream(t.getStackTrace()).anyMatch(e -> e.getClassName().endsWith("Standby"));
    }
}
