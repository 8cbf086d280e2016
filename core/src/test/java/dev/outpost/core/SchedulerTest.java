package dev.outpost.core;

import dev.outpost.ShutdownResult;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Message;
import dev.outpost.testkit.TestClock;
import dev.outpost.Request;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Time comes from a {@link TestClock}: ticks happen when the test advances it, never by waiting. */
class SchedulerTest {
    private final JsonCodec codec = JsonCodec.create();
    private final TestClock time = TestClock.create();

    private List<Response> records(InMemoryTransport transport) {
        return transport.peek("records").stream().map(m -> codec.decodeResponse(m.body()).document()).toList();
    }

    @Test
    void publishesOneResponsePerTick() {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Scheduler s = Scheduler.builder(transport).id("agent-1").clock(time).ticker(time.ticker())
                        .job(Scheduler.Job.every(Duration.ofSeconds(5),
                                Collectors.of("_processes", (r, c) -> Map.of("count", 42)), "records"))
                        .build().start()) {
            await().until(() -> transport.peek("records").size() == 1); // the first run is immediate
            time.advance(Duration.ofSeconds(5));
            await().until(() -> transport.peek("records").size() == 2);
            time.advance(Duration.ofSeconds(5));
            await().until(() -> transport.peek("records").size() == 3);
            Response first = records(transport).get(0);
            assertThat(first.isOk()).isTrue();
            assertThat(first.collector()).isEqualTo("_processes");
            assertThat(first.worker()).isEqualTo("agent-1");
            assertThat(first.result().orElseThrow().get("count").asInt()).isEqualTo(42);
            assertThat(s.status().get(0).runs()).isEqualTo(3);
            assertThat(s.status().get(0).skipped()).isZero();
        }
    }

    /** {@code real}, but a send to a destination {@code held} accepts counts {@code entered} down and waits for {@code release}. */
    private static dev.outpost.spi.Transport holdingSends(dev.outpost.spi.Transport real, java.util.function.Predicate<String> held,
            CountDownLatch entered, CountDownLatch release) {
        return new dev.outpost.spi.ForwardingTransport(real) {
            @Override
            public java.util.concurrent.CompletableFuture<Void> send(String destination, Message message) {
                if (held.test(destination)) {
                    entered.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.send(destination, message);
            }
        };
    }

    @Test
    void aTickDueWhileTheLastAnswerIsStillBeingPublishedIsNotSkipped() throws Exception {
        CountDownLatch sending = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger sends = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        java.util.function.LongSupplier ticks = time.ticker();
        try (InMemoryTransport memory = InMemoryTransport.create()) {
            // a transport taking its time over the first answer
            dev.outpost.spi.Transport slowFirstSend = holdingSends(memory, d -> sends.incrementAndGet() == 1, sending, release);
            try (Scheduler s = Scheduler.builder(slowFirstSend).clock(time).ticker(() -> {
                reads.incrementAndGet();
                return ticks.getAsLong();
            }).job(Scheduler.Job.every(Duration.ofSeconds(5), Collectors.of("_processes", (r, c) -> Map.of("count", 42)), "records"))
                    .build().start()) {
                assertThat(sending.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                time.advance(Duration.ofSeconds(5));
                int before = reads.get();
                await().atMost(Duration.ofSeconds(20)).until(() -> reads.get() >= before + 4); // the loop looked at the tick
                // before: the first run counted as busy until its answer was published, so this tick was skipped
                assertThat(s.status().get(0).skipped()).isZero();
                release.countDown();
                await().atMost(Duration.ofSeconds(20)).until(() -> memory.peek("records").size() == 2);
                assertThat(s.status().get(0).runs()).isEqualTo(2);
            }
        }
    }

    @Test
    void ticksMissedWhileARunOverranAreSkippedAndCountedNotCaughtUp() throws Exception {
        CountDownLatch inFirstRun = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Scheduler s = Scheduler.builder(transport).clock(time).ticker(time.ticker())
                        .job(Scheduler.Job.every(Duration.ofSeconds(1), Collectors.of("slow", (r, c) -> {
                            if (runs.incrementAndGet() == 1) {
                                inFirstRun.countDown();
                                release.await();
                            }
                            return "ok";
                        }), "records").withTimeout(Duration.ofHours(1)))
                        .build().start()) {
            inFirstRun.await();
            time.advance(Duration.ofMillis(10_500)); // ten ticks pass while the first run is still going
            await().until(() -> s.status().get(0).skipped() == 10);
            release.countDown();
            await().until(() -> transport.peek("records").size() == 1);
            time.advance(Duration.ofMillis(500)); // the next tick on the grid: one run, no burst
            await().until(() -> transport.peek("records").size() == 2);
            assertThat(s.status().get(0).runs()).isEqualTo(2);
            assertThat(s.status().get(0).skipped()).isEqualTo(10);
        }
    }

    @Test
    void aRunPastItsTimeoutIsInterruptedAndAnsweredAsATimeout() throws Exception {
        AtomicBoolean interrupted = new AtomicBoolean();
        CountDownLatch running = new CountDownLatch(1);
        try (InMemoryTransport transport = InMemoryTransport.create();
                Scheduler s = Scheduler.builder(transport).clock(time).ticker(time.ticker())
                        .job(Scheduler.Job.every(Duration.ofHours(1), Collectors.of("hang", (r, c) -> {
                            running.countDown();
                            try {
                                new CountDownLatch(1).await();
                            } catch (InterruptedException e) {
                                interrupted.set(true);
                                throw e;
                            }
                            return "never";
                        }), "records").withTimeout(Duration.ofMillis(100)))
                        .build().start()) {
            // in the run, not just counted: the run is counted before its timeout is read off the ticker, and a
            // clock moved in between set the timeout 150 ms later than the clock ever went
            assertThat(running.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(s.status().get(0).runs()).isEqualTo(1);
            time.advance(Duration.ofMillis(150));
            await().until(() -> transport.peek("records").size() == 1);
            Response r = records(transport).get(0);
            assertThat(interrupted).isTrue();
            assertThat(r.error().orElseThrow().code()).isEqualTo("timeout");
            assertThat(s.status().get(0).failures()).isEqualTo(1);
        }
    }

    @Test
    void failuresAndErrorsArePublishedWithoutTheirTextAndTheSchedulerGoesOn() {
        AtomicInteger n = new AtomicInteger();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Scheduler s = Scheduler.builder(transport).clock(time).ticker(time.ticker())
                        .job(Scheduler.Job.every(Duration.ofSeconds(10), Collectors.of("broken", (r, c) -> {
                            if (n.incrementAndGet() == 1) {
                                throw new IllegalStateException("disk gone at /secret/path");
                            }
                            throw new OutOfMemoryError("pretend");
                        }), "records"))
                        .build().start()) {
            await().until(() -> transport.peek("records").size() == 1);
            time.advance(Duration.ofSeconds(10));
            await().until(() -> transport.peek("records").size() == 2);
            for (Response r : records(transport)) {
                assertThat(r.error().orElseThrow().code()).isEqualTo("collector-failed");
                assertThat(r.error().orElseThrow().message()).contains("incident").doesNotContain("/secret/path", "pretend");
            }
            assertThat(s.status().get(0).failures()).isEqualTo(2);
        }
    }

    @Test
    void aPeriodAndTimeoutTooLongForNanosecondsRunOnceAndDoNotFailTheBuildOrTheRun() {
        // once at start, then for ever all the same
        Duration never = Duration.ofSeconds(Long.MAX_VALUE);
        try (InMemoryTransport transport = InMemoryTransport.create();
                Scheduler s = Scheduler.builder(transport).clock(time).ticker(time.ticker())
                        .job(Scheduler.Job.every(never, Collectors.of("_boot", (r, c) -> Map.of("ok", true)), "records"))
                        .build().start()) {
            await().until(() -> transport.peek("records").size() == 1);
            assertThat(records(transport).get(0).isOk()).isTrue();
            time.advance(Duration.ofDays(3650));
            assertThat(s.status().get(0).runs()).isEqualTo(1);
        }
    }

    @Test
    void anInterruptWaitTooLongForNanosecondsStillShutsDown() throws Exception {
        InMemoryTransport transport = InMemoryTransport.create();
        Scheduler s = Scheduler.builder(transport).clock(time).ticker(time.ticker())
                .interruptWait(Duration.ofDays(1_000_000))
                .job(Scheduler.Job.every(Duration.ofSeconds(1), Collectors.of("_x", (r, c) -> "ok"), "records")).build().start();
        await().until(() -> transport.peek("records").size() == 1);
        // before: the shutdown thread died of the overflow and the future never completed
        assertThat(s.shutdown().get(10, java.util.concurrent.TimeUnit.SECONDS).clean()).isTrue();
        transport.close();
    }

    @Test
    void shutdownClosesCollectorsAndReportsACleanStop() {
        AtomicBoolean closed = new AtomicBoolean();
        class Closing implements Collector, AutoCloseable {
            @Override
            public String name() {
                return "closing";
            }

            @Override
            public Object collect(Request request, CollectorContext context) {
                return "ok";
            }

            @Override
            public void close() {
                closed.set(true);
            }
        }
        InMemoryTransport transport = InMemoryTransport.create();
        Scheduler s = Scheduler.builder(transport).clock(time).ticker(time.ticker())
                .job(Scheduler.Job.every(Duration.ofSeconds(1), new Closing(), "records")).build().start();
        await().until(() -> transport.peek("records").size() == 1);
        ShutdownResult r = s.shutdown().join();
        assertThat(r.clean()).isTrue();
        assertThat(r.threadsStillAlive()).isEmpty();
        assertThat(closed).isTrue();
        assertThat(s.shutdown().join()).isSameAs(r);
        transport.close();
    }

    @Test
    void aJobThatClosesItsSchedulerDoesNotWaitForItself() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Scheduler> self = new java.util.concurrent.atomic.AtomicReference<>();
        CountDownLatch closed = new CountDownLatch(1);
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            Scheduler s = Scheduler.builder(transport).clock(time).ticker(time.ticker()).interruptWait(Duration.ofSeconds(5))
                    .job(Scheduler.Job.every(Duration.ofSeconds(5), Collectors.of("_last", (r, c) -> {
                        self.get().close(); // a job that ends its agent
                        closed.countDown();
                        return "done";
                    }), "records")).build();
            self.set(s);
            s.start();
            assertThat(closed.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            // before: close() on the run's thread waited for the shutdown, which waited for that thread until the
            // interrupt wait ran out, and then reported it as still running
            ShutdownResult r = s.shutdown().get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.threadsStillAlive()).isEmpty();
        }
    }

    @Test
    void aJobWhoseSendsHangDoesNotTakeEveryThreadFromTheOthers() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (InMemoryTransport memory = InMemoryTransport.create()) {
            // a transport whose send for one destination never returns
            dev.outpost.spi.Transport hangsOnStuck = holdingSends(memory, "stuck"::equals, stuck, release);
            try (Scheduler s = Scheduler.builder(hangsOnStuck).clock(time).ticker(time.ticker()).interruptWait(Duration.ofSeconds(5))
                    .job(Scheduler.Job.every(Duration.ofSeconds(5), Collectors.of("a", (r, c) -> "a"), "stuck"))
                    .job(Scheduler.Job.every(Duration.ofSeconds(5), Collectors.of("b", (r, c) -> "b"), "records"))
                    .build().start()) {
                assertThat(stuck.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                await().atMost(Duration.ofSeconds(20)).until(() -> memory.peek("records").size() == 1);
                time.advance(Duration.ofSeconds(5));
                // before: the hanging job's next run took the other thread to hang in its send too, and 'b' never ran again
                await().atMost(Duration.ofSeconds(20)).until(() -> memory.peek("records").size() == 2);
                assertThat(s.status().get(1).runs()).isEqualTo(2);
                release.countDown();
                await().atMost(Duration.ofSeconds(20)).until(() -> memory.peek("stuck").size() == 2);
            }
        }
    }
}
