package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.ForwardingRegistry;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keyed runs wait for the idempotency store's commits off the worker's slots: more keyed requests
 * than slots wait at once, at most 16 per slot, the rest claim on their slot as before, and each
 * side effect still happens once, after its claim and before its answer.
 */
class WorkerKeyedRunsTest {
    private final InMemoryTransport transport = InMemoryTransport.create();
    private final HeldCommits store = new HeldCommits(InMemoryRegistry.create());
    private final AtomicInteger charged = new AtomicInteger();
    private Worker worker;
    private Client client;

    @AfterEach
    void stop() {
        store.open();
        if (client != null) {
            client.close();
        }
        if (worker != null) {
            worker.close();
        }
        transport.close();
        store.close();
    }

    @Test
    void keyedRequestsBeyondTheSlotsWaitForTheStoreWithoutHoldingThem() throws Exception {
        start(1);
        List<CompletableFuture<Response>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(client.call(Request.builder("charge").idempotencyKey("order-" + i).param("amount", i).build(),
                    Duration.ofSeconds(30)));
        }
        // one slot: 16 claims wait for their commit at once, the 4 others claim on the slot, synchronously
        // charged counts a run before its answer reaches the client: wait for the answers too
        await().atMost(Duration.ofSeconds(10)).until(() -> store.held.size() == 16 && charged.get() == 4
                && calls.stream().filter(CompletableFuture::isDone).count() == 4);
        assertThat(store.held).hasSize(16);
        assertThat(charged).hasValue(4);
        store.open();
        for (int i = 0; i < 20; i++) {
            Response r = calls.get(i).get();
            assertThat(r.isOk()).isTrue();
            assertThat(r.result().orElseThrow().get("amount").asInt()).isEqualTo(i);
        }
        assertThat(charged).hasValue(20);
        // retried: answered from the store, not run again
        Response again = client.call(Request.builder("charge").idempotencyKey("order-7").param("amount", 7).build(),
                Duration.ofSeconds(30)).get();
        assertThat(again.result()).isEqualTo(calls.get(7).get().result());
        assertThat(charged).hasValue(20);
    }

    @Test
    void aClaimThatFailsToCommitIsRetriedAndRunsOnce() throws Exception {
        store.open();
        store.failNext.set(1);
        start(2);
        Response r = client.call(Request.builder("charge").idempotencyKey("order-x").param("amount", 3).build(),
                Duration.ofSeconds(30)).get();
        assertThat(r.isOk()).isTrue();
        assertThat(charged).hasValue(1);
        assertThat(store.failNext).hasValue(0);
    }

    @Test
    void keyedAndUnkeyedRunsTogetherStayWithinConcurrency() throws Exception {
        store.open();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        worker = Worker.builder(transport).id("w1").concurrency(2)
                .collector(Collectors.of("slow", (r, c) -> {
                    most.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        gate.await();
                    } finally {
                        running.decrementAndGet();
                    }
                    return Json.object();
                }))
                .idempotency(store).pollWait(Duration.ofMillis(50)).build().start();
        client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start();
        List<CompletableFuture<Response>> calls = new ArrayList<>();
        // the keyed ones continue on runners once claimed, freeing their slots for the unkeyed ones
        for (int i = 0; i < 2; i++) {
            calls.add(client.call(Request.builder("slow").idempotencyKey("k-" + i).build(), Duration.ofSeconds(30)));
        }
        for (int i = 0; i < 2; i++) {
            calls.add(client.call(Request.builder("slow").build(), Duration.ofSeconds(30)));
        }
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> running.get() >= 2);
            // passes once it held 300 ms; a 2 s ceiling could fail it when a loaded machine delays the checks
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(20)).until(() -> running.get() <= 2);
        } finally {
            gate.countDown();
        }
        for (CompletableFuture<Response> c : calls) {
            assertThat(c.get(30, java.util.concurrent.TimeUnit.SECONDS).isOk()).isTrue();
        }
        assertThat(most).as("collectors running at once, concurrency 2").hasValue(2);
    }

    private void start(int concurrency) {
        worker = Worker.builder(transport).id("w1").concurrency(concurrency)
                .collector(Collectors.of("charge", (r, c) -> Json.object().put("charge", charged.incrementAndGet())
                        .put("amount", r.params().path("amount").asInt())))
                .idempotency(store).pollWait(Duration.ofMillis(50)).backoff(Duration.ofMillis(20), Duration.ofMillis(50))
                .build().start();
        client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start();
    }

    /** A store whose asynchronous writes commit only when the test opens it (its synchronous ones at once). */
    private static final class HeldCommits extends ForwardingRegistry {
        final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
        final AtomicInteger failNext = new AtomicInteger();
        volatile boolean opened;

        HeldCommits(Registry base) {
            super(base);
        }

        void open() {
            opened = true;
            for (Runnable r; (r = held.poll()) != null; ) {
                r.run();
            }
        }

        private CompletableFuture<RegistryEntry> later(java.util.function.Supplier<RegistryEntry> write) {
            CompletableFuture<RegistryEntry> f = new CompletableFuture<>();
            Runnable commit = () -> {
                try {
                    if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new dev.outpost.spi.RegistryException.Unavailable("", "the disk is gone for a moment", null);
                    }
                    f.complete(write.get());
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
            };
            if (opened) {
                commit.run();
            } else {
                held.add(commit);
                if (opened && held.remove(commit)) {
                    commit.run();
                }
            }
            return f;
        }

        @Override
        public boolean writesAsync() {
            return true;
        }

        @Override
        public CompletableFuture<RegistryEntry> registerAsync(String key, JsonNode value, Optional<Duration> ttl) {
            return later(() -> delegate().register(key, value, ttl));
        }

        @Override
        public CompletableFuture<RegistryEntry> replaceAsync(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
            return later(() -> delegate().replace(key, value, expectedVersion, ttl));
        }
    }
}
