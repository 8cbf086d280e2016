package dev.outpost.core;

import dev.outpost.ShutdownResult;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.ConfigException;
import dev.outpost.ErrorInfo;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Sender;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a hostile sender or a buggy collector can do to a worker, and what the worker does about it. */
class WorkerHardeningTest {
    private final InMemoryTransport transport = InMemoryTransport.create();
    private final JsonCodec codec = JsonCodec.create();

    @AfterEach
    void close() {
        transport.close();
    }

    private Worker.Builder worker() {
        return Worker.builder(transport).pollWait(Duration.ofMillis(20)).backoff(Duration.ZERO, Duration.ZERO);
    }

    private void raw(String json) {
        transport.send("requests", Message.of(json.getBytes(StandardCharsets.UTF_8))).join();
    }

    private List<Message> deadLetters(int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> transport.peek("dead-letter").size() >= n);
        return transport.peek("dead-letter");
    }

    private static String reason(Message m) {
        return m.attributes().get("outpost-reject-reason");
    }

    @Test
    void aCollectorThrowingAnErrorIsAnsweredAndTheLoopGoesOn() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (Worker w = worker().maxAttempts(2)
                        .collector(Collectors.of("oom", (r, c) -> {
                            calls.incrementAndGet();
                            throw new OutOfMemoryError("pretend");
                        }))
                        .collector(Collectors.of("fine", (r, c) -> "ok")).build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start()) {
            Response r = client.call(Request.builder("oom").build(), Duration.ofSeconds(10)).get();
            assertThat(r.error().orElseThrow().code()).isEqualTo("collector-failed");
            assertThat(calls).hasValue(2);
            assertThat(reason(deadLetters(1).get(0))).isEqualTo("attempts-exhausted");
            for (int i = 0; i < 20; i++) {
                assertThat(client.call(Request.builder("fine").build(), Duration.ofSeconds(10)).get().isOk()).isTrue();
            }
            assertThat(w.status().healthy()).isTrue();
        }
    }

    @Test
    void aListenerThrowingAnErrorIsCountedAndChangesNothing() throws Exception {
        WorkerListener hostile = new WorkerListener() {
            @Override
            public void onReceived(Delivery delivery) {
                throw new StackOverflowError("listener");
            }

            @Override
            public void onCompleted(Request request, Response response, Duration elapsed) {
                throw new IllegalStateException("listener");
            }
        };
        try (Worker w = worker().listener(hostile).collector(Collectors.of("fine", (r, c) -> "ok")).build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start()) {
            for (int i = 0; i < 10; i++) {
                assertThat(client.call(Request.builder("fine").build(), Duration.ofSeconds(10)).get().isOk()).isTrue();
            }
            await().until(() -> w.status().counters().listenerErrors() == 20);
            await().until(() -> w.status().counters().succeeded() == 10);
        }
    }

    @Test
    void everyListenerAddedHearsEachRequestInOrderWhateverAnEarlierOneThrew() throws Exception {
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        WorkerListener first = new WorkerListener() {
            @Override
            public void onCompleted(Request request, Response response, Duration elapsed) {
                heard.add("first " + request.id());
                throw new StackOverflowError("listener");
            }
        };
        WorkerListener second = new WorkerListener() {
            @Override
            public void onCompleted(Request request, Response response, Duration elapsed) {
                heard.add("second " + request.id());
            }
        };
        try (Worker w = worker().concurrency(1).listener(first).listener(second).collector(Collectors.of("fine", (r, c) -> "ok"))
                .build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start()) {
            Request r = Request.builder("fine").build();
            assertThat(client.call(r, Duration.ofSeconds(10)).get().isOk()).isTrue();
            // before: the second listener replaced the first, which heard nothing
            await().until(() -> heard.size() == 2);
            assertThat(heard).containsExactly("first " + r.id(), "second " + r.id());
            await().until(() -> w.status().counters().listenerErrors() == 1);
        }
    }

    @Test
    void aListenerThatRestoresAnInterruptDoesNotEndTheThreadItRanOn() throws Exception {
        // the usual idiom after catching an InterruptedException: it leaves the thread's interrupt flag set
        WorkerListener restoring = new WorkerListener() {
            @Override
            public void onCompleted(Request request, Response response, Duration elapsed) {
                Thread.currentThread().interrupt();
            }
        };
        try (Worker w = worker().concurrency(1).listener(restoring).collector(Collectors.of("fine", (r, c) -> "ok"))
                .build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start()) {
            assertThat(client.call(Request.builder("fine").build(), Duration.ofSeconds(60)).get().isOk()).isTrue();
            // before: the slot's thread took the flag for a shutdown and ended, and nothing received again
            assertThat(client.call(Request.builder("fine").build(), Duration.ofSeconds(60)).get(10, TimeUnit.SECONDS)
                    .isOk()).isTrue();
            assertThat(w.status().threads()).allSatisfy(t -> assertThat(t.alive()).isTrue());
        }
    }

    @Test
    void aCodecThrowingAnErrorWhileAnsweringNeitherKeepsTheSlotNorLosesTheRequest() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean(true);
        Codec failingOnce = new JsonCodecDelegate() {
            @Override
            public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
                if (armed.getAndSet(false)) {
                    throw new StackOverflowError("encoding a deep result");
                }
                return json.encodeResponse(response, recipient);
            }
        };
        try (Worker w = worker().concurrency(1).codec(failingOnce).collector(Collectors.of("fine", (r, c) -> "ok"))
                .build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start()) {
            // before: the delivery was claimed for answering when the Error came, so the internal-failure path
            // left it alone: its slot (the only one) was never given back and nothing ran again
            assertThat(client.call(Request.builder("fine").build(), Duration.ofSeconds(60)).get(10, TimeUnit.SECONDS)
                    .isOk()).isTrue();
            assertThat(client.call(Request.builder("fine").build(), Duration.ofSeconds(60)).get(10, TimeUnit.SECONDS)
                    .isOk()).isTrue();
            await().until(() -> w.status().inFlight() == 0);
            assertThat(w.status().counters().internalErrors()).isEqualTo(1);
        }
    }

    @Test
    void shutdownSaysWhenACollectorIgnoresInterrupts() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Worker w = worker().drainTimeout(Duration.ofMillis(100))
                .collector(Collectors.of("stubborn", (r, c) -> {
                    running.countDown();
                    while (true) {
                        try {
                            release.await();
                            return "finally";
                        } catch (InterruptedException ignored) {
                            // a collector that swallows interrupts
                        }
                    }
                })).build().start();
        Client client = Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start();
        client.send(Request.builder("stubborn").build()).join();
        running.await();
        ShutdownResult r = w.shutdown().join();
        assertThat(r.clean()).isFalse();
        assertThat(r.threadsStillAlive()).anyMatch(n -> n.contains("runner"));
        assertThat(r.handedBack()).isEqualTo(1);
        assertThat(w.shutdown().join()).isSameAs(r);
        release.countDown();
        client.close();
    }

    @Test
    void aSourceThatDoesNotExistFailsTheStartNamingItAndTheWorkerStartsOnceItExists() throws Exception {
        try (InMemoryTransport strict = InMemoryTransport.builder().autoCreate(false).build();
                Worker w = Worker.builder(strict).requests("jobs").pollWait(Duration.ofMillis(20))
                        .collector(Collectors.of("work", (r, c) -> "done")).build()) {
            // before: the worker started, warned once, and polled a queue that would never exist
            assertThatThrownBy(w::start).isInstanceOf(dev.outpost.spi.NoSuchDestinationException.class)
                    .hasMessageContaining("jobs");
            assertThat(w.status().state()).isEqualTo(WorkerStatus.State.NEW);
            strict.queue("jobs", dev.outpost.inmemory.QueueOptions.defaults());
            w.start();
            assertThat(w.status().state()).isEqualTo(WorkerStatus.State.RUNNING);
        }
    }

    @Test
    void aTransportThatCannotCheckTheSourceNowStillLetsTheWorkerStart() throws Exception {
        try (InMemoryTransport memory = InMemoryTransport.create()) {
            dev.outpost.spi.Transport unreachable = new dev.outpost.spi.ForwardingTransport(memory) {
                @Override
                public void verify(String destination) {
                    // what the Transport SPI says a check that could not be made throws
                    throw new dev.outpost.spi.TransportException(destination, "the broker did not answer (test)");
                }
            };
            try (Worker w = Worker.builder(unreachable).requests("jobs").pollWait(Duration.ofMillis(20))
                    .collector(Collectors.of("work", (r, c) -> "done")).build();
                    Client client = Client.builder(memory).requests("jobs").pollWait(Duration.ofMillis(20)).build().start()) {
                // before: the start failed, though an outage now is one the worker waits out
                w.start();
                assertThat(w.status().state()).isEqualTo(WorkerStatus.State.RUNNING);
                assertThat(client.call(Request.builder("work").build(), Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS)
                        .result().orElseThrow().asText()).isEqualTo("done");
            }
        }
    }

    @Test
    void aReplyDestinationThatDoesNotExistIsDeadLetteredAfterOneRun() throws Exception {
        InMemoryTransport strict = InMemoryTransport.builder().autoCreate(false).build();
        strict.queue("requests", dev.outpost.inmemory.QueueOptions.defaults());
        strict.queue("dead-letter", dev.outpost.inmemory.QueueOptions.defaults());
        AtomicInteger runs = new AtomicInteger();
        try (Worker w = Worker.builder(strict).pollWait(Duration.ofMillis(20)).backoff(Duration.ZERO, Duration.ZERO)
                .allowReplyTo("*").collector(Collectors.of("work", (r, c) -> runs.incrementAndGet())).build().start()) {
            Request r = Request.builder("work").replyTo("no-such-queue").build();
            strict.send("requests", Message.of(codec.encodeRequest(r))).join();
            await().atMost(Duration.ofSeconds(10)).until(() -> strict.peek("dead-letter").size() == 1);
            Message dead = strict.peek("dead-letter").get(0);
            assertThat(reason(dead)).isEqualTo("unanswerable");
            assertThat(dead.attributes().get("outpost-reject-detail")).contains("no-such-queue");
            assertThat(runs).hasValue(1);
            assertThat(w.status().counters().succeeded()).isZero();
        } finally {
            strict.close();
        }
    }

    @Test
    void aResultIsNotRecomputedWhenPublishingItFailsAndGivesUpAfterMaxAttempts() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        TappedTransport flaky = new TappedTransport(transport);
        flaky.failSendsTo("replies-down");
        try (Worker w = Worker.builder(flaky).pollWait(Duration.ofMillis(20)).backoff(Duration.ZERO, Duration.ZERO)
                .maxAttempts(3).allowReplyTo("replies-*").collector(Collectors.of("work", (r, c) -> runs.incrementAndGet()))
                .build().start()) {
            raw(new String(codec.encodeRequest(Request.builder("work").replyTo("replies-down").build()), StandardCharsets.UTF_8));
            Message dead = deadLetters(1).get(0);
            assertThat(reason(dead)).isEqualTo("unanswerable");
            assertThat(runs).hasValue(1);
            assertThat(w.status().counters().received()).isEqualTo(3);
        }
    }

    @Test
    void replyDestinationsOutsideTheAllowListAreRefused() {
        try (Worker w = worker().collector(Collectors.of("work", (r, c) -> "ok")).build().start()) {
            raw(new String(codec.encodeRequest(Request.builder("work").replyTo("payments-queue").build()), StandardCharsets.UTF_8));
            Message dead = deadLetters(1).get(0);
            assertThat(reason(dead)).isEqualTo("reply-to-refused");
            assertThat(transport.peek("payments-queue")).isEmpty();
        }
    }

    @Test
    void hostileNumbersAndNestingAreRefusedOnceNotRetriedForEver() {
        try (Worker w = worker().collector(Collectors.of("work", (r, c) -> "ok")).build().start()) {
            raw("{\"v\":1,\"id\":\"inf\",\"collector\":\"work\",\"params\":{\"n\":1e999},\"sentAt\":\"2026-01-01T00:00:00Z\"}");
            raw("{\"v\":1,\"id\":\"deep\",\"collector\":\"outpost.ping\",\"params\":" + "{\"a\":".repeat(998) + "1"
                    + "}".repeat(998) + ",\"sentAt\":\"2026-01-01T00:00:00Z\"}");
            raw("{\"v\":1,\"id\":\"future\",\"collector\":\"work\",\"params\":{},\"sentAt\":\"+999999999-12-31T23:59:59Z\",\"ttl\":1000}");
            List<Message> dead = deadLetters(3);
            assertThat(dead).extracting(WorkerHardeningTest::reason).containsOnly("undecodable", "schema-invalid");
            assertThat(w.status().counters().received()).isEqualTo(3);
        }
    }

    @Test
    void controlCharactersOfARequestNeverReachTheLogLineOrTheDeadLetterDetail() {
        try (Worker w = worker().collector(Collectors.of("work", (r, c) -> "ok")).build().start()) {
            // a newline in an id would forge a log line, ESC would drive the operator's terminal: such an id is refused
            raw("{\"v\":1,\"id\":\"x\\n2026-01-01 WARN forged\\u001b[2J\",\"collector\":\"work\",\"params\":{},"
                    + "\"sentAt\":\"2020-01-01T00:00:00Z\",\"ttl\":1}");
            Message dead = deadLetters(1).get(0);
            assertThat(reason(dead)).isEqualTo("schema-invalid");
            String detail = dead.attributes().get("outpost-reject-detail");
            assertThat(detail).contains("id must not contain control characters").doesNotContain("forged");
            assertThat(detail.chars().filter(Character::isISOControl).count()).isZero();
        }
    }

    @Test
    void envelopeNumbersTooLargeForTheirFieldAreRefusedNotWrapped() {
        AtomicInteger ran = new AtomicInteger();
        try (Worker w = worker().collector(Collectors.of("work", (r, c) -> ran.incrementAndGet())).build().start()) {
            // 2^32 + 1 read as an int is 1, 2^64 + 1 read as a long is 1 (a ttl of one millisecond)
            raw("{\"v\":4294967297,\"id\":\"v-wraps\",\"collector\":\"work\",\"params\":{},\"sentAt\":\"2026-01-01T00:00:00Z\"}");
            raw("{\"v\":1,\"id\":\"ttl-wraps\",\"collector\":\"work\",\"params\":{},\"sentAt\":\"2026-01-01T00:00:00Z\","
                    + "\"ttl\":18446744073709551617}");
            List<Message> dead = deadLetters(2);
            assertThat(dead).extracting(WorkerHardeningTest::reason).containsOnly("schema-invalid");
            assertThat(ran).hasValue(0);
        }
    }

    @Test
    void paramsUpToTheDocumentedDepthWorkAndADeeperResultIsAnsweredAsAnError() throws Exception {
        int depth = JsonCodec.MAX_DEPTH - 2; // the document and params themselves count
        String nested = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        try (Worker w = worker().collector(Collectors.of("deep", (r, c) -> {
                    Map<String, Object> m = Map.of("x", 1);
                    for (int i = 0; i < 200; i++) {
                        m = Map.of("x", m);
                    }
                    return m;
                })).build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start()) {
            Response ping = client.call(Request.builder("outpost.ping").params(dev.outpost.Json.parse(nested)).build(),
                    Duration.ofSeconds(10)).get();
            assertThat(ping.isOk()).isTrue();
            Response deep = client.call(Request.builder("deep").build(), Duration.ofSeconds(10)).get();
            assertThat(deep.error().map(ErrorInfo::code)).contains("unencodable-result");
        }
    }

    @Test
    void numbersJsonCannotCarryAreRefusedAtTheCallerAndAnsweredAsAnErrorByTheWorker() throws Exception {
        try (Worker w = worker().collector(Collectors.of("nan", (r, c) -> Map.of("load", Double.NaN))).build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start()) {
            // Jackson would send the string "Infinity": the worker would read a string where a number was meant
            Request infinite = Request.builder("outpost.ping").param("limit", Double.POSITIVE_INFINITY).build();
            assertThatThrownBy(() -> client.call(infinite, Duration.ofSeconds(10)).get())
                    .hasRootCauseInstanceOf(IllegalArgumentException.class).rootCause().hasMessageContaining("/limit");
            Response nan = client.call(Request.builder("nan").build(), Duration.ofSeconds(10)).get();
            assertThat(nan.error().map(ErrorInfo::code)).contains("unencodable-result");
        }
    }

    @Test
    void anUnexpectedFailureIsRetriedThenDeadLetteredAsAnInternalErrorWithAnIncidentId() {
        Codec broken = new Codec() {
            @Override
            public byte[] encodeRequest(Request request) {
                return codec.encodeRequest(request);
            }

            @Override
            public Decoded<Request> decodeRequest(byte[] body) {
                throw new AssertionError("a bug in a codec: /srv/secret/path");
            }

            @Override
            public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
                return codec.encodeResponse(response, recipient);
            }

            @Override
            public Decoded<Response> decodeResponse(byte[] body) {
                return codec.decodeResponse(body);
            }
        };
        try (Worker w = worker().codec(broken).maxAttempts(3).collector(Collectors.of("work", (r, c) -> "ok")).build().start()) {
            raw("{}");
            Message dead = deadLetters(1).get(0);
            assertThat(reason(dead)).isEqualTo("internal-error");
            assertThat(dead.attributes().get("outpost-reject-detail")).contains("incident").doesNotContain("/srv/secret");
            assertThat(w.status().counters().internalErrors()).isEqualTo(3);
            assertThat(w.status().healthy()).isTrue();
        }
    }

    @Test
    void duplicatesAreRecognisedPerSenderSoOneSenderCannotCancelAnothersRequest() {
        AtomicInteger runs = new AtomicInteger();
        Codec alice = new TrustingCodec(Sender.of("a", "alice"));
        try (Worker w = worker().codec(alice).suppressDuplicates(100).collector(Collectors.of("work", (r, c) -> runs.incrementAndGet()))
                .build().start()) {
            Request r = Request.builder("work").build();
            raw(new String(codec.encodeRequest(r), StandardCharsets.UTF_8));
            await().until(() -> runs.get() == 1);
            raw(new String(codec.encodeRequest(r), StandardCharsets.UTF_8));
            await().until(() -> w.status().counters().duplicates() == 1);
        }
        runs.set(0);
        // the same id from two different senders: both run
        Set<String> senders = ConcurrentHashMap.newKeySet();
        AtomicInteger which = new AtomicInteger();
        try (Worker w = worker().codec(new Codec() {
                    @Override
                    public byte[] encodeRequest(Request request) {
                        return codec.encodeRequest(request);
                    }

                    @Override
                    public Decoded<Request> decodeRequest(byte[] body) {
                        String name = which.incrementAndGet() % 2 == 0 ? "bob" : "mallory";
                        return new Decoded<>(codec.decodeRequest(body).document(), Optional.of(Sender.of(name, name)));
                    }

                    @Override
                    public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
                        return codec.encodeResponse(response, recipient);
                    }

                    @Override
                    public Decoded<Response> decodeResponse(byte[] body) {
                        return codec.decodeResponse(body);
                    }
                }).suppressDuplicates(100).collector(Collectors.of("work", (r, c) -> {
                    senders.add(c.sender().orElseThrow().name());
                    return runs.incrementAndGet();
                })).build().start()) {
            Request r = Request.builder("work").build();
            raw(new String(codec.encodeRequest(r), StandardCharsets.UTF_8));
            raw(new String(codec.encodeRequest(r), StandardCharsets.UTF_8));
            await().until(() -> runs.get() == 2);
            assertThat(senders).containsExactlyInAnyOrder("bob", "mallory");
            assertThat(w.status().counters().duplicates()).isZero();
        }
    }

    @Test
    void settingsACollectorRefusesFailTheBuildNotTheFirstRequest() {
        dev.outpost.spi.Collector picky = new dev.outpost.spi.Collector() {
            @Override
            public String name() {
                return "picky";
            }

            @Override
            public void validateSettings(Map<String, String> settings) {
                if (!settings.containsKey("root")) {
                    throw ConfigException.of("root", "is required: the directory to read");
                }
            }

            @Override
            public Object collect(Request request, dev.outpost.spi.CollectorContext context) {
                return context.settings().get("root");
            }
        };
        assertThatThrownBy(() -> worker().collector(picky).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .extracting(ConfigException.Problem::key).containsExactly("outpost.collectors.picky.root"));
        worker().collector(picky).settings("picky", Map.of("root", "/data")).build().close();
    }

    @Test
    void everyThreadComesFromTheFactoryAndDefaultNamesAreUniquePerInstance() {
        Set<String> made = ConcurrentHashMap.newKeySet();
        try (Worker a = worker().threadFactory(r -> {
                    Thread t = new Thread(r, "mine-" + made.size());
                    made.add(t.getName());
                    return t;
                }).concurrency(2).build().start();
                Worker b = worker().build().start();
                Worker c = worker().build().start()) {
            assertThat(made).hasSizeGreaterThanOrEqualTo(3); // a thread per slot (or a poller and runners) and a timer
            String bPoller = b.status().threads().get(0).name();
            String cPoller = c.status().threads().get(0).name();
            assertThat(bPoller).matches("outpost-worker-\\d+-(poller|runner)-\\d+");
            assertThat(bPoller).isNotEqualTo(cPoller);
            assertThat(a.status().threads().get(0).name()).startsWith("mine-");
        }
    }

    @Test
    void rejectReasonsAreExtensibleValues() {
        RejectReason own = RejectReason.of("bad-seal", false);
        assertThat(own).isEqualTo(RejectReason.of("bad-seal", true)).isNotEqualTo(RejectReason.UNDECODABLE);
        assertThat(own.code()).isEqualTo("bad-seal");
        assertThatThrownBy(() -> RejectReason.of("Bad Seal!", false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCollectorThatClosesItsWorkerIsAnsweredAndTheShutdownDoesNotWaitForIt() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Worker> self = new java.util.concurrent.atomic.AtomicReference<>();
        Worker w = worker().drainTimeout(Duration.ofSeconds(5)).collector(Collectors.of("stop", (r, c) -> {
            self.get().close(); // an admin collector that stops its worker
            return "stopping";
        })).build();
        self.set(w);
        try (Client client = Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start()) {
            w.start();
            // before: close() in the collector waited for the shutdown, which waited for the collector's thread
            // until the drain timeout, handed its delivery back and reported the thread as still running
            assertThat(client.call(Request.builder("stop").build(), Duration.ofSeconds(60)).get(10, TimeUnit.SECONDS)
                    .isOk()).isTrue();
            ShutdownResult r = w.shutdown().get(10, TimeUnit.SECONDS);
            assertThat(r.threadsStillAlive()).isEmpty();
            assertThat(r.handedBack()).isZero();
        } finally {
            w.close();
        }
    }

    @Test
    void anAckThatThrowsAfterAnAsynchronousPublishGivesTheSlotBack() throws Exception {
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<Void>> held =
                new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean(true);
        dev.outpost.spi.Transport throwingAck = new dev.outpost.spi.Transport() {
            @Override
            public java.util.concurrent.CompletableFuture<Void> send(String destination, Message message) {
                transport.send(destination, message).join();
                // the first send's confirmation comes when the test says, as a network transport's comes later
                java.util.concurrent.CompletableFuture<Void> later = new java.util.concurrent.CompletableFuture<>();
                return held.compareAndSet(null, later) ? later : java.util.concurrent.CompletableFuture.completedFuture(null);
            }

            @Override
            public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
                return transport.receive(source, maxMessages, wait).stream().map(d -> (Delivery) new ForwardingDelivery(d) {
                    @Override
                    public java.util.concurrent.CompletableFuture<Void> ack() {
                        if (armed.getAndSet(false)) {
                            throw new IllegalStateException("the client is closed"); // thrown, not a failed future
                        }
                        return d.ack();
                    }
                }).toList();
            }

            @Override
            public boolean receivesLocally() {
                return true; // one slot, one thread that receives and runs
            }

            @Override
            public void close() {}
        };
        java.util.concurrent.atomic.AtomicReference<Thread> slotThread = new java.util.concurrent.atomic.AtomicReference<>();
        try (Worker w = Worker.builder(throwingAck).pollWait(Duration.ofMillis(20)).concurrency(1)
                .collector(Collectors.of("fine", (r, c) -> {
                    slotThread.set(Thread.currentThread());
                    return "ok";
                })).build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start()) {
            assertThat(client.call(Request.builder("fine").build(), Duration.ofSeconds(60)).get(10, TimeUnit.SECONDS)
                    .isOk()).isTrue();
            // the answer's publish is still unconfirmed, so its slot is taken: the slot's thread waits for it
            await().atMost(Duration.ofSeconds(10)).until(() -> java.util.Arrays.stream(slotThread.get().getStackTrace())
                    .anyMatch(e -> e.getClassName().endsWith("BatchPermits")) && slotThread.get().getState() == Thread.State.WAITING);
            held.get().complete(null); // the ack runs here, in the publish's completion, and throws
            // before: nothing caught it there, and the one slot stayed taken for good
            assertThat(client.call(Request.builder("fine").build(), Duration.ofSeconds(60)).get(10, TimeUnit.SECONDS)
                    .isOk()).isTrue();
        }
    }
}
