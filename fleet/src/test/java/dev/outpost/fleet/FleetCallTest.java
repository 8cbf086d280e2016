package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.ErrorInfo;
import dev.outpost.Json;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.fleet.TestHosts.Behaviour;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Message;
import dev.outpost.spi.Sender;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FleetCallTest {
    final TestHosts hosts = new TestHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    private Fleet fleet() {
        Fleet f = hosts.fleet().build().start();
        hosts.closeables.add(f);
        return f;
    }

    /**
     * Waits until the {@code answering} hosts have their results (the others are stuck in a collector or down), then
     * moves time past the deadline. Counting pending hosts instead moved it while hosts that answer were still on
     * their way, on a slow machine, and they ended NO_REPLY.
     */
    private FleetSummary finish(FleetCall call, int answering, Duration past) {
        await().atMost(Duration.ofSeconds(20)).until(() -> call.results().size() >= answering || call.summary().isDone());
        CompletableFuture<FleetSummary> s = call.summary();
        while (!s.isDone()) {
            hosts.time.advance(past);
            await().atMost(Duration.ofSeconds(5)).until(() -> s.isDone() || call.pending().isEmpty());
        }
        return s.join();
    }

    @ParameterizedTest
    @EnumSource(value = Route.class, names = {"TOPIC", "DIRECT"})
    void everyExpectedHostEndsInExactlyOneStateAndTheRestIsCountedApart(Route route) {
        for (int i = 1; i <= 6; i++) {
            hosts.add("web-" + i, Behaviour.OK, "web");
        }
        hosts.add("web-7", Behaviour.FAIL, "web");
        hosts.add("web-8", Behaviour.NO_COLLECTOR, "web");
        hosts.add("web-9", Behaviour.SLOW, "web");
        hosts.add("web-10", Behaviour.OK, "web"); // registered, then its worker stops: no reply
        hosts.add("db-1", Behaviour.OK, "db");
        hosts.workers.keySet().forEach(hosts::start);
        hosts.workers.get("web-10").shutdown().join();
        Fleet fleet = fleet();
        List<String> threads = new CopyOnWriteArrayList<>();
        List<HostResult> heard = new CopyOnWriteArrayList<>();
        FleetCall call = fleet.call(FleetRequest.builder("app.work").param("version", "1.2").target(Selector.parse("tag:web"))
                .route(route).deadline(Duration.ofSeconds(10)).listener(r -> {
                    threads.add(Thread.currentThread().getName());
                    heard.add(r);
                }).build());
        assertThat(call.source()).isEqualTo(Discovery.Source.REGISTRY);
        assertThat(call.expected()).hasSize(10).doesNotContain("db-1");
        await().until(() -> call.results().size() == 8);
        FleetSummary s = finish(call, 8, Duration.ofSeconds(11));

        assertThat(s.results()).hasSize(10);
        assertThat(s.hosts(Outcome.OK)).containsExactlyInAnyOrder("web-1", "web-2", "web-3", "web-4", "web-5", "web-6");
        assertThat(s.hosts(Outcome.ERROR)).containsExactly("web-7");
        assertThat(s.hosts(Outcome.REJECTED)).containsExactly("web-8");
        assertThat(s.results().get("web-8").detail()).contains("unknown-collector");
        assertThat(s.hosts(Outcome.NO_REPLY)).containsExactlyInAnyOrder("web-9", "web-10");
        assertThat(s.nonResponders()).containsExactlyInAnyOrder("web-9", "web-10");
        assertThat(s.results().get("web-1").response().orElseThrow().result().orElseThrow().path("version").asText()).isEqualTo("1.2");
        assertThat(s.unexpected()).isZero();
        assertThat(hosts.runs).doesNotContainKey("db-1");
        assertThat(heard).hasSize(10);
        assertThat(threads).allMatch(t -> t.contains("fleet") && t.contains("callbacks"));
        assertThat(s.toString()).contains("ok 6").contains("no-reply 2");
    }

    /** Host "copy" was configured with canary's queue: it reads canary's requests and registers canary's destination. */
    private void canaryAndACopyOfItsConfiguration() {
        hosts.add("canary", "requests-canary", Behaviour.OK, c -> c, "canary");
        hosts.add("copy", "requests-canary", Behaviour.OK, c -> c);
        hosts.members.values().forEach(FleetMember::start);
        hosts.workers.get("copy").start(); // canary's worker is down: whatever reaches the shared queue, copy reads
    }

    @Test
    void aCallForOneHostNeverRunsOnAnotherThatRegistersTheSameDestination() {
        canaryAndACopyOfItsConfiguration();
        Fleet fleet = fleet();
        Discovery canaries = fleet.discover(Selector.parse("tag:canary"));
        assertThat(canaries.ids()).containsExactly("canary");
        assertThat(canaries.hosts().get(0).requests()).as("not its own: not used for direct sends").isEmpty();

        FleetCall call = fleet.call(FleetRequest.builder("app.work").target(Selector.parse("tag:canary"))
                .deadline(Duration.ofSeconds(5)).build());
        await().until(() -> hosts.members.get("copy").notSelectedRequests() == 1);
        FleetSummary s = finish(call, 0, Duration.ofSeconds(6));
        assertThat(hosts.runs).as("copy read the request and left it: it is not a canary").isEmpty();
        assertThat(s.hosts(Outcome.NO_REPLY)).containsExactly("canary");
        assertThat(s.unexpected()).isZero();
    }

    @Test
    void onADirectOnlyCallSuchAHostIsNotDeliveredAndSaysWhy() {
        canaryAndACopyOfItsConfiguration();
        Fleet fleet = fleet();
        List<HostRecord> inventory = fleet.discover(Selector.all()).hosts();
        assertThat(inventory).extracting(HostRecord::requests).containsOnly("");
        FleetSummary s = fleet.call(FleetRequest.builder("app.work").target(Selector.parse("tag:canary")).route(Route.DIRECT)
                .deadline(Duration.ofSeconds(5)).build()).summary().join();
        assertThat(s.hosts(Outcome.NOT_DELIVERED)).containsExactly("canary");
        assertThat(s.results().get("canary").detail()).contains("of its own").contains("other hosts register too");
        // a set the caller built from the records as registered is checked too
        HostRecord canary = new HostRecord("canary", "requests-canary", List.of("app.work"), java.util.Set.of("canary"), Map.of(),
                hosts.time.instant());
        HostRecord copy = new HostRecord("copy", "requests-canary", List.of("app.work"), java.util.Set.of(), Map.of(), hosts.time.instant());
        FleetSummary given = fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).deadline(Duration.ofSeconds(5)).build(),
                new Discovery(Discovery.Source.LIST, List.of(canary, copy), Duration.ZERO)).summary().join();
        assertThat(given.hosts(Outcome.NOT_DELIVERED)).containsExactly("canary", "copy");
        assertThat(hosts.runs).isEmpty();
    }

    @Test
    void aSummaryListsEveryHostByIdWhateverOrderTheExpectedSetCameIn() {
        hosts.add("b", Behaviour.OK);
        hosts.add("a", Behaviour.OK);
        hosts.add("c", Behaviour.OK);
        hosts.workers.keySet().forEach(hosts::start);
        Fleet fleet = fleet();
        List<HostRecord> known = fleet.discover(Selector.all()).hosts();
        List<HostRecord> shuffled = List.of(known.get(1), known.get(2), known.get(0)); // a caller-made set, not by id
        for (List<HostRecord> order : List.of(known, shuffled)) {
            FleetCall call = fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).deadline(Duration.ofSeconds(5)).build(),
                    new Discovery(Discovery.Source.LIST, order, Duration.ZERO));
            FleetSummary s = call.summary().join();
            assertThat(s.results().keySet()).containsExactly("a", "b", "c");
            assertThat(s.results().values()).extracting(HostResult::host).containsExactly("a", "b", "c");
            assertThat(s.allOk()).isTrue();
            assertThat(s.results().headMap("b")).containsOnlyKeys("a"); // a real sorted map, not the hand-off view
        }
    }

    @Test
    void answersOutsideTheExpectedSetDuplicatesAndLateOnesAreCountedNeverMixedIn() throws Exception {
        hosts.add("a", Behaviour.OK);
        hosts.add("b", Behaviour.OK);
        hosts.start("a");
        hosts.start("b");
        Fleet fleet = fleet();
        FleetCall call = fleet.call(FleetRequest.builder("app.work").hosts(List.of("a", "b", "c")).route(Route.DIRECT)
                .deadline(Duration.ofSeconds(5)).build());
        await().until(() -> call.results().size() == 3);
        // c has no destination: not delivered at once
        assertThat(call.results()).filteredOn(r -> r.host().equals("c")).extracting(HostResult::outcome)
                .containsExactly(Outcome.NOT_DELIVERED);
        FleetSummary s = call.summary().join();
        assertThat(s.counts()).containsEntry(Outcome.OK, 2).containsEntry(Outcome.NOT_DELIVERED, 1);
        // answers after the summary, from a forged host and a duplicate of a: late, and the summary unchanged
        answer(fleet, call.id(), "intruder");
        answer(fleet, call.id(), "a");
        await().until(() -> call.lateAnswers() == 2 && fleet.stats().late() == 2);
        assertThat(s.results()).hasSize(3);
    }

    @Test
    void duplicatesAndUnexpectedAnswersWhileTheCallRuns() throws Exception {
        hosts.add("a", Behaviour.OK);
        hosts.add("b", Behaviour.SLOW);
        hosts.start("a");
        hosts.start("b");
        Fleet fleet = fleet();
        FleetCall call = fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).deadline(Duration.ofSeconds(5)).build());
        await().until(() -> call.results().size() == 1);
        answer(fleet, call.id(), "a");
        answer(fleet, call.id(), "zzz");
        await().until(() -> fleet.stats().answers() >= 3);
        hosts.release.countDown();
        FleetSummary s = call.summary().join();
        assertThat(s.hosts(Outcome.OK)).containsExactly("a", "b");
        assertThat(s.duplicates()).isEqualTo(1);
        assertThat(s.unexpected()).isEqualTo(1);
        assertThat(s.unexpectedHosts()).containsExactly("zzz");
    }

    @Test
    void anAnswerSignedByAnotherHostThanItNamesIsDroppedAndCounted() {
        hosts.add("a", Behaviour.OK);
        hosts.add("b", Behaviour.SLOW);
        hosts.start("a");
        hosts.start("b");
        JsonCodec json = JsonCodec.create();
        // as if a sealing codec had authenticated every answer as host b's key
        Codec signedByB = new Codec() {
            @Override
            public byte[] encodeRequest(dev.outpost.Request request) {
                return json.encodeRequest(request);
            }

            @Override
            public Decoded<dev.outpost.Request> decodeRequest(byte[] body) {
                return json.decodeRequest(body);
            }

            @Override
            public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
                return json.encodeResponse(response, recipient);
            }

            @Override
            public Decoded<Response> decodeResponse(byte[] body) {
                return new Decoded<>(json.decodeResponse(body).document(), Optional.of(Sender.of("key-b", "b")));
            }
        };
        Fleet fleet = hosts.fleet().codec(signedByB).build().start();
        hosts.closeables.add(fleet);
        ch.qos.logback.classic.Logger fleetLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                "dev.outpost.fleet.Fleet");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        fleetLog.addAppender(logged);
        try {
            FleetCall call = fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).deadline(Duration.ofSeconds(5)).build());
            await().until(() -> fleet.stats().impostors() == 1); // a's own answer, signed by b's key
            answer(fleet, call.id(), "a"); // b's key answering as a, once more
            answer(fleet, call.id(), "c" + "x".repeat(300)); // and as a host nobody expects, with a name too long to quote
            await().until(() -> fleet.stats().impostors() == 3);
            // a forged line break in the worker's name: the codec refuses the answer before anything quotes it
            String forged = new String(JsonCodec.create().encodeResponse(new Response(1, call.id(), "app.work", Optional.empty(),
                    ResponseStatus.OK, Optional.of(Json.object()), Optional.empty(), "c", 1, Instant.EPOCH, Instant.EPOCH),
                    Optional.empty()), java.nio.charset.StandardCharsets.UTF_8).replace("\"worker\":\"c\"", "\"worker\":\"c\\nWARN forged\"");
            hosts.transport.send(fleet.replyTo(), Message.of(forged.getBytes(java.nio.charset.StandardCharsets.UTF_8))).join();
            await().until(() -> fleet.stats().undecodable() == 1);
            answer(fleet, call.id(), "b"); // b's key answering as b: accepted
            await().until(() -> call.results().size() == 1);
            hosts.time.advance(Duration.ofSeconds(6));
            FleetSummary s = call.summary().join();
            assertThat(s.results().get("a").outcome()).isEqualTo(Outcome.NO_REPLY);
            assertThat(s.results().get("b").outcome()).isEqualTo(Outcome.OK);
            assertThat(s.unexpected() + s.duplicates() + s.late()).as("refused answers are not mixed in elsewhere").isZero();
            assertThat(s.impostors()).isEqualTo(3);
            assertThat(s.impostorAnswers()).containsExactly(new Impostor("a", "b"), new Impostor("a", "b"),
                    new Impostor("c" + "x".repeat(Impostor.MAX_CHARS - 1), "b"));
            assertThat(s.toString()).contains("impostors 3");
            assertThat(fleet.stats().impostors()).isEqualTo(3);
            List<String> warnings = logged.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                    .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
            assertThat(warnings).as("one WARN for the call").hasSize(1);
            assertThat(warnings.get(0)).contains(call.id(), "refused 3 answer(s)", "a <- b, a <- b, cxxx").doesNotContain("\n").doesNotContain("forged");
        } finally {
            fleetLog.detachAppender(logged);
        }
    }

    @Test
    void aSummaryListsAtMostAHundredImpostorAnswersAndCountsThemAll() {
        List<Impostor> many = new java.util.ArrayList<>();
        for (int i = 0; i < 150; i++) {
            many.add(new Impostor("h" + i, "k"));
        }
        FleetSummary s = new FleetSummary("r", "c", Discovery.Source.LIST, new java.util.TreeMap<>(), 0, List.of(), 0, 0,
                Optional.empty(), Duration.ZERO, 150, many);
        assertThat(s.impostorAnswers()).hasSize(FleetSummary.MAX_LISTED).first().isEqualTo(new Impostor("h0", "k"));
        assertThat(s.impostors()).isEqualTo(150);
        assertThat(new FleetSummary("r", "c", Discovery.Source.LIST, new java.util.TreeMap<>(), 0, List.of(), 0, 0,
                Optional.empty(), Duration.ZERO).impostorAnswers()).isEmpty();
    }

    private void answer(Fleet fleet, String requestId, String worker) {
        Response r = new Response(1, requestId, "app.work", Optional.empty(), ResponseStatus.OK, Optional.of(Json.object()),
                Optional.empty(), worker, 1, Instant.EPOCH, Instant.EPOCH);
        hosts.transport.send(fleet.replyTo(), Message.of(JsonCodec.create().encodeResponse(r, Optional.empty()))).join();
    }

    @Test
    void withoutARegistryDiscoveryPingsAndSaysSo() {
        hosts.add("p1", Behaviour.OK, "web");
        hosts.add("p2", Behaviour.OK, "db");
        hosts.start("p1");
        hosts.start("p2");
        Fleet fleet = Fleet.builder(hosts.transport).clock(hosts.time).ticker(hosts.time.ticker()).pollWait(Duration.ofMillis(100))
                .build().start();
        hosts.closeables.add(fleet);
        CompletableFuture<Discovery> d = CompletableFuture.supplyAsync(() -> fleet.discover(Selector.parse("tag:web"), Duration.ofSeconds(2)));
        await().until(() -> fleet.stats().answers() == 1);
        hosts.time.advance(Duration.ofSeconds(3));
        Discovery found = d.join();
        assertThat(found.source()).isEqualTo(Discovery.Source.PING);
        assertThat(found.ids()).containsExactly("p1");
        FleetCall call = fleet.call(FleetRequest.builder("app.work").deadline(Duration.ofSeconds(5)).build(), found);
        FleetSummary s = call.summary().join();
        assertThat(s.hosts(Outcome.OK)).containsExactly("p1");
        assertThat(s.unexpected()).as("p2 refuses a broadcast not meant for it").isZero();
        assertThat(hosts.runs).containsOnlyKeys("p1");
    }

    @Test
    void aThrowingListenerChangesNothing() {
        hosts.add("a", Behaviour.OK);
        hosts.add("b", Behaviour.OK);
        hosts.start("a");
        hosts.start("b");
        Fleet fleet = fleet();
        FleetCall call = fleet.call(FleetRequest.builder("app.work").listener(r -> {
            throw new StackOverflowError("listener");
        }).build());
        assertThat(call.summary().join().hosts(Outcome.OK)).containsExactly("a", "b");
        assertThat(fleet.stats().listenerErrors()).isEqualTo(2);
    }

    @Test
    void anEmptyExpectedSetCompletesAtOnce() {
        Fleet fleet = fleet();
        FleetSummary s = fleet.call(FleetRequest.builder("app.work").target(Selector.tag("none")).build()).summary().join();
        assertThat(s.results()).isEmpty();
        assertThat(fleet.stats().active()).isZero();
    }

    @Test
    void awaitHostCompletesPerHost() {
        hosts.add("a", Behaviour.OK);
        hosts.add("b", Behaviour.SLOW);
        hosts.start("a");
        hosts.start("b");
        Fleet fleet = fleet();
        FleetCall call = fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).build());
        assertThat(call.awaitHost("a").join().outcome()).isEqualTo(Outcome.OK);
        CompletableFuture<HostResult> b = call.awaitHost("b");
        assertThat(b).isNotDone();
        hosts.release.countDown();
        assertThat(b.join().outcome()).isEqualTo(Outcome.OK);
        assertThat(call.awaitHost("nobody")).isCompletedExceptionally();
        Map<String, Integer> unused = new ConcurrentHashMap<>();
        assertThat(unused).isEmpty();
    }

    /**
     * A host cancelled while its request is on its way, whose send then fails: it stays cancelled. Before, the failure
     * settled it a second time, so the call counted itself done while a slow host had no result, and the summary
     * never completed.
     */
    @Test
    void aHostCancelledWhileItsSendIsOnItsWayStaysCancelledWhenTheSendFails() throws Exception {
        hosts.add("a", Behaviour.OK);
        hosts.add("b", Behaviour.OK);
        hosts.add("c", Behaviour.SLOW);
        List.of("a", "b", "c").forEach(hosts::start);
        CompletableFuture<Void> toA = new CompletableFuture<>();
        Transport holdsA = new ForwardingTransport(hosts.transport) {
            @Override
            public CompletableFuture<Void> send(String destination, Message message) {
                return destination.equals("requests-a") ? toA : delegate().send(destination, message);
            }

            @Override
            public void close() {}
        };
        Fleet fleet = Fleet.builder(holdsA).registry(hosts.registry).clock(hosts.time).ticker(hosts.time.ticker())
                .pollWait(Duration.ofMillis(100)).build().start();
        hosts.closeables.add(fleet);
        FleetCall call = fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).build());
        assertThat(call.awaitHost("b").get(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.OK);

        assertThat(call.cancel("a")).isTrue();
        toA.completeExceptionally(new TransportException("requests-a", "refused by the test"));
        hosts.release.countDown();

        FleetSummary s = call.summary().get(10, TimeUnit.SECONDS);
        assertThat(s.results().get("a").outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(s.hosts(Outcome.OK)).containsExactly("b", "c");
    }

    /**
     * A call started as the fleet shuts down: the shutdown cancels the calls it finds, and this one was not there
     * yet. Before, it began all the same, on a fleet whose timer and poller had stopped, and its summary never
     * completed; now it fails as a call started after the shutdown does.
     */
    @Test
    void aCallStartedAsTheFleetShutsDownFailsRatherThanNeverEnding() {
        hosts.add("a", Behaviour.OK);
        hosts.start("a");
        AtomicReference<Runnable> whileStarting = new AtomicReference<>();
        LongSupplier time = hosts.time.ticker();
        LongSupplier ticker = () -> { // the one user code between the fleet's running check and the call's registration
            boolean starting = StackWalker.getInstance().walk(frames -> frames.anyMatch(
                    f -> f.getClassName().equals("dev.outpost.fleet.internal.CallState") && f.getMethodName().equals("<init>")));
            Runnable r = starting ? whileStarting.getAndSet(null) : null;
            if (r != null) {
                r.run();
            }
            return time.getAsLong();
        };
        Fleet fleet = Fleet.builder(hosts.transport).registry(hosts.registry).clock(hosts.time).ticker(ticker)
                .pollWait(Duration.ofMillis(100)).build().start();
        hosts.closeables.add(fleet);
        whileStarting.set(fleet::shutdown);

        assertThatThrownBy(() -> fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fleet is closed");
        assertThat(whileStarting).as("the fleet did shut down meanwhile").hasValue(null);
        assertThat(fleet.stats().active()).isZero();
    }

    /**
     * Without a registry, discovery pings and waits out its deadline on the fleet's timer. A fleet shut down
     * meanwhile stops that timer: before, the discovery (and a call waiting for it) then never returned.
     */
    @Test
    void aDiscoveryInProgressWhenTheFleetShutsDownEnds() throws Exception {
        hosts.add("a", Behaviour.OK);
        hosts.start("a");
        CountDownLatch pinged = new CountDownLatch(1);
        Transport watched = new ForwardingTransport(hosts.transport) {
            @Override
            public CompletableFuture<Void> send(String destination, Message message) {
                CompletableFuture<Void> sent = delegate().send(destination, message);
                if (destination.equals(Fleet.DEFAULT_TOPIC)) {
                    pinged.countDown();
                }
                return sent;
            }

            @Override
            public void close() {}
        };
        Fleet fleet = Fleet.builder(watched).clock(hosts.time).ticker(hosts.time.ticker()).pollWait(Duration.ofMillis(100))
                .build().start(); // no registry: discovery pings
        hosts.closeables.add(fleet);
        CompletableFuture<Discovery> discovered = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                discovered.complete(fleet.discover(Selector.all(), Duration.ofMinutes(1))); // the test clock never gets there
            } catch (Throwable e) {
                discovered.completeExceptionally(e);
            }
        });
        caller.start();
        assertThat(pinged.await(10, TimeUnit.SECONDS)).isTrue();

        fleet.shutdown().get(10, TimeUnit.SECONDS);
        assertThat(discovered.get(10, TimeUnit.SECONDS).source()).isEqualTo(Discovery.Source.PING);
    }

    @Test
    void aTopicCallTargetingALongListOfIdsReachesTheListedHosts() {
        hosts.add("web-1", Behaviour.OK, "web");
        hosts.add("web-2", Behaviour.OK, "web");
        hosts.workers.keySet().forEach(hosts::start);
        Fleet fleet = fleet();
        // a user targets hosts listed in a file: 250 ids, two of which are live (about 2,500 characters)
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 248; i++) {
            ids.add(String.format("host-%04d", i));
        }
        ids.add("web-1");
        ids.add("web-2");
        FleetCall call = fleet.call(FleetRequest.builder("app.work").target(Selector.ids(ids)).route(Route.TOPIC)
                .deadline(Duration.ofSeconds(10)).build());
        assertThat(call.expected()).containsExactly("web-1", "web-2");
        FleetSummary s = finish(call, 2, Duration.ofSeconds(11));
        assertThat(s.hosts(Outcome.OK)).as("the hosts' filter read the selector the call carried").containsExactly("web-1", "web-2");
        assertThat(hosts.runs).containsOnlyKeys("web-1", "web-2");
    }

    @Test
    void withoutARegistryAnExpectedSetTooLongToNameStillReachesOnlyTheTargetedHosts() {
        // 12 web hosts with 190-character ids: the id list (about 2,300 characters) was dropped
        // from the broadcast, which then ran on every host on the topic, db hosts included
        List<String> web = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String id = "web-" + "x".repeat(180) + "-" + i;
            web.add(id);
            hosts.add(id, Behaviour.OK, "web");
        }
        hosts.add("db-1", Behaviour.OK, "db");
        hosts.add("db-2", Behaviour.OK, "db");
        hosts.workers.keySet().forEach(hosts::start);
        Fleet fleet = Fleet.builder(hosts.transport).clock(hosts.time).ticker(hosts.time.ticker()).pollWait(Duration.ofMillis(100))
                .build().start();
        hosts.closeables.add(fleet);
        CompletableFuture<Discovery> d = CompletableFuture.supplyAsync(() -> fleet.discover(Selector.parse("tag:web"), Duration.ofSeconds(2)));
        await().until(() -> fleet.stats().answers() == 12);
        hosts.time.advance(Duration.ofSeconds(3));
        Discovery found = d.join();
        assertThat(found.source()).isEqualTo(Discovery.Source.PING);
        assertThat(found.ids()).hasSize(12);
        FleetCall call = fleet.call(FleetRequest.builder("app.work").target(Selector.parse("tag:web")).deadline(Duration.ofSeconds(5))
                .build(), found);
        FleetSummary s = finish(call, web.size(), Duration.ofSeconds(6));
        assertThat(s.hosts(Outcome.OK)).containsExactlyInAnyOrderElementsOf(web);
        assertThat(hosts.runs).as("the db hosts were not targeted").containsOnlyKeys(web.toArray(String[]::new));
    }
    @Test
    void aCallWithADeadlineOfAMillionDaysStillCallsEveryHost() throws Exception {
        hosts.add("web-1", Behaviour.OK, "web");
        hosts.add("web-2", Behaviour.OK, "web");
        hosts.workers.keySet().forEach(hosts::start);
        Fleet fleet = fleet();
        // the request takes any positive deadline; its nanoseconds overflowed once the call was registered: the call
        // failed with ArithmeticException and stayed active for good
        FleetCall call = fleet.call(FleetRequest.builder("app.work").target(Selector.parse("tag:web"))
                .deadline(Duration.ofDays(1_000_000)).build());
        FleetSummary s = call.summary().get(10, TimeUnit.SECONDS);
        assertThat(s.hosts(Outcome.OK)).containsExactlyInAnyOrder("web-1", "web-2");
        assertThat(fleet.stats().active()).isZero();
    }

    @Test
    void aCallbackExecutorThatThrowsStillLetsTheCallSettleAndItsListenerHear() throws Exception {
        hosts.add("web-1", Behaviour.OK, "web");
        hosts.add("web-2", Behaviour.OK, "web");
        hosts.workers.keySet().forEach(hosts::start);
        // the executor is user code: one that threw anything but a rejection left the summary never completed
        Fleet fleet = hosts.fleet().callbackExecutor(r -> {
            throw new LinkageError("the executor is broken");
        }).build().start();
        hosts.closeables.add(fleet);
        List<String> heard = new CopyOnWriteArrayList<>();
        FleetCall call = fleet.call(FleetRequest.builder("app.work").target(Selector.parse("tag:web")).deadline(Duration.ofSeconds(10))
                .listener(r -> heard.add(r.host())).build());
        FleetSummary s = call.summary().get(10, TimeUnit.SECONDS);
        assertThat(s.hosts(Outcome.OK)).containsExactlyInAnyOrder("web-1", "web-2");
        assertThat(heard).containsExactlyInAnyOrder("web-1", "web-2");
        assertThat(fleet.stats().active()).isZero();
    }

    @Test
    void aCallWithTheLongestDeadlineADurationHoldsIsPendingCancellableAndSettled() throws Exception {
        hosts.add("web-1", Behaviour.OK, "web");
        hosts.add("web-2", Behaviour.SLOW, "web");
        hosts.workers.keySet().forEach(hosts::start);
        Fleet fleet = fleet();
        // sent-at plus this ttl is past Instant.MAX: the call threw ArithmeticException with web-1 marked sent and no
        // expiry, stayed active for good, and every later fleet.pending() threw NullPointerException
        Duration longest = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);
        FleetCall call = fleet.call(FleetRequest.builder("app.work").target(Selector.parse("tag:web")).deadline(longest).build());
        await().until(() -> call.results().size() == 1 && hosts.runs.containsKey("web-2"));
        assertThat(fleet.pending()).singleElement().satisfies(p -> {
            assertThat(p.host()).isEqualTo("web-2");
            assertThat(p.expiresAt()).isEqualTo(Instant.MAX);
        });
        assertThat(call.cancel("web-2")).isTrue();
        FleetSummary s = call.summary().get(10, TimeUnit.SECONDS);
        assertThat(s.hosts(Outcome.OK)).containsExactly("web-1");
        assertThat(s.results().get("web-2").outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(s.results().get("web-2").detail()).as("the cancellation was recorded for the worker")
                .isEqualTo("cancelled by the caller; a worker that receives it refuses it");
        assertThat(fleet.stats().active()).isZero();
    }
}
