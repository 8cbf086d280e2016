package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.Worker;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.fleet.TestHosts.Behaviour;
import dev.outpost.nacl.KnownSender;
import dev.outpost.nacl.KnownSenders;
import dev.outpost.nacl.NaclKeyPair;
import dev.outpost.nacl.NaclPublicKey;
import dev.outpost.nacl.SealedCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A sealed fleet: one sealed topic broadcast reaches every selected host, the selector travelling inside the seal. */
class SealedFleetTest {
    final TestHosts hosts = new TestHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    @Test
    void sealedBroadcastsAndDirectSendsAreAccountedLikePlainOnes() {
        NaclKeyPair caller = NaclKeyPair.generate();
        List<NaclPublicKey> workerKeys = new ArrayList<>();
        List<KnownSender> workersAsSenders = new ArrayList<>();
        for (String id : List.of("s1", "s2", "s3", "s4")) {
            NaclKeyPair k = NaclKeyPair.generate();
            workerKeys.add(k.publicKey());
            workersAsSenders.add(KnownSender.of(k.publicKey(), id));
            hosts.add(id, Behaviour.OK, inner -> SealedCodec.builder().identity(k).inner(inner).clock(hosts.time)
                    .knownSenders(KnownSenders.of(KnownSender.of(caller.publicKey(), "ops"))).build(), id.equals("s4") ? "db" : "web");
            hosts.start(id);
        }
        SealedCodec callerCodec = SealedCodec.builder().identity(caller).inner(JsonCodec.create()).recipients(workerKeys)
                .knownSenders(KnownSenders.of(workersAsSenders)).clock(hosts.time).build();
        try (Fleet fleet = hosts.fleet().codec(callerCodec).build().start()) {
            for (Route route : List.of(Route.TOPIC, Route.DIRECT)) {
                FleetSummary s = fleet.call(FleetRequest.builder("app.work").target(Selector.tag("web")).route(route)
                        .deadline(Duration.ofSeconds(10)).build()).summary().join();
                assertThat(s.hosts(Outcome.OK)).as(route.name()).containsExactly("s1", "s2", "s3");
                assertThat(s.unexpected()).isZero();
            }
        }
        assertThat(hosts.runs).doesNotContainKey("s4");
        // s4 acked the topic broadcast for the web hosts quietly: counted, not answered, no dead-letter copy. The
        // call's summary does not wait for s4, which takes the broadcast in on its own threads, perhaps later
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> hosts.workers.get("s4").status().refusals().getOrDefault("not-selected", 0L) >= 1);
        assertThat(hosts.workers.get("s4").status().refusals()).containsEntry("not-selected", 1L);
        assertThat(hosts.members.get("s4").notSelectedRequests()).isEqualTo(1);
        assertThat(hosts.transport.peek(Worker.DEFAULT_DEAD_LETTER)).isEmpty();
    }
}
