package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.ConfigException;
import dev.outpost.Request;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A buggy user's jobs: what a build lets through must run, and what shutdown does to them, it does once. */
class SchedulerAttackTest {
    private final TestClock time = TestClock.create();

    /** A collector that counts its closes; closing it a second time is an error, as AutoCloseable allows. */
    static final class Pooled implements Collector, AutoCloseable {
        final AtomicInteger closes = new AtomicInteger();

        @Override
        public String name() {
            return "pooled";
        }

        @Override
        public Object collect(Request request, CollectorContext context) {
            return "ok";
        }

        @Override
        public void close() {
            if (closes.incrementAndGet() > 1) {
                throw new IllegalStateException("closed twice: its pool was given back twice");
            }
        }
    }

    @Test
    void oneCollectorScheduledAsTwoJobsIsClosedOnceAtShutdown() {
        Pooled pooled = new Pooled();
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            // the same collector with other params to another destination: two jobs, one instance
            Scheduler s = Scheduler.builder(transport).clock(time).ticker(time.ticker())
                    .job(Scheduler.Job.every(Duration.ofSeconds(5), pooled, "records"))
                    .job(Scheduler.Job.every(Duration.ofSeconds(60), pooled, "archive").withParams(java.util.Map.of("full", true)))
                    .build().start();
            await().until(() -> transport.peek("records").size() == 1 && transport.peek("archive").size() == 1);
            assertThat(s.shutdown().join().clean()).isTrue();
            // before: closed once per job
            assertThat(pooled.closes).hasValue(1);
        }
    }

    private static Collector named(String name) {
        return new Collector() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Object collect(Request request, CollectorContext context) {
                return "ok";
            }
        };
    }

    @Test
    void aCollectorWithoutAUsableNameIsRefusedAtBuildNotLeftToFailEveryRunUnseen() {
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            for (String bad : new String[] {null, "", "  "}) {
                // before: built and started; every run failed before it began (no request can name it), nothing was
                // published, and status() said 0 runs, 0 failures
                assertThatThrownBy(() -> Scheduler.builder(transport).job(Scheduler.Job.every(Duration.ofSeconds(5), named(bad),
                        "records")).build()).isInstanceOf(ConfigException.class).hasMessageContaining("name");
            }
            Collector throwing = new Collector() {
                @Override
                public String name() {
                    throw new IllegalStateException("not configured yet");
                }

                @Override
                public Object collect(Request request, CollectorContext context) {
                    return "ok";
                }
            };
            // before: the IllegalStateException itself, not the ConfigException build() promises
            assertThatThrownBy(() -> Scheduler.builder(transport).job(Scheduler.Job.every(Duration.ofSeconds(5), throwing,
                    "records")).build()).isInstanceOf(ConfigException.class).hasMessageContaining("not configured yet");
        }
    }

    @Test
    void aRunInterruptedByShutdownIsNotPublishedAsAFailureOfItsCollector() throws Exception {
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            Scheduler s = Scheduler.builder(transport).clock(time).ticker(time.ticker())
                    .job(Scheduler.Job.every(Duration.ofSeconds(5), Collectors.of("_slow", (r, c) -> {
                        running.countDown();
                        new java.util.concurrent.CountDownLatch(1).await(); // a long read, cut by the interrupt
                        return "never";
                    }), "records").withTimeout(Duration.ofHours(1))).build().start();
            assertThat(running.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(s.shutdown().join().clean()).isTrue();
            // before: published as 'collector-failed' (an incident id, the interrupt in the log) and counted as a failure
            assertThat(transport.peek("records")).isEmpty();
            assertThat(s.status().get(0).failures()).isZero();
            assertThat(s.status().get(0).runs()).isEqualTo(1);
        }
    }
}
