package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Over a transport whose receive is a network call, a run whose collector was fast last time
 * stays on the polling thread (a hand-off to a runner costs more); a first run, and every run
 * after a slow one, goes to a runner, so a collector that turns slow holds a poller for one run.
 */
class WorkerInlineRunTest {
    /** A slow run: well past the threshold below, on any machine. */
    private static final long SLOW_NANOS = TimeUnit.MILLISECONDS.toNanos(150);

    @Test
    void fastRunsStayOnThePollerSlowOnesGoToRunners() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        List<String> fast = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> slow = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean slowOnce = new AtomicBoolean();
        try (Worker worker = Worker.builder(new Remote(memory)).id("w1")
                .collector(Collectors.of("fast", (r, c) -> {
                    if (slowOnce.getAndSet(false)) {
                        busy(SLOW_NANOS);
                    }
                    fast.add(Thread.currentThread().getName());
                    return Json.object();
                }))
                .collector(Collectors.of("slow", (r, c) -> {
                    busy(SLOW_NANOS);
                    slow.add(Thread.currentThread().getName());
                    return Json.object();
                }))
                // a threshold no fast run misses on a loaded machine, far below the slow runs
                .configure(OutpostConfig.builder().set("outpost.worker.inline-below-micros", "50000").build())
                .pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            assertThat(call(client, "fast").isOk()).isTrue();
            assertThat(fast.get(0)).contains("-runner-"); // nothing known of it yet
            // a runner records the run's time after answering: the next request may be checked before that
            untilOnPoller(client, fast);
            int n = fast.size();
            call(client, "fast");
            slowOnce.set(true);
            call(client, "fast"); // still on the poller: it was fast last time
            call(client, "fast"); // after a slow run: on a runner
            assertThat(fast.subList(n, n + 3)).satisfiesExactly(t -> assertThat(t).contains("-poller-"),
                    t -> assertThat(t).contains("-poller-"), t -> assertThat(t).contains("-runner-"));
            untilOnPoller(client, fast); // fast again on the runner: back on the poller

            for (int i = 0; i < 3; i++) {
                assertThat(call(client, "slow").isOk()).isTrue();
            }
            assertThat(slow).allMatch(t -> t.contains("-runner-"));
        }
    }

    @Test
    void zeroRunsEverythingOnRunners() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Worker worker = Worker.builder(new Remote(memory)).id("w1")
                .collector(Collectors.of("fast", (r, c) -> {
                    threads.add(Thread.currentThread().getName());
                    return Json.object();
                }))
                .configure(OutpostConfig.builder().set("outpost.worker.inline-below-micros", "0").build())
                .pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            for (int i = 0; i < 5; i++) {
                call(client, "fast");
            }
            assertThat(threads).hasSize(5).allMatch(t -> t.contains("-runner-"));
        }
    }

    private static void untilOnPoller(Client client, List<String> threads) throws Exception {
        for (int i = 0; i < 50 && !threads.get(threads.size() - 1).contains("-poller-"); i++) {
            call(client, "fast");
        }
        assertThat(threads.get(threads.size() - 1)).contains("-poller-");
    }

    private static dev.outpost.Response call(Client client, String collector) throws Exception {
        CompletableFuture<dev.outpost.Response> r = client.call(Request.builder(collector).build(), Duration.ofSeconds(30));
        return r.get(30, TimeUnit.SECONDS);
    }

    /** Busy for {@code nanos}: a run that takes long without sleeping. */
    private static void busy(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    /** The in-memory transport, but saying that a receive is a network call (as SQS's is). */
    private static final class Remote extends ForwardingTransport {

        Remote(Transport delegate) {
            super(delegate);
        }

        @Override
        public boolean receivesLocally() {
            return false;
        }

        @Override
        public void close() {
            delegate().close();
        }
    }
}
