package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClientTest {

    @Test
    void callTimesOutWithATypedErrorNamingTheRequest() {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            Request r = Request.builder("nobody.home").build();
            assertThatThrownBy(() -> client.call(r, Duration.ofMillis(200)).get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(CallTimeoutException.class, e -> {
                        assertThat(e.requestId()).isEqualTo(r.id());
                        assertThat(e.getMessage()).contains("nobody.home");
                    });
            assertThat(client.pending()).isZero();
        }
    }

    @Test
    void anAnsweredCallIsLetGoAtOnceNotWhenItsTimeoutWouldHavePassed() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker w = Worker.builder(transport).collector(Collectors.of("big", (r, c) -> "x".repeat(100_000)))
                        .pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            // before: the timeout's action held the future, and so the 100 kB answer, for the hour
            java.lang.ref.WeakReference<Response> answer = new java.lang.ref.WeakReference<>(
                    client.call(Request.builder("big").build(), Duration.ofHours(1)).get(5, TimeUnit.SECONDS));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                System.gc();
                return answer.get() == null;
            });
            assertThat(client.pending()).isZero();
        }
    }

    @Test
    void aCallsTtlCountsFromTheCallNotFromWhenTheRequestWasBuilt() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            // built long before it is sent, as the command line did before opening its SQS connection
            Request built = Request.builder("x").sentAt(java.time.Instant.now().minus(Duration.ofMinutes(10))).build();
            java.time.Instant before = java.time.Instant.now();
            client.call(built, Duration.ofSeconds(30));
            java.time.Instant after = java.time.Instant.now();
            Request sent = dev.outpost.core.json.JsonCodec.create().decodeRequest(transport.peek("requests").get(0).body())
                    .document();
            assertThat(sent.id()).isEqualTo(built.id());
            assertThat(sent.expiresAt()).hasValueSatisfying(at -> assertThat(at)
                    .isBetween(before.plusSeconds(30).minusMillis(1), after.plusSeconds(30).plusMillis(1)));
            assertThat(sent.isExpired(after)).isFalse();
            // a ttl the caller chose is the caller's: left as it is, with the time it counts from
            Request own = Request.builder("x").sentAt(before.minusSeconds(5)).ttl(Duration.ofSeconds(7)).build();
            client.call(own, Duration.ofSeconds(30));
            Request sentOwn = dev.outpost.core.json.JsonCodec.create().decodeRequest(transport.peek("requests").get(1).body())
                    .document();
            assertThat(sentOwn.expiresAt()).contains(own.expiresAt().orElseThrow());
        }
    }

    @Test
    void aCallSetsAttlSoWorkersSkipRequestsTheCallerGaveUpOn() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            client.call(Request.builder("x").build(), Duration.ofMillis(100)).exceptionally(e -> null).get();
            // the worker's clock is a minute on: the request's 100 ms ttl ran out long ago
            try (Worker w = Worker.builder(transport).collector(Collectors.of("x", (r, c) -> "ran"))
                    .clock(java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofMinutes(1)))
                    .pollWait(Duration.ofMillis(50)).build().start()) {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                        .until(() -> transport.peek("dead-letter").size() == 1);
                assertThat(transport.peek("dead-letter").get(0).attributes().get("outpost-reject-reason")).isEqualTo("expired");
            }
        }
    }

    @Test
    void broadcastGathersFromEveryWorkerOnTheTopic() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            transport.topic("all-workers");
            for (String q : List.of("w1", "w2", "w3")) {
                transport.subscribe("all-workers", q);
            }
            Worker[] workers = new Worker[3];
            for (int i = 0; i < 3; i++) {
                workers[i] = Worker.builder(transport).id("worker-" + (i + 1)).requests("w" + (i + 1))
                        .pollWait(Duration.ofMillis(50)).build().start();
            }
            try (Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
                List<Response> all = client.broadcast("all-workers", Request.builder("outpost.ping").build(), 3,
                        Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
                assertThat(all).extracting(Response::worker).containsExactlyInAnyOrder("worker-1", "worker-2", "worker-3");

                workers[2].close();
                long t0 = System.nanoTime();
                List<Response> two = client.broadcast("all-workers", Request.builder("outpost.ping").build(), 3,
                        Duration.ofMillis(500)).get(10, TimeUnit.SECONDS);
                assertThat(two).hasSize(2);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
            } finally {
                for (Worker w : workers) {
                    w.close();
                }
            }
        }
    }

    @Test
    void garbageOnTheReplyQueueIsDroppedAndCountedAndCallsStillWork() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker w = Worker.builder(transport).pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            transport.send(client.replyTo(), dev.outpost.spi.Message.of(new byte[] {0, (byte) 0xff, 42})).join();
            transport.send(client.replyTo(), dev.outpost.spi.Message.of("{\"v\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8))).join();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> client.undecodableResponses() == 2);
            assertThat(transport.peek(client.replyTo())).isEmpty();
            assertThat(client.call(Request.builder("outpost.ping").build(), Duration.ofSeconds(5)).get().isOk()).isTrue();
        }
    }

    @Test
    void closingFailsPendingCallsAndRefusesNewOnes() {
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start();
            var pending = client.call(Request.builder("x").build(), Duration.ofSeconds(30));
            client.close();
            assertThat(pending).isCompletedExceptionally();
            assertThatThrownBy(() -> client.call(Request.builder("x").build(), Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class);
        }
    }
}
