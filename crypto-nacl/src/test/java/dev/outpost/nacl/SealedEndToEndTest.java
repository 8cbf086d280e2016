package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.core.CallTimeoutException;
import dev.outpost.core.Client;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SealedEndToEndTest {
    final NaclKeyPair alice = NaclKeyPair.generate();
    final NaclKeyPair mallory = NaclKeyPair.generate();

    static Collector whoami() {
        return Collector.of("whoami", (request, context) -> context.sender().map(s -> s.name()).orElse("nobody"));
    }

    static Collector reboot() {
        return Collector.of("reboot", (request, context) -> "rebooting");
    }

    @Test
    void knownSendersAreServedStrangersGetNothingAndCollectorListsHold() throws Exception {
        NaclKeyPair workerKey = NaclKeyPair.generate();
        SealedCodec workerCodec = SealedCodec.builder().identity(workerKey)
                .knownSenders(KnownSenders.of(new KnownSender(alice.publicKey(), "alice", Optional.of(Set.of("whoami")))))
                .build();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).codec(workerCodec).collector(whoami()).collector(reboot())
                        .pollWait(Duration.ofMillis(50)).build().start();
                Client aliceClient = Client.builder(transport).pollWait(Duration.ofMillis(50))
                        .codec(SealedCodec.builder().identity(alice).recipient(workerKey.publicKey()).build()).build().start();
                Client malloryClient = Client.builder(transport).pollWait(Duration.ofMillis(50))
                        .codec(SealedCodec.builder().identity(mallory).recipient(workerKey.publicKey()).build()).build().start()) {

            Response me = aliceClient.call(Request.builder("whoami").build(), Duration.ofSeconds(5)).get();
            assertThat(me.result().orElseThrow().asText()).isEqualTo("alice");

            Response denied = aliceClient.call(Request.builder("reboot").build(), Duration.ofSeconds(5)).get();
            assertThat(denied.status()).isEqualTo(ResponseStatus.REJECTED);
            assertThat(denied.error().orElseThrow().code()).isEqualTo("unauthorised");

            assertThatThrownBy(() -> malloryClient.call(Request.builder("whoami").build(), Duration.ofMillis(700))
                    .get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(CallTimeoutException.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> transport.peek("dead-letter").stream()
                    .anyMatch(m -> "unknown-sender".equals(m.attributes().get("outpost-reject-reason"))));
            assertThat(transport.peek(malloryClient.replyTo())).isEmpty();
            assertThat(worker.status().counters().rejected()).isEqualTo(2);
        }
    }

    @Test
    void aGroupSendReachesThreeWorkersAndAFourthCannotOpenIt() throws Exception {
        List<NaclKeyPair> keys = List.of(NaclKeyPair.generate(), NaclKeyPair.generate(), NaclKeyPair.generate(),
                NaclKeyPair.generate());
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            transport.topic("fleet");
            List<Worker> workers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                transport.subscribe("fleet", "host-" + i);
                workers.add(Worker.builder(transport).id("host-" + i).requests("host-" + i)
                        .codec(SealedCodec.builder().identity(keys.get(i))
                                .knownSenders(KnownSenders.of(KnownSender.of(alice.publicKey(), "alice"))).build())
                        .collector(whoami()).pollWait(Duration.ofMillis(50)).build().start());
            }
            SealedCodec group = SealedCodec.builder().identity(alice)
                    .recipients(List.of(keys.get(0).publicKey(), keys.get(1).publicKey(), keys.get(2).publicKey())).build();
            try (Client client = Client.builder(transport).codec(group).pollWait(Duration.ofMillis(50)).build().start()) {
                // the three that can open it: waiting for four ended at a 2 s deadline (real time), which a loaded
                // machine could reach before one of the three had answered; host-3 is held to its dead letter below
                List<Response> answers = client.broadcast("fleet", Request.builder("whoami").build(), 3, Duration.ofSeconds(30))
                        .get(40, TimeUnit.SECONDS);
                assertThat(answers).extracting(Response::worker).containsExactlyInAnyOrder("host-0", "host-1", "host-2");
                assertThat(answers).allSatisfy(r -> assertThat(r.result().orElseThrow().asText()).isEqualTo("alice"));
                await().atMost(Duration.ofSeconds(20)).until(() -> transport.peek("dead-letter").stream()
                        .anyMatch(m -> "wrong-recipient".equals(m.attributes().get("outpost-reject-reason"))
                                && "host-3".equals(m.attributes().get("outpost-worker"))));
            } finally {
                workers.forEach(Worker::close);
            }
        }
    }

    @Test
    void twoOperatorsSharingOneReplyQueueEachGetTheirOwnSealedAnswers() throws Exception {
        NaclKeyPair workerKey = NaclKeyPair.generate();
        NaclKeyPair bob = NaclKeyPair.generate();
        SealedCodec workerCodec = SealedCodec.builder().identity(workerKey)
                .knownSenders(KnownSenders.of(KnownSender.of(alice.publicKey(), "alice"), KnownSender.of(bob.publicKey(), "bob")))
                .build();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).codec(workerCodec).collector(whoami())
                        .pollWait(Duration.ofMillis(50)).build().start();
                Client aliceClient = Client.builder(transport).replyTo("outpost-client-ops").sharedReplyTo(true)
                        .pollWait(Duration.ofMillis(50))
                        .codec(SealedCodec.builder().identity(alice).recipient(workerKey.publicKey()).build()).build().start();
                Client bobClient = Client.builder(transport).replyTo("outpost-client-ops").sharedReplyTo(true)
                        .pollWait(Duration.ofMillis(50))
                        .codec(SealedCodec.builder().identity(bob).recipient(workerKey.publicKey()).build()).build().start()) {
            List<java.util.concurrent.CompletableFuture<Response>> byAlice = new ArrayList<>();
            List<java.util.concurrent.CompletableFuture<Response>> byBob = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                byAlice.add(aliceClient.call(Request.builder("whoami").build(), Duration.ofSeconds(20)));
                byBob.add(bobClient.call(Request.builder("whoami").build(), Duration.ofSeconds(20)));
            }
            // each answer is sealed to its caller's key: the other client cannot open it, and hands it back
            for (int i = 0; i < 10; i++) {
                assertThat(byAlice.get(i).get(30, TimeUnit.SECONDS).result().orElseThrow().asText()).isEqualTo("alice");
                assertThat(byBob.get(i).get(30, TimeUnit.SECONDS).result().orElseThrow().asText()).isEqualTo("bob");
            }
            assertThat(aliceClient.undecodableResponses() + bobClient.undecodableResponses()).isZero();
        }
    }

    @Test
    void aSharedClientOpeningAnAnswerForAnotherRunUnderTheSameKeyHandsItBackEveryTimeItComes() throws Exception {
        NaclKeyPair workerKey = NaclKeyPair.generate();
        SealedCodec workerCodec = SealedCodec.builder().identity(workerKey)
                .knownSenders(KnownSenders.of(KnownSender.of(alice.publicKey(), "alice"))).build();
        // two runs of a command line by one operator: one identity, a codec (and replay cache) each
        SealedCodec ownerCodec = SealedCodec.builder().identity(alice).recipient(workerKey.publicKey()).build();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).codec(workerCodec).collector(whoami())
                        .pollWait(Duration.ofMillis(50)).build().start()) {
            Client other = Client.builder(transport).replyTo("outpost-client-ops").sharedReplyTo(true)
                    .pollWait(Duration.ofMillis(50))
                    .codec(SealedCodec.builder().identity(alice).recipient(workerKey.publicKey()).build()).build().start();
            Request owners = Request.builder("whoami").id("owners-call").replyTo("outpost-client-ops").build();
            transport.send("requests", dev.outpost.spi.Message.of(ownerCodec.encodeRequest(owners))).get(5, TimeUnit.SECONDS);
            // the other run can open the answer (same key) but did not send it: each time it comes, it goes back
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> other.handedBackResponses() >= 3 || other.undecodableResponses() > 0);
            other.close();
            assertThat(other.undecodableResponses()).as("refused as a replay of itself, and dropped").isZero();
            List<dev.outpost.spi.Delivery> left = transport.receive("outpost-client-ops", 1, Duration.ofSeconds(10));
            assertThat(left).hasSize(1);
            Response answer = ownerCodec.decodeResponse(left.get(0).message().body()).document();
            assertThat(answer.requestId()).isEqualTo("owners-call");
            assertThat(answer.result().orElseThrow().asText()).isEqualTo("alice");
        }
    }

    @Test
    void aSharedClientHandsBackAnAnswerForAnotherOperatorFromAWorkerItDoesNotKnow() throws Exception {
        NaclKeyPair aliceWorker = NaclKeyPair.generate();
        NaclKeyPair bobWorker = NaclKeyPair.generate();
        NaclKeyPair bob = NaclKeyPair.generate();
        SealedCodec bobWorkerCodec = SealedCodec.builder().identity(bobWorker)
                .knownSenders(KnownSenders.of(KnownSender.of(bob.publicKey(), "bob"))).build();
        SealedCodec bobCodec = SealedCodec.builder().identity(bob).recipient(bobWorker.publicKey()).build();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).codec(bobWorkerCodec).collector(whoami())
                        .pollWait(Duration.ofMillis(50)).build().start()) {
            // two operators on one reply queue, each talking to workers of its own: alice knows only hers
            Client alices = Client.builder(transport).replyTo("outpost-client-ops").sharedReplyTo(true)
                    .pollWait(Duration.ofMillis(50))
                    .codec(SealedCodec.builder().identity(alice).recipient(aliceWorker.publicKey()).build()).build().start();
            Request bobs = Request.builder("whoami").id("bobs-call").replyTo("outpost-client-ops").build();
            transport.send("requests", dev.outpost.spi.Message.of(bobCodec.encodeRequest(bobs))).get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> alices.handedBackResponses() >= 2 || alices.undecodableResponses() > 0);
            alices.close();
            assertThat(alices.undecodableResponses()).as("refused as from an unknown sender, and dropped").isZero();
            List<dev.outpost.spi.Delivery> left = transport.receive("outpost-client-ops", 1, Duration.ofSeconds(10));
            assertThat(left).hasSize(1);
            Response answer = bobCodec.decodeResponse(left.get(0).message().body()).document();
            assertThat(answer.requestId()).isEqualTo("bobs-call");
            assertThat(answer.result().orElseThrow().asText()).isEqualTo("bob");
        }
    }

    @Test
    void aRetriedRequestIsNotMistakenForAReplay() throws Exception {
        NaclKeyPair workerKey = NaclKeyPair.generate();
        int[] attempts = {0};
        Collector flaky = Collector.of("flaky", (request, context) -> {
            if (++attempts[0] < 3) {
                throw new IllegalStateException("not yet");
            }
            return "third time";
        });
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).collector(flaky).backoff(Duration.ofMillis(20), Duration.ofMillis(50))
                        .codec(SealedCodec.builder().identity(workerKey)
                                .knownSenders(KnownSenders.of(KnownSender.of(alice.publicKey(), "alice"))).build())
                        .pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(50))
                        .codec(SealedCodec.builder().identity(alice).recipient(workerKey.publicKey()).build()).build().start()) {
            Response r = client.call(Request.builder("flaky").build(), Duration.ofSeconds(5)).get();
            assertThat(r.isOk()).isTrue();
            assertThat(r.attempt()).isEqualTo(3);
        }
    }
}
