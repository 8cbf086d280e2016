package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ShutdownResult;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Prefetch: a worker holds more deliveries than it runs, so that fast collectors keep several
 * receives open; {@code concurrency} still bounds the runs, waiting deliveries stay invisible, and
 * a shutdown hands them back at once.
 */
class WorkerPrefetchTest {
    private static final String QUEUE = Worker.DEFAULT_REQUESTS;

    @Test
    void holdsConcurrencyPlusPrefetchAndRunsOnlyConcurrency() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        Gate gate = new Gate();
        try (Worker worker = Worker.builder(new Remote(memory)).id("w1").collector(gate.collector())
                .concurrency(2).prefetch(6).pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            List<CompletableFuture<Response>> calls = calls(client, 10);
            await().until(() -> worker.status().inFlight() == 8 && memory.depth(QUEUE).getAsLong() == 2);
            assertThat(gate.running.get()).isEqualTo(2);
            gate.open.countDown();
            for (CompletableFuture<Response> c : calls) {
                assertThat(c.get(30, TimeUnit.SECONDS).isOk()).isTrue();
            }
            assertThat(gate.most.get()).isEqualTo(2);
        }
    }

    @Test
    void aPollerDoesNotRunAFastCollectorBesideARunnersRun() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        Gate gate = new Gate();
        AtomicInteger mostWithFast = new AtomicInteger();
        List<String> fastThreads = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Worker worker = Worker.builder(new Remote(memory)).id("w1").collector(gate.collector())
                .collector(Collectors.of("fast", (r, c) -> {
                    mostWithFast.accumulateAndGet(gate.running.get() + 1, Math::max);
                    fastThreads.add(Thread.currentThread().getName());
                    return Json.object();
                }))
                // every run after a collector's first stays on the poller when it may run at all
                .configure(OutpostConfig.builder().set("outpost.worker.inline-below-micros", "1000000").build())
                .concurrency(1).prefetch(3).pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            // until a run stays on the poller (one may still go to the runner while the runner holds the run allowed)
            await().until(() -> client.call(Request.builder("fast").build(), Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS)
                    .isOk() && fastThreads.get(fastThreads.size() - 1).contains("-poller-"));
            List<CompletableFuture<Response>> calls = calls(client, 1); // a first run: on the runner, where it waits
            await().until(() -> gate.running.get() == 1);
            calls.add(client.call(Request.builder("fast").build(), Duration.ofSeconds(30)));
            // held, not run: the one run allowed is the gate's (it ran on the poller beside it before)
            await().until(() -> worker.status().inFlight() == 2 && memory.depth(QUEUE).getAsLong() == 0);
            gate.open.countDown();
            for (CompletableFuture<Response> c : calls) {
                assertThat(c.get(30, TimeUnit.SECONDS).isOk()).isTrue();
            }
            assertThat(mostWithFast.get()).isEqualTo(1);
        }
    }

    @Test
    void waitingDeliveriesAreKeptInvisible() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        Gate gate = new Gate();
        AtomicLong now = new AtomicLong();
        Remote remote = new Remote(memory);
        try (Worker worker = Worker.builder(remote).id("w1").collector(gate.collector()).ticker(now::get)
                .concurrency(1).prefetch(2).visibility(Duration.ofSeconds(30)).pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            List<CompletableFuture<Response>> calls = calls(client, 3);
            await().until(() -> worker.status().inFlight() == 3 && gate.running.get() == 1);
            now.addAndGet(Duration.ofSeconds(16).toNanos()); // past half the visibility
            // the run and both deliveries waiting for a runner: the waiting ones were not yet started
            await().until(() -> remote.extended.size() == 3);
            gate.open.countDown();
            for (CompletableFuture<Response> c : calls) {
                assertThat(c.get(30, TimeUnit.SECONDS).isOk()).isTrue();
            }
        }
    }

    @Test
    void aShutdownHandsBackWaitingDeliveriesWithoutWaitingForTheRun() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        Gate gate = new Gate();
        Worker worker = Worker.builder(new Remote(memory)).id("w1").collector(gate.collector())
                .concurrency(1).prefetch(3).drainTimeout(Duration.ofSeconds(60)).pollWait(Duration.ofMillis(50)).build().start();
        try (Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            List<CompletableFuture<Response>> calls = calls(client, 4);
            await().until(() -> worker.status().inFlight() == 4 && gate.running.get() == 1);
            CompletableFuture<ShutdownResult> stopped = worker.shutdown();
            // back in the queue while the one run still holds the drain
            await().until(() -> memory.depth(QUEUE).getAsLong() == 3);
            assertThat(stopped).isNotDone();
            gate.open.countDown();
            ShutdownResult result = stopped.get(30, TimeUnit.SECONDS);
            assertThat(result.clean()).isTrue();
            assertThat(result.handedBack()).isEqualTo(3);
            // the run's answer is sent before the drain ends, but the client takes it in on its own thread: the
            // shutdown's future could complete before the call's
            await().atMost(Duration.ofSeconds(20)).until(() -> calls.stream().anyMatch(CompletableFuture::isDone));
            assertThat(calls.stream().filter(CompletableFuture::isDone)).hasSize(1);
        } finally {
            worker.close();
        }
    }

    @Test
    void anInProcessTransportHoldsOnlyWhatItRuns() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        Gate gate = new Gate();
        try (Worker worker = Worker.builder(memory).id("w1").collector(gate.collector())
                .concurrency(2).prefetch(6).pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            List<CompletableFuture<Response>> calls = calls(client, 5);
            await().until(() -> gate.running.get() == 2 && memory.depth(QUEUE).getAsLong() == 3);
            assertThat(worker.status().inFlight()).isEqualTo(2);
            assertThat(worker.status().prefetch()).isZero();
            gate.open.countDown();
            for (CompletableFuture<Response> c : calls) {
                assertThat(c.get(30, TimeUnit.SECONDS).isOk()).isTrue();
            }
        }
    }

    @Test
    void aShutdownCountsTheWaitingDeliveriesARunnerHandsBackBeforeThePollersStop() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        Gate gate = new Gate();
        Remote remote = new Remote(memory);
        Worker worker = Worker.builder(remote).id("w1").collector(gate.collector())
                .concurrency(1).prefetch(4).drainTimeout(Duration.ofSeconds(60)).pollWait(Duration.ofMillis(50)).build().start();
        try (Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            List<CompletableFuture<Response>> calls = calls(client, 4);
            await().until(() -> worker.status().inFlight() == 4 && gate.running.get() == 1);
            remote.stallReceives();
            assertThat(remote.stalled.await(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<ShutdownResult> stopped = worker.shutdown(); // its pollers stop once the receive returns
            gate.open.countDown();
            // the runner, freed, takes the waiting ones and hands each back, since the worker is stopping
            await().until(() -> memory.depth(QUEUE).getAsLong() == 3);
            remote.resumeReceives();
            ShutdownResult result = stopped.get(30, TimeUnit.SECONDS);
            assertThat(calls.get(0).get(30, TimeUnit.SECONDS).isOk()).isTrue();
            assertThat(result.handedBack()).isEqualTo(3);
            assertThat(worker.status().counters().handedBack()).isEqualTo(3);
        } finally {
            remote.resumeReceives();
            worker.close();
        }
    }

    @Test
    void deliveriesWaitingBehindRunsThatIgnoreTheirTimeoutAreNotHeldForEver() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        Remote remote = new Remote(memory);
        AtomicLong now = new AtomicLong();
        // the ticker values the timer thread read: three reads of a value mean one whole sweep saw it
        java.util.Queue<Long> timerReads = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.function.LongSupplier ticker = () -> {
            long v = now.get();
            if (Thread.currentThread().getName().contains("-timer-")) {
                timerReads.add(v);
            }
            return v;
        };
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        Worker worker = Worker.builder(remote).id("w1").ticker(ticker)
                .collector(Collectors.of("stuck", (r, c) -> {
                    started.incrementAndGet();
                    while (true) { // ignores its timeout's interrupt
                        try {
                            release.await();
                            return Json.object();
                        } catch (InterruptedException ignored) {
                            // stuck
                        }
                    }
                }))
                .timeout("stuck", Duration.ofSeconds(1)).concurrency(1).prefetch(1).visibility(Duration.ofSeconds(30))
                .pollWait(Duration.ofMillis(50)).build().start();
        try (Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            client.call(Request.builder("stuck").build(), Duration.ofSeconds(60));
            client.call(Request.builder("stuck").build(), Duration.ofSeconds(60));
            await().until(() -> worker.status().inFlight() == 2 && started.get() == 1);
            now.set(Duration.ofSeconds(20).toNanos()); // the run is 19 s past its deadline: both still kept invisible
            await().until(() -> timerReads.stream().filter(v -> v == now.get()).count() >= 3);
            assertThat(remote.extensions.get()).isEqualTo(2);
            now.set(Duration.ofSeconds(40).toNanos()); // 39 s past: the run is let go, and nothing else can run
            await().until(() -> timerReads.stream().filter(v -> v == now.get()).count() >= 3);
            // the waiting one would wait for ever behind it: let go too, so another worker may take it
            assertThat(remote.extensions.get()).isEqualTo(2);
            assertThat(started.get()).isEqualTo(1);
        } finally {
            release.countDown();
            worker.close();
        }
    }

    @Test
    void aShutdownHandsBackWaitingDeliveriesWithoutWaitingForARunOnAPoller() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        Gate gate = new Gate();
        CountDownLatch turnedSlow = new CountDownLatch(1);
        CountDownLatch slowRunning = new CountDownLatch(1);
        List<String> flipThreads = java.util.Collections.synchronizedList(new ArrayList<>());
        Remote remote = new Remote(memory);
        Worker worker = Worker.builder(remote).id("w1").collector(gate.collector())
                .collector(Collectors.of("flip", (r, c) -> { // fast, until it turns slow
                    flipThreads.add(Thread.currentThread().getName());
                    if (r.params().path("slow").asBoolean()) {
                        slowRunning.countDown();
                        turnedSlow.await();
                    }
                    return Json.object();
                }))
                .configure(OutpostConfig.builder().set("outpost.worker.inline-below-micros", "1000000").build())
                .concurrency(1).prefetch(3).pollers(2).drainTimeout(Duration.ofSeconds(60)).pollWait(Duration.ofMillis(50))
                .build().start();
        try (Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            // until a run stays on a poller (one may still go to the runner while the runner holds the run allowed)
            await().until(() -> client.call(Request.builder("flip").build(), Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS)
                    .isOk() && flipThreads.get(flipThreads.size() - 1).contains("-poller-"));
            String poller = flipThreads.get(flipThreads.size() - 1);
            int mark = remote.receivers.size();
            // receiving again, that poller gave back the run allowed
            await().until(() -> {
                List<String> since = new ArrayList<>(remote.receivers);
                return since.subList(mark, since.size()).contains(poller);
            });
            client.call(Request.builder("flip").params(Json.object().put("slow", true)).build(), Duration.ofSeconds(60));
            assertThat(slowRunning.await(30, TimeUnit.SECONDS)).isTrue(); // on a poller, holding the one run allowed
            assertThat(flipThreads.get(flipThreads.size() - 1)).contains("-poller-");
            List<CompletableFuture<Response>> calls = calls(client, 3); // the other poller's: all wait
            await().until(() -> worker.status().inFlight() == 4 && memory.depth(QUEUE).getAsLong() == 0);
            CompletableFuture<ShutdownResult> stopped = worker.shutdown();
            // the two in the runner's queue and the one the runner holds, waiting for the run allowed, go back
            // while the poller's run goes on
            await().until(() -> memory.depth(QUEUE).getAsLong() == 3);
            assertThat(stopped).isNotDone();
            turnedSlow.countDown();
            ShutdownResult result = stopped.get(30, TimeUnit.SECONDS);
            assertThat(result.handedBack()).isEqualTo(3);
            assertThat(calls.stream().filter(CompletableFuture::isDone)).isEmpty();
        } finally {
            turnedSlow.countDown();
            gate.open.countDown();
            worker.close();
        }
    }

    @Test
    void theAutomaticPrefetchOpensWhileRunsAreShortAndClosesWhenTheyAreLong() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        Gate first = new Gate("first");
        Gate second = new Gate("second");
        AtomicLong nanos = new AtomicLong();
        AtomicLong perRead = new AtomicLong(); // 0: time stands still, so every run takes no time
        Remote remote = new Remote(memory);
        try (Worker worker = Worker.builder(remote).id("w1").collector(first.collector()).collector(second.collector())
                .collector(Collectors.of("fast", (r, c) -> "ok")).concurrency(2).timeout(Duration.ofDays(1))
                .ticker(() -> nanos.addAndGet(perRead.get())).pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            assertThat(worker.status().prefetch()).isZero(); // nothing has run yet
            // runs that take no time: all of it opens, 10 a poller (8 by default) less the 2 slots
            callFastUntilPrefetchIs(client, worker, 78);
            List<CompletableFuture<Response>> held = calls(client, "first", 30);
            await().until(() -> worker.status().inFlight() == 30 && memory.depth(QUEUE).getAsLong() == 0);
            assertThat(first.running.get()).isEqualTo(2);
            first.open.countDown();
            for (CompletableFuture<Response> c : held) {
                assertThat(c.get(30, TimeUnit.SECONDS).isOk()).isTrue();
            }
            assertThat(first.most.get()).isEqualTo(2);

            perRead.set(TimeUnit.SECONDS.toNanos(1)); // every run now takes seconds: a waiting delivery would wait long
            callFastUntilPrefetchIs(client, worker, 0);
            List<CompletableFuture<Response>> slow = calls(client, "second", 10);
            await().until(() -> second.running.get() == 2 && memory.depth(QUEUE).getAsLong() == 8);
            int extensions = remote.extensions.get();
            await().until(() -> remote.extensions.get() >= extensions + 4); // the timer has looked again, several times
            assertThat(worker.status().inFlight()).isEqualTo(2);
            assertThat(worker.status().prefetch()).isZero();
            assertThat(memory.depth(QUEUE).getAsLong()).isEqualTo(8); // left for other workers
            second.open.countDown();
            for (CompletableFuture<Response> c : slow) {
                assertThat(c.get(30, TimeUnit.SECONDS).isOk()).isTrue();
            }
        }
    }

    @Test
    void theAutomaticPrefetchClosesWhileRunsAreStuck() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        Gate gate = new Gate();
        AtomicLong nanos = new AtomicLong();
        AtomicLong perRead = new AtomicLong();
        try (Worker worker = Worker.builder(new Remote(memory)).id("w1").collector(gate.collector())
                .collector(Collectors.of("fast", (r, c) -> "ok")).concurrency(2).timeout(Duration.ofDays(1))
                .ticker(() -> nanos.addAndGet(perRead.get())).pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            callFastUntilPrefetchIs(client, worker, 78);
            List<CompletableFuture<Response>> calls = calls(client, 2);
            await().until(() -> gate.running.get() == 2);
            perRead.set(TimeUnit.MILLISECONDS.toNanos(100)); // no run ends while time goes on
            await().until(() -> worker.status().prefetch() == 0);
            gate.open.countDown();
            for (CompletableFuture<Response> c : calls) {
                assertThat(c.get(30, TimeUnit.SECONDS).isOk()).isTrue();
            }
        }
    }

    @Test
    void configuredAutoAndFixedValuesAreWhatTheWorkerRunsWith() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        Worker auto = Worker.builder(new Remote(memory)).configure(OutpostConfig.builder()
                .set("outpost.worker.prefetch", "AUTO").set("outpost.worker.concurrency", "16").build()).build();
        assertThat(auto.status().prefetch()).isZero(); // closed until runs show they are short
        // a fixed prefetch takes one poller per 10 held: 8 + 12 = 20, two pollers
        try (Worker fixed = Worker.builder(new Remote(memory)).concurrency(8).prefetch(12).build().start()) {
            assertThat(fixed.status().prefetch()).isEqualTo(12);
            await().until(() -> fixed.status().threads().size() == 2);
        }
        try (Worker none = Worker.builder(new Remote(memory)).prefetch(0).build().start()) {
            assertThat(none.status().prefetch()).isZero();
            await().until(() -> none.status().threads().size() == 1); // as before prefetch: one poller for 8 slots
        }
        assertThatThrownBy(() -> Worker.builder(memory).configure(OutpostConfig.builder().set("outpost.worker.pollers", "many")
                .build()).build()).isInstanceOf(ConfigException.class).hasMessageContaining("outpost.worker.pollers")
                .hasMessageContaining("must be auto or a whole number, was 'many'");
    }

    @Test
    void configurationRefusesWhatCannotBe() {
        InMemoryTransport memory = InMemoryTransport.create();
        assertThatThrownBy(() -> Worker.builder(memory).configure(OutpostConfig.builder().set("outpost.worker.prefetch", "-1")
                .build()).build()).isInstanceOf(ConfigException.class).hasMessageContaining("outpost.worker.prefetch");
        assertThatThrownBy(() -> Worker.builder(memory).prefetch(4097)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("prefetch");
        // a poller needs one delivery it may hold: 8 slots and 2 prefetched take at most 10 pollers
        Worker.builder(new Remote(memory)).concurrency(8).prefetch(2).pollers(10).build();
        assertThatThrownBy(() -> Worker.builder(new Remote(memory)).concurrency(8).prefetch(2).pollers(11).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("outpost.worker.pollers")
                .hasMessageContaining("concurrency + prefetch");
    }

    /** Calls the {@code fast} collector until the worker's timer has set the prefetch to {@code open}. */
    private static void callFastUntilPrefetchIs(Client client, Worker worker, int open) {
        await().until(() -> client.call(Request.builder("fast").build(), Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS)
                .isOk() && worker.status().prefetch() == open);
    }

    private static List<CompletableFuture<Response>> calls(Client client, int n) {
        return calls(client, "gate", n);
    }

    private static List<CompletableFuture<Response>> calls(Client client, String collector, int n) {
        List<CompletableFuture<Response>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            calls.add(client.call(Request.builder(collector).build(), Duration.ofSeconds(60)));
        }
        return calls;
    }

    /** A collector that holds every run until opened, counting runs at once. */
    private static final class Gate {
        final String name;
        final CountDownLatch open = new CountDownLatch(1);
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();

        Gate() {
            this("gate");
        }

        Gate(String name) {
            this.name = name;
        }

        dev.outpost.spi.Collector collector() {
            return Collectors.of(name, (r, c) -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    open.await();
                } finally {
                    running.decrementAndGet();
                }
                return Json.object();
            });
        }
    }

    /** The in-memory transport, but saying that a receive is a network call (as SQS's is); counts extensions by delivery. */
    private static final class Remote extends ForwardingTransport {
        final java.util.Set<String> extended = ConcurrentHashMap.newKeySet();
        final AtomicInteger extensions = new AtomicInteger();
        /** The threads that began a receive, in order. */
        final List<String> receivers = java.util.Collections.synchronizedList(new ArrayList<>());

        Remote(Transport delegate) {
            super(delegate);
        }

        @Override
        public boolean receivesLocally() {
            return false;
        }

        final CountDownLatch stalled = new CountDownLatch(1);
        private final CountDownLatch resumed = new CountDownLatch(1);
        private volatile boolean stalling;

        /** From now on a receive waits, interrupts ignored (an SDK call that does not answer them), until resumed. */
        void stallReceives() {
            stalling = true;
        }

        void resumeReceives() {
            resumed.countDown();
        }

        @Override
        public List<Delivery> receive(String source, int max, Duration wait) throws InterruptedException {
            receivers.add(Thread.currentThread().getName());
            if (stalling) {
                stalled.countDown();
                boolean interrupted = false;
                while (resumed.getCount() > 0) {
                    try {
                        resumed.await();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return List.of();
            }
            List<Delivery> out = new ArrayList<>();
            for (Delivery d : super.receive(source, max, wait)) {
                out.add(new ForwardingDelivery(d) {
                    @Override
                    public CompletableFuture<Void> extend(Duration visibility) {
                        extended.add(d.id());
                        extensions.incrementAndGet();
                        return d.extend(visibility);
                    }
                });
            }
            return out;
        }

        @Override
        public void close() {
            delegate().close();
        }
    }
}
