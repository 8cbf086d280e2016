package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/** A scheduler whose user code (its thread factory) fails: it goes on, and it stops. */
class SchedulerHardeningTest {
    private final TestClock time = TestClock.create();

    /** A factory that throws on the calls {@code refuse} names (1 = the first call), and makes threads otherwise. */
    private static ThreadFactory refusing(AtomicInteger calls, IntPredicate refuse) {
        return r -> {
            if (refuse.test(calls.incrementAndGet())) {
                throw new IllegalStateException("no more threads for now");
            }
            return new Thread(r, "mine-" + calls.get());
        };
    }

    @Test
    void aRunTheFactoryCouldNotStartOnceDoesNotStopItsJobForEver() {
        AtomicInteger calls = new AtomicInteger();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Scheduler s = Scheduler.builder(transport).clock(time).ticker(time.ticker())
                        .threadFactory(refusing(calls, n -> n == 2)) // the first runner thread
                        .job(Scheduler.Job.every(Duration.ofSeconds(5), Collectors.of("_tick", (r, c) -> Map.of("ok", true)),
                                "records"))
                        .build().start()) {
            await().until(() -> calls.get() >= 2);
            time.advance(Duration.ofSeconds(5));
            // before: the job stayed marked busy with the run that never started: every later tick was skipped
            await().atMost(Duration.ofSeconds(20)).until(() -> transport.peek("records").size() >= 1);
            assertThat(s.status().get(0).runs()).isPositive();
        }
    }

    @Test
    void aPeriodShorterThanAMillisecondIsRefusedAtBuild() {
        // the timer waits until the next tick: a nanosecond's period had it spin on a core for as long as a run lasted
        for (Duration tiny : new Duration[] {Duration.ofNanos(1), Duration.ofNanos(999_999)}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Scheduler.Job.every(tiny, Collectors.of("_tick", (r, c) -> 1),
                    "records")).isInstanceOfSatisfying(dev.outpost.ConfigException.class, e -> assertThat(e.problems())
                            .singleElement().satisfies(p -> {
                                assertThat(p.key()).isEqualTo("period");
                                assertThat(p.message()).contains("at least 1ms");
                            }));
        }
        assertThat(Scheduler.Job.every(Duration.ofMillis(1), Collectors.of("_tick", (r, c) -> 1), "records").period())
                .isEqualTo(Duration.ofMillis(1));
    }
}
