package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.ForwardingRegistry;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A keyed run whose claim committed waits for a runner; its claim's lease runs on meanwhile. A run
 * that waited so long that its lease could end before it does must not start: by then another run
 * may hold the same key, and the operation would run twice.
 */
class WorkerKeyedRunLeaseTest {
    private final TestClock time = TestClock.at(Instant.now()); // requests carry the client's wall-clock ttl
    private final InMemoryTransport transport = InMemoryTransport.create();
    private final InMemoryRegistry registry = InMemoryRegistry.create(time);
    /** Commits "asynchronously" (at once), so keyed runs continue on the runners once claimed. */
    private final ForwardingRegistry store = new ForwardingRegistry(registry) {
        @Override
        public boolean writesAsync() {
            return true;
        }
    };
    private final CountDownLatch holding = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger charged = new AtomicInteger();
    private Worker worker;
    private Client client;

    @AfterEach
    void stop() {
        release.countDown();
        if (client != null) {
            client.close();
        }
        if (worker != null) {
            worker.close();
        }
        transport.close();
        registry.close();
    }

    @Test
    void aKeyedRunThatWaitedPastItsLeaseDoesNotRunBesideTheNextClaimOfItsKey() throws Exception {
        worker = Worker.builder(transport).id("w1").concurrency(1).clock(time).ticker(time.ticker())
                .visibility(Duration.ofSeconds(10)).backoff(Duration.ofMillis(20), Duration.ofMillis(50))
                .timeout("hold", Duration.ofHours(1)).timeout("charge", Duration.ofSeconds(1))
                .collector(Collectors.of("hold", (r, c) -> {
                    holding.countDown();
                    while (true) {
                        try {
                            release.await();
                            return Json.object();
                        } catch (InterruptedException ignored) {
                            // held until the test lets go
                        }
                    }
                }))
                .collector(Collectors.of("charge", (r, c) -> Json.object().put("charge", charged.incrementAndGet())))
                .idempotency(store).pollWait(Duration.ofMillis(50)).build().start();
        client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start();
        Duration callTimeout = Duration.ofMinutes(30);

        // the worker's one runner is busy
        CompletableFuture<Response> held = client.call(Request.builder("hold").idempotencyKey("hold").build(), callTimeout);
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        // claimed, then queued behind it: its lease is 1 s + 10 s visibility + 30 s margin from now
        CompletableFuture<Response> first = client.call(Request.builder("charge").idempotencyKey("order-1").build(), callTimeout);
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.list("outpost-idempotency/").size() == 2);

        time.advance(Duration.ofMinutes(1)); // the queued run's lease is over
        Instant retriedAt = time.instant();
        // the caller retries with the same key: the key is free again, and this claim is taken
        CompletableFuture<Response> retried = client.call(Request.builder("charge").idempotencyKey("order-1").build(),
                callTimeout);
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.list("outpost-idempotency/").stream()
                .anyMatch(e -> e.value().path("since").asText().equals(retriedAt.toString())));

        release.countDown();
        assertThat(held.get(10, TimeUnit.SECONDS).isOk()).isTrue();
        Response a = first.get(10, TimeUnit.SECONDS);
        Response b = retried.get(10, TimeUnit.SECONDS);
        assertThat(a.isOk()).isTrue();
        assertThat(b.isOk()).isTrue();
        assertThat(charged).as("runs of the operation under key order-1").hasValue(1);
        assertThat(a.result()).isEqualTo(b.result());
    }
}
