package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Message;
import dev.outpost.spi.Sender;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The client's reply path: fire-and-forget sends to any destination, listeners with the sender, answers acked together. */
class ClientReplyPathTest {

    /** JSON, and every response "authenticated" as the worker it names, as a sealing codec would. */
    private static final class SignedByWorker extends JsonCodecDelegate {
        @Override
        public Decoded<Response> decodeResponse(byte[] body) {
            Response r = json.decodeResponse(body).document();
            return new Decoded<>(r, Optional.of(Sender.of("key-" + r.worker(), r.worker())));
        }
    }

    /** Counts batched acks on the way through. */
    private static final class CountingAcks extends ForwardingTransport {
        final List<Integer> batches = new CopyOnWriteArrayList<>();

        CountingAcks(Transport real) {
            super(real);
        }

        @Override
        public CompletableFuture<Void> ackBatch(List<? extends Delivery> deliveries) {
            batches.add(deliveries.size());
            return super.ackBatch(deliveries);
        }
    }

    @Test
    void aFireAndForgetSendToATopicReachesTheListenersWithTheSenderTheCodecAuthenticated() {
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            transport.topic("all-workers");
            List<Worker> workers = new java.util.ArrayList<>();
            for (String id : List.of("w1", "w2", "w3")) {
                transport.subscribe("all-workers", "requests-" + id);
                workers.add(Worker.builder(transport).id(id).requests("requests-" + id).pollWait(Duration.ofMillis(50)).build().start());
            }
            List<Decoded<Response>> heard = new CopyOnWriteArrayList<>();
            List<Response> plain = new CopyOnWriteArrayList<>();
            try (Client client = Client.builder(transport).codec(new SignedByWorker()).pollWait(Duration.ofMillis(50))
                    .onDecoded(heard::add).onResponse(plain::add).build().start()) {
                client.send("all-workers", Request.builder("outpost.ping").build()).join();
                await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() == 3 && plain.size() == 3);
                assertThat(heard).allSatisfy(d -> assertThat(d.sender()).map(Sender::name).contains(d.document().worker()));
                assertThat(heard).extracting(d -> d.document().worker()).containsExactlyInAnyOrder("w1", "w2", "w3");
                await().until(() -> transport.peek(client.replyTo()).isEmpty());
            } finally {
                workers.forEach(Worker::close);
            }
        }
    }

    @Test
    void aCallThatTimesOutWhileTheReplyDestinationCannotBeReadSaysSoAndBlamesNoWorker() throws Exception {
        try (InMemoryTransport memory = InMemoryTransport.create()) {
            java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
            Transport transport = new ForwardingTransport(memory) {
                @Override
                public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
                    if (down.get()) {
                        refused.incrementAndGet();
                        throw new dev.outpost.spi.TransportException(source, "connection refused: 127.0.0.1:9324");
                    }
                    return super.receive(source, maxMessages, wait);
                }

                @Override
                public void close() {} // the memory transport is closed by the test
            };
            java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
            try (Client client = Client.builder(transport).replyTo("answers").pollWait(Duration.ofMillis(20)).ticker(now::get)
                    .build().start()) {
                // the reply destination readable: a timeout names the worker side
                CompletableFuture<Response> first = client.call(Request.builder("app.work").build(), Duration.ofSeconds(5));
                now.addAndGet(Duration.ofSeconds(6).toNanos());
                Throwable quiet = org.assertj.core.api.Assertions.catchThrowable(() -> first.get(10, java.util.concurrent.TimeUnit.SECONDS));
                assertThat(quiet.getCause()).isInstanceOfSatisfying(CallTimeoutException.class, e -> {
                    assertThat(e.replyFailure()).isEmpty();
                    assertThat(e.getMessage()).contains("is a worker reading");
                });

                down.set(true);
                CompletableFuture<Response> second = client.call(Request.builder("app.work").build(), Duration.ofSeconds(5));
                // a second refused receive comes after the loop noted the first as an outage
                await().atMost(Duration.ofSeconds(10)).until(() -> refused.get() >= 2);
                now.addAndGet(Duration.ofSeconds(6).toNanos());
                Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> second.get(10, java.util.concurrent.TimeUnit.SECONDS));
                assertThat(t.getCause()).isInstanceOfSatisfying(CallTimeoutException.class, e -> {
                    assertThat(e.replyFailure()).hasValueSatisfying(f -> assertThat(f).contains("connection refused"));
                    assertThat(e.getMessage()).contains("cannot receive from its reply destination 'answers'")
                            .doesNotContain("is a worker reading");
                });
            }
        }
    }

    @Test
    void onANetworkTransportPollersShareTheRepliesEachAckedOnceAndOneReceiveStaysOpenWhileNoneCome() throws Exception {
        try (InMemoryTransport memory = InMemoryTransport.create()) {
            java.util.Set<String> acked = java.util.concurrent.ConcurrentHashMap.newKeySet();
            java.util.concurrent.atomic.AtomicInteger ackedAgain = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger receives = new java.util.concurrent.atomic.AtomicInteger();
            java.util.Set<String> receivingThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
            java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> gate =
                    new java.util.concurrent.atomic.AtomicReference<>(new java.util.concurrent.CountDownLatch(0));
            Transport network = new ForwardingTransport(memory) {
                @Override
                public boolean receivesLocally() {
                    return false; // as SQS: a receive is a call over the network
                }

                @Override
                public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
                    gate.get().await();
                    most.accumulateAndGet(open.incrementAndGet(), Math::max);
                    receivingThreads.add(Thread.currentThread().getName());
                    try {
                        return super.receive(source, maxMessages, wait);
                    } finally {
                        open.decrementAndGet();
                        receives.incrementAndGet();
                    }
                }

                @Override
                public CompletableFuture<Void> ackBatch(List<? extends Delivery> deliveries) {
                    deliveries.forEach(d -> {
                        if (!acked.add(d.id())) {
                            ackedAgain.incrementAndGet();
                        }
                    });
                    return super.ackBatch(deliveries);
                }

                @Override
                public void close() {} // the memory transport is closed by the test
            };
            try (Client client = Client.builder(network).pollWait(Duration.ofMillis(20)).build().start()) {
                await().until(() -> receives.get() >= 10);
                assertThat(most.get()).as("no answers coming: one receive open").isEqualTo(1);
                // 2,000 answers waiting when the client next reads: each receive brings all it asks for
                gate.set(new java.util.concurrent.CountDownLatch(1));
                List<CompletableFuture<Response>> calls = new java.util.ArrayList<>();
                for (int i = 0; i < 2_000; i++) {
                    calls.add(client.call(Request.builder("outpost.ping").build(), Duration.ofSeconds(60)));
                }
                try (Worker worker = Worker.builder(memory).pollWait(Duration.ofMillis(20)).build().start()) {
                    // all answered: waiting, or taken by the one receive open before the gate closed
                    await().until(() -> memory.depth(client.replyTo()).getAsLong() + calls.stream().filter(CompletableFuture::isDone)
                            .count() == 2_000);
                    gate.get().countDown();
                    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, java.util.concurrent.TimeUnit.SECONDS);
                }
                assertThat(calls).allSatisfy(c -> assertThat(c.join().isOk()).isTrue());
                await().until(() -> acked.size() == 2_000);
                assertThat(ackedAgain.get()).isZero();
                assertThat(memory.depth(client.replyTo()).getAsLong()).isZero();
                assertThat(receivingThreads).as("the client's reply pollers").hasSize(Client.REPLY_POLLERS);
            }
        }
    }

    @Test
    void theAnswersOfOneReceiveAreAckedInOneBatch() {
        try (InMemoryTransport memory = InMemoryTransport.create()) {
            CountingAcks transport = new CountingAcks(memory);
            JsonCodec json = JsonCodec.create();
            List<Response> heard = new CopyOnWriteArrayList<>();
            Client client = Client.builder(transport).replyTo("answers").pollWait(Duration.ofMillis(50)).onResponse(heard::add).build();
            Instant now = Instant.now();
            for (int i = 0; i < 3; i++) { // queued before the client starts: its first receive takes all three
                Request r = Request.builder("app.work").replyTo("answers").build();
                memory.send("answers", Message.of(json.encodeResponse(Response.ok(r, Json.object().put("i", i), "w" + i, 1, now, now),
                        Optional.empty()))).join();
            }
            memory.send("answers", Message.of(new byte[] {1, 2, 3})).join(); // undecodable: dropped, and acked with the rest
            try (client) {
                client.start();
                await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() == 3);
                await().until(() -> memory.peek("answers").isEmpty());
                assertThat(transport.batches).containsExactly(4);
                assertThat(client.undecodableResponses()).isEqualTo(1);
                assertThat(memory.stats().acks()).isEqualTo(4);
            }
        }
    }
}
