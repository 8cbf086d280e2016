package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Received;
import dev.outpost.spi.Sender;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Idempotency keys on the in-memory transport: a retried call is answered from the store, the same
 * key with other params is refused, keys are per sender, a key held by a run is not run twice.
 * (The kill -9 test with a durable store is broker-kv's {@code WorkerCrashTest}.)
 */
class WorkerIdempotencyTest {
    private final InMemoryTransport transport = InMemoryTransport.create();
    private final InMemoryRegistry store = InMemoryRegistry.create();
    private final AtomicInteger charged = new AtomicInteger();
    private final CountDownLatch gate = new CountDownLatch(1);
    private volatile boolean gated;
    private Worker worker;
    private Client client;

    @BeforeEach
    void start() {
        worker = Worker.builder(transport).id("w1").codec(new SenderFromAttribute()).concurrency(4)
                .collector(Collectors.of("charge", (r, c) -> {
                    int n = charged.incrementAndGet();
                    if (gated) {
                        gate.await(10, TimeUnit.SECONDS);
                    }
                    return Json.object().put("charge", n).put("amount", r.params().path("amount").asInt());
                }))
                .idempotency(store).pollWait(Duration.ofMillis(50)).backoff(Duration.ofMillis(20), Duration.ofMillis(50))
                .build().start();
        client = Client.builder(transport).codec(new SenderFromAttribute()).pollWait(Duration.ofMillis(50)).build().start();
    }

    @AfterEach
    void stop() {
        client.close();
        worker.close();
        transport.close();
        store.close();
    }

    private Response call(String sender, String key, int amount) throws Exception {
        return client.call(Request.builder("charge").attribute("sender", sender).idempotencyKey(key).param("amount", amount)
                .build(), Duration.ofSeconds(10)).get();
    }

    @Test
    void aRetriedCallIsAnsweredFromTheStoreWithoutRunningAgain() throws Exception {
        Response first = call("alice", "order-1", 5);
        Response retried = call("alice", "order-1", 5);
        assertThat(first.isOk()).isTrue();
        assertThat(retried.isOk()).isTrue();
        assertThat(retried.requestId()).isNotEqualTo(first.requestId());
        assertThat(retried.result()).isEqualTo(first.result());
        assertThat(charged).hasValue(1);
    }

    @Test
    void theSameKeyWithOtherParamsIsRefusedWithAClearReason() throws Exception {
        call("alice", "order-2", 5);
        Response other = call("alice", "order-2", 6);
        assertThat(other.status()).isEqualTo(ResponseStatus.REJECTED);
        assertThat(other.error().orElseThrow().code()).isEqualTo("idempotency-conflict");
        assertThat(other.error().orElseThrow().message()).contains("order-2").contains("params differ");
        assertThat(charged).hasValue(1);
    }

    @Test
    void keysAreScopedBySender() throws Exception {
        Response alice = call("alice", "shared-key", 5);
        Response bob = call("bob", "shared-key", 7); // neither reads alice's outcome nor is refused by it
        assertThat(bob.isOk()).isTrue();
        assertThat(bob.result().orElseThrow().get("amount").asInt()).isEqualTo(7);
        assertThat(alice.result()).isNotEqualTo(bob.result());
        assertThat(charged).hasValue(2);
    }

    @Test
    void aKeyHeldByARunningRequestIsNotStartedTwice() throws Exception {
        gated = true;
        CompletableFuture<Response> first = client.call(Request.builder("charge").attribute("sender", "alice")
                .idempotencyKey("order-3").param("amount", 1).build(), Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(5)).until(() -> charged.get() == 1);
        CompletableFuture<Response> second = client.call(Request.builder("charge").attribute("sender", "alice")
                .idempotencyKey("order-3").param("amount", 1).build(), Duration.ofSeconds(10));
        // the second delivery is put back while the first holds the key
        await().atMost(Duration.ofSeconds(5)).until(() -> worker.status().counters().retried() >= 1);
        gate.countDown();
        assertThat(first.get().result()).isEqualTo(second.get().result());
        assertThat(charged).hasValue(1);
    }

    @Test
    void requestsWithoutAKeyRunEveryTime() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(client.call(Request.builder("charge").param("amount", 1).build(), Duration.ofSeconds(10)).get().isOk())
                    .isTrue();
        }
        assertThat(charged).hasValue(3);
    }

    @Test
    void badKeysAndBadSettingsAreRefused() {
        assertThatThrownBy(() -> Request.builder("charge").idempotencyKey("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Request.builder("charge").idempotencyKey("a\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Request.builder("charge").idempotencyKey("k".repeat(201)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Worker.builder(transport).idempotency(store).configure(OutpostConfig.builder()
                .set("outpost.worker.idempotency.ttl", "0s").set("outpost.worker.idempotency.namespace", "Bad/NS").build())
                .build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
                        .contains("outpost.worker.idempotency.ttl").contains("outpost.worker.idempotency.namespace"));
        // a worker's id is quoted in every response and log line: a control character in it is refused at build()
        assertThatThrownBy(() -> Worker.builder(transport).configure(OutpostConfig.builder()
                .set("outpost.worker.id", "host-1\nERROR forged").build()).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
                        .contains("outpost.worker.id").contains("must not contain control characters"));
        assertThatThrownBy(() -> Worker.builder(transport).id("host-1\u001b[2J"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage()).contains("control characters"));
    }

    @Test
    void outcomesLiveInTheConfiguredNamespaceForTheConfiguredTtl() throws Exception {
        call("alice", "order-4", 5);
        var entries = store.list("outpost-idempotency/");
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).key()).doesNotContain("order-4").doesNotContain("alice"); // hashed, never the caller's text
        assertThat(entries.get(0).value().path("state").asText()).isEqualTo("done");
        assertThat(entries.get(0).expiresAt()).isPresent();
    }

    /** A test codec that takes the sender's name from an attribute, standing in for an authenticating codec. */
    private static final class SenderFromAttribute extends JsonCodecDelegate {
        @Override
        public Decoded<Request> decodeRequest(byte[] body) {
            Request r = json.decodeRequest(body).document();
            return new Decoded<>(r, Optional.ofNullable(r.attributes().get("sender")).map(n -> Sender.of(n, n)));
        }

        @Override
        public Decoded<Request> decodeRequest(byte[] body, Received received) {
            return decodeRequest(body);
        }
    }
}
