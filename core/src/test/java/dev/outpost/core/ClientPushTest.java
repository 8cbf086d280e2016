package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A client on a transport that pushes ({@link dev.outpost.spi.Transport#push}): its answers routed by their sender. */
class ClientPushTest {
    private final InMemoryTransport transport = InMemoryTransport.create();

    @AfterEach
    void close() {
        transport.close();
    }

    private void answer(String replyTo, Request request) {
        Instant now = Instant.now();
        Response r = Response.ok(request, Json.object(), "w1", 1, now, now);
        transport.send(replyTo, Message.of(JsonCodec.create().encodeResponse(r, Optional.empty()))).join();
    }

    @Test
    void theCallbackPoolsThreadsAreMadeAtStartNotOnTheThreadThatSentTheFirstAnswer() throws Exception {
        ClassLoader workersLoader = new java.net.URLClassLoader(new java.net.URL[0], null);
        List<Thread> asked = new CopyOnWriteArrayList<>();
        java.util.concurrent.ThreadFactory factory = r -> {
            asked.add(Thread.currentThread());
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        };
        try (Client c = Client.builder(transport).pollWait(Duration.ofSeconds(20)).threadFactory(factory).build().start()) {
            Request r = Request.builder("echo").build();
            CompletableFuture<ClassLoader> seen = c.call(r, Duration.ofMinutes(1))
                    .thenApply(x -> Thread.currentThread().getContextClassLoader());
            // the answer's sender, as a worker's thread with its application's class loader would be
            Thread worker = new Thread(() -> answer(c.replyTo(), r), "a-worker-thread");
            worker.setContextClassLoader(workersLoader);
            worker.start();
            worker.join();
            // before: the pool made its first thread there, inheriting the worker's class loader (and inheritable
            // thread-locals), and called the client's thread factory on the worker's thread
            assertThat(seen.get(10, TimeUnit.SECONDS)).isNotSameAs(workersLoader);
            assertThat(asked).doesNotContain(worker);
        }
    }

    @Test
    void aCallIsAnsweredByTheSendOfItsAnswerWithNoReceiveBetween() throws Exception {
        try (Client c = Client.builder(transport).pollWait(Duration.ofSeconds(20)).build().start()) {
            Request r = Request.builder("echo").build();
            CompletableFuture<Response> call = c.call(r, Duration.ofMinutes(1));
            answer(c.replyTo(), r);
            assertThat(call).as("complete when the answer's send returned").isCompleted();
            assertThat(call.get().requestId()).isEqualTo(r.id());
            assertThat(transport.inFlight(c.replyTo())).as("acked at once").isZero();
            assertThat(transport.peek(c.replyTo())).isEmpty();
            assertThat(call.thenApply(x -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS))
                    .as("continuations still on the callback pool, not on the sender's thread")
                    .isNotEqualTo(Thread.currentThread().getName());
        }
    }

    @Test
    void anUndecodableAnswerPushedIsCountedAndDroppedAndTheNextOneStillRoutes() throws Exception {
        try (Client c = Client.builder(transport).build().start()) {
            transport.send(c.replyTo(), Message.of("{not json".getBytes(StandardCharsets.UTF_8))).join();
            assertThat(c.undecodableResponses()).isEqualTo(1);
            assertThat(transport.peek(c.replyTo())).isEmpty();
            Request r = Request.builder("echo").build();
            CompletableFuture<Response> call = c.call(r, Duration.ofMinutes(1));
            answer(c.replyTo(), r);
            assertThat(call).isCompleted();
        }
    }

    @Test
    void aTransportWhosePushFailsLeavesTheClientPollingAndStartReturns() throws Exception {
        Transport broken = new ForwardingTransport(transport) {
            @Override
            public Optional<Push> push(String source, Consumer<Delivery> receiver) {
                throw new IllegalStateException("push broke");
            }
        };
        Client c = Client.builder(broken).pollWait(Duration.ofMillis(50)).build();
        try (c) {
            c.start();
            Request r = Request.builder("echo").build();
            CompletableFuture<Response> call = c.call(r, Duration.ofMinutes(1));
            answer(c.replyTo(), r);
            assertThat(call.get(10, TimeUnit.SECONDS).requestId()).as("answered by the poller").isEqualTo(r.id());
        }
    }

    @Test
    void aTransportWhosePushGivesNullLeavesTheClientPolling() throws Exception {
        Transport broken = new ForwardingTransport(transport) {
            @Override
            public Optional<Push> push(String source, Consumer<Delivery> receiver) {
                return null;
            }
        };
        try (Client c = Client.builder(broken).pollWait(Duration.ofMillis(50)).build().start()) {
            Request r = Request.builder("echo").build();
            CompletableFuture<Response> call = c.call(r, Duration.ofMinutes(1));
            answer(c.replyTo(), r);
            assertThat(call.get(10, TimeUnit.SECONDS).requestId()).isEqualTo(r.id());
        }
    }

    /** A JSON codec whose first decode waits, on the thread routing the answer, until let go. */
    private static final class PausingCodec extends JsonCodecDelegate {
        final CountDownLatch decoding = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        private final AtomicBoolean first = new AtomicBoolean(true);

        @Override
        public Decoded<Response> decodeResponse(byte[] body) {
            if (first.getAndSet(false)) {
                decoding.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return json.decodeResponse(body);
        }

        Message answer(Request r) {
            Instant now = Instant.now();
            return Message.of(json.encodeResponse(Response.ok(r, Json.object(), "w1", 1, now, now), Optional.empty()));
        }

        String requestId(Message m) {
            return json.decodeResponse(m.body()).document().requestId();
        }
    }

    /** Sends {@code answers} as one batch on another thread, shuts {@code c} down while the first is decoded there. */
    private static void shutDownWhileTheFirstIsRouted(InMemoryTransport transport, Client c, PausingCodec codec,
            List<Message> answers) throws Exception {
        Thread sender = new Thread(() -> transport.sendBatch(c.replyTo(), answers).join(), "sender");
        sender.start();
        assertThat(codec.decoding.await(10, TimeUnit.SECONDS)).isTrue();
        c.shutdown().get(10, TimeUnit.SECONDS);
        codec.go.countDown();
        sender.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(sender.isAlive()).isFalse();
    }

    @Test
    void anAnswerPushedAfterItsClientShutDownWaitsForTheNextClientAndNoListenerHearsIt() throws Exception {
        PausingCodec codec = new PausingCodec();
        List<String> heard = new CopyOnWriteArrayList<>();
        Client c = Client.builder(transport).codec(codec).onResponse(r -> heard.add(r.requestId())).build().start();
        Request r1 = Request.builder("echo").build();
        Request r2 = Request.builder("echo").build();
        shutDownWhileTheFirstIsRouted(transport, c, codec, List.of(codec.answer(r1), codec.answer(r2)));
        assertThat(transport.peek(c.replyTo())).as("the answer pushed after the client stopped waits for the next one")
                .extracting(codec::requestId).contains(r2.id());
        assertThat(transport.inFlight(c.replyTo())).as("handed back at once, not after the visibility timeout").isZero();
        assertThat(heard).as("no listener of a closed client heard it").doesNotContain(r2.id());
    }

    @Test
    void anAnswerDecodedOnTheSendersThreadAsItsClientShutsDownWaitsForTheNextClient() throws Exception {
        PausingCodec codec = new PausingCodec();
        List<String> heardOn = new CopyOnWriteArrayList<>();
        Client c = Client.builder(transport).codec(codec).onResponse(r -> heardOn.add(Thread.currentThread().getName()))
                .build().start();
        Request r = Request.builder("echo").build();
        shutDownWhileTheFirstIsRouted(transport, c, codec, List.of(codec.answer(r)));
        assertThat(transport.peek(c.replyTo())).as("not routed by the client that stopped meanwhile")
                .extracting(codec::requestId).containsExactly(r.id());
        assertThat(transport.inFlight(c.replyTo())).isZero();
        assertThat(heardOn).as("a closed client's listener ran on the worker's (sender's) thread").isEmpty();
    }

    @Test
    void aClientShutDownIsPushedNothingMoreAndItsAnswersWait() throws Exception {
        Client c = Client.builder(transport).build().start();
        String replyTo = c.replyTo();
        c.shutdown().get(10, TimeUnit.SECONDS);
        answer(replyTo, Request.builder("echo").build());
        assertThat(transport.peek(replyTo)).as("not taken by a stopped client").hasSize(1);
        assertThat(transport.inFlight(replyTo)).isZero();
        Client next = Client.builder(transport).replyTo(replyTo).build().start();
        try (next) {
            assertThat(transport.push(replyTo, d -> {})).as("the new client took the pushes").isEmpty();
        }
    }

    @Test
    void aCodecThatThrowsAnErrorOnAnAnswerDropsThatAnswerOnceAndTheClientGoesOn() throws Exception {
        Codec failing = new JsonCodecDelegate() {
            @Override
            public Decoded<Response> decodeResponse(byte[] body) {
                if (new String(body, StandardCharsets.UTF_8).contains("boom")) {
                    throw new AssertionError("the codec failed (an Error)");
                }
                return json.decodeResponse(body);
            }
        };
        // polled (a decorator is never pushed to) and pushed: the same answer either way
        for (dev.outpost.spi.Transport t : java.util.List.of(new dev.outpost.spi.ForwardingTransport(transport) { }, transport)) {
            try (Client c = Client.builder(t).codec(failing).build().start()) {
                transport.send(c.replyTo(), Message.of("boom".getBytes(StandardCharsets.UTF_8))).join();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> c.undecodableResponses() == 1);
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> transport.inFlight(c.replyTo()) == 0 && transport.peek(c.replyTo()).isEmpty());
                Request r = Request.builder("echo").build();
                CompletableFuture<Response> call = c.call(r, Duration.ofMinutes(1));
                answer(c.replyTo(), r);
                assertThat(call.get(10, TimeUnit.SECONDS).requestId()).isEqualTo(r.id());
            }
        }
    }
}
