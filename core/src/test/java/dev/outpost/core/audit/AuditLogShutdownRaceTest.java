package dev.outpost.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class AuditLogShutdownRaceTest {
    /** A ring whose next offer waits, after record() found the log running, until the test lets it go on. */
    private static final class PausingRing extends EventRing {
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);
        final AtomicBoolean pauseNext = new AtomicBoolean(true);

        PausingRing(int capacity) {
            super(capacity);
        }

        @Override
        boolean offer(AuditEvent e) {
            if (pauseNext.getAndSet(false)) {
                reached.countDown();
                try {
                    proceed.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.offer(e);
        }
    }

    @Test
    void anEventRecordedAsTheLogShutsDownIsWrittenOrCountedAsDroppedNeverLost() throws Exception {
        List<String> sunk = new ArrayList<>();
        PausingRing[] ring = new PausingRing[1];
        AuditLog audit = AuditLog.builder(lines -> {
            synchronized (sunk) {
                sunk.addAll(lines);
            }
        }).ring(n -> ring[0] = new PausingRing(n)).build().start();
        boolean[] accepted = new boolean[1];
        Thread recorder = new Thread(() -> accepted[0] = audit.record(AuditLogTest.event("late", "{}")));
        recorder.start();
        assertThat(ring[0].reached.await(10, TimeUnit.SECONDS)).isTrue();

        // the writer finds the buffer empty and ends; the shutdown is over before the event is added
        audit.shutdown().get(10, TimeUnit.SECONDS);
        ring[0].proceed.countDown();
        recorder.join(10_000);

        assertThat(audit.written() + audit.dropped()).isEqualTo(1);
        assertThat(accepted[0]).isEqualTo(audit.written() == 1);
        synchronized (sunk) {
            assertThat(sunk).hasSize((int) audit.written());
        }
    }
}
