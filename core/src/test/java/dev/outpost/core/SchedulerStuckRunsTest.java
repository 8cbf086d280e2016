package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Jobs whose collectors ignore the interrupt at their timeout hold their runner threads: the
 * scheduler had four, so four such jobs starved every other job for as long as they lasted. A run
 * past its timeout now adds a runner (from the configured thread factory) while it lasts.
 */
class SchedulerStuckRunsTest {
    private final TestClock time = TestClock.create();

    @Test
    void fourRunsIgnoringTheirInterruptDoNotStarveTheOtherJobs() {
        AtomicBoolean release = new AtomicBoolean();
        AtomicInteger stuck = new AtomicInteger();
        AtomicInteger made = new AtomicInteger();
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            Scheduler.Builder b = Scheduler.builder(transport).clock(time).ticker(time.ticker()).threadFactory(r -> {
                made.incrementAndGet();
                return new Thread(r, "mine-" + made.get());
            });
            for (int i = 0; i < 4; i++) {
                b.job(Scheduler.Job.every(Duration.ofHours(1), Collectors.of("stuck" + i, (r, c) -> {
                    stuck.incrementAndGet();
                    while (!release.get()) {
                        LockSupport.parkNanos(1_000_000); // an interrupt only ends this park: the loop goes on
                    }
                    return 1;
                }), "stuck").withTimeout(Duration.ofSeconds(1)));
            }
            b.job(Scheduler.Job.every(Duration.ofHours(1), Collectors.of("healthy", (r, c) -> Map.of("ok", true)), "records"));
            try (Scheduler s = b.build().start()) {
                try {
                    check(transport, stuck, made);
                } finally {
                    release.set(true); // before close(), which would wait for them
                }
            }
        }
    }

    private void check(InMemoryTransport transport, AtomicInteger stuck, AtomicInteger made) {
        await().atMost(Duration.ofSeconds(20)).until(() -> stuck.get() == 4);
        assertThat(transport.peek("records")).isEmpty(); // queued behind the four
        time.advance(Duration.ofSeconds(2)); // past their timeout: interrupted, and ignoring it
        // before: the healthy job's first run waited for a thread until the stuck ones ended (here: never)
        await().atMost(Duration.ofSeconds(20)).until(() -> transport.peek("records").size() >= 1);
        assertThat(made.get()).as("threads, all from the configured factory, timer included").isEqualTo(1 + 5);
    }
}
