package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.ForwardingRegistry;
import dev.outpost.spi.Received;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryPage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Replay protection across processes (or a restart) through a shared registry. */
class SharedReplayStateTest {
    static final NaclKeyPair WORKER = NaclKeyPair.generate();
    static final NaclKeyPair ALICE = NaclKeyPair.generate();

    final TestClock clock = new TestClock(Instant.parse("2026-06-01T12:00:00Z"));
    final InMemoryRegistry registry = InMemoryRegistry.create(clock);

    SealedCodec worker(NaclKeyPair identity, Registry shared) {
        return SealedCodec.builder().identity(identity).clock(clock).sharedReplayState(shared)
                .knownSenders(KnownSenders.of(KnownSender.of(ALICE.publicKey(), "alice"))).build();
    }

    byte[] ping(NaclPublicKey... to) {
        return SealedCodec.builder().identity(ALICE).recipients(List.of(to)).clock(clock).build()
                .encodeRequest(Request.builder("outpost.ping").build());
    }

    static void refused(SealedCodec worker, byte[] sealed, String transportId, RejectReason reason) {
        assertThatThrownBy(() -> worker.decodeRequest(sealed, new Received(transportId, 1)))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void aMessageOpenedByOneWorkerIsAReplayAtAnotherAndAfterARestart() {
        SealedCodec first = worker(WORKER, registry);
        SealedCodec second = worker(WORKER, registry);
        byte[] m = ping(WORKER.publicKey());
        assertThat(first.decodeRequest(m, new Received("sqs-1", 1)).sender()).isPresent();

        refused(second, m, "sqs-2", SealRejects.REPLAY);
        refused(worker(WORKER, registry), m, "sqs-3", SealRejects.REPLAY);
        assertThat(second.sealedStatus().replayCache().replays()).isEqualTo(1);
        assertThat(second.sealedStatus().replayCache().shared()).isTrue();
        assertThat(registry.list(SealedCodec.DEFAULT_REPLAY_NAMESPACE)).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo(SealedCodec.DEFAULT_REPLAY_NAMESPACE + WORKER.publicKey().keyIdHex() + "/"
                    + ALICE.publicKey().keyIdHex() + "/" + e.key().substring(e.key().lastIndexOf('/') + 1));
            assertThat(e.expiresAt()).contains(clock.instant().plus(SealedCodec.DEFAULT_FRESHNESS).plusMillis(1));
        });
    }

    @Test
    void duringARollingKeyRotationAMessageOpenedByARotatedWorkerIsAReplayAtOneNotRotatedYet() {
        // the README's rotation: identity(new).previousIdentity(old), one process after another
        NaclKeyPair next = NaclKeyPair.generate();
        SealedCodec rotated = SealedCodec.builder().identity(next).previousIdentity(WORKER).clock(clock).sharedReplayState(registry)
                .knownSenders(KnownSenders.of(KnownSender.of(ALICE.publicKey(), "alice"))).build();
        SealedCodec notYet = worker(WORKER, registry);
        byte[] m = ping(WORKER.publicKey()); // the sender still seals to the old key
        assertThat(rotated.decodeRequest(m, new Received("sqs-1", 1)).sender()).isPresent();
        refused(notYet, m, "sqs-2", SealRejects.REPLAY);
        byte[] n = ping(WORKER.publicKey());
        assertThat(notYet.decodeRequest(n, new Received("sqs-3", 1)).sender()).isPresent();
        refused(rotated, n, "sqs-4", SealRejects.REPLAY);
        // what is sealed to the new key is recorded under it
        byte[] o = ping(next.publicKey());
        rotated.decodeRequest(o, new Received("sqs-5", 1));
        assertThat(registry.list(SealedCodec.DEFAULT_REPLAY_NAMESPACE + next.publicKey().keyIdHex() + "/")).hasSize(1);
        assertThat(registry.list(SealedCodec.DEFAULT_REPLAY_NAMESPACE + WORKER.publicKey().keyIdHex() + "/")).hasSize(2);
    }

    @Test
    void aNamespaceNoRegistryKeyCanStartWithIsRefusedAtBuildNotByEveryMessage() {
        // the README's own example, capitalised: every register would be an invalid key, every message refused
        for (String bad : new String[] {"Outpost/replay/host-a/", "outpost//", "/outpost/", "outpost/replay\n/"}) {
            assertThatThrownBy(() -> SealedCodec.builder().sharedReplayState(registry, bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace");
        }
        SealedCodec fine = SealedCodec.builder().identity(WORKER).clock(clock).sharedReplayState(registry, "outpost/replay/host-a/")
                .knownSenders(KnownSenders.of(KnownSender.of(ALICE.publicKey(), "alice"))).build();
        assertThat(fine.decodeRequest(ping(WORKER.publicKey()), new Received("sqs-1", 1)).sender()).isPresent();
    }

    @Test
    void theSameTransportMessageRedeliveredToAnotherWorkerStillOpens() {
        SealedCodec first = worker(WORKER, registry);
        SealedCodec second = worker(WORKER, registry);
        byte[] m = ping(WORKER.publicKey());
        first.decodeRequest(m, new Received("sqs-1", 1));
        // the first worker died before acking; the queue hands the message to the second
        assertThat(second.decodeRequest(m, new Received("sqs-1", 2)).sender()).isPresent();
        assertThat(second.decodeRequest(m, new Received("sqs-1", 3)).sender()).isPresent();
        refused(second, m, "sqs-9", SealRejects.REPLAY);
    }

    @Test
    void withoutSharedStateASecondProcessAcceptsTheReplay() {
        // What the README warns about: replay protection is per process unless the state is shared.
        byte[] m = ping(WORKER.publicKey());
        SealedCodec alone = SealedCodec.builder().identity(WORKER).clock(clock)
                .knownSenders(KnownSenders.of(KnownSender.of(ALICE.publicKey(), "alice"))).build();
        SealedCodec other = SealedCodec.builder().identity(WORKER).clock(clock)
                .knownSenders(KnownSenders.of(KnownSender.of(ALICE.publicKey(), "alice"))).build();
        alone.decodeRequest(m, new Received("sqs-1", 1));
        assertThat(other.decodeRequest(m, new Received("sqs-2", 1)).sender()).isPresent();
    }

    @Test
    void aGroupMessageOpensOnceAtEachOfItsRecipientsSharingOneRegistry() {
        NaclKeyPair otherWorker = NaclKeyPair.generate();
        byte[] m = ping(WORKER.publicKey(), otherWorker.publicKey());
        assertThat(worker(WORKER, registry).decodeRequest(m, new Received("queue-a-1", 1)).sender()).isPresent();
        SealedCodec b = worker(otherWorker, registry);
        assertThat(b.decodeRequest(m, new Received("queue-b-1", 1)).sender()).isPresent();
        refused(b, m, "queue-b-2", SealRejects.REPLAY);
    }

    @Test
    void theSharedEntriesLiveForTheFreshnessWindowOnly() {
        SealedCodec w = worker(WORKER, registry);
        w.decodeRequest(ping(WORKER.publicKey()), new Received("sqs-1", 1));
        assertThat(registry.list(SealedCodec.DEFAULT_REPLAY_NAMESPACE)).hasSize(1);
        clock.advance(SealedCodec.DEFAULT_FRESHNESS);
        assertThat(registry.list(SealedCodec.DEFAULT_REPLAY_NAMESPACE)).hasSize(1);
        clock.advance(Duration.ofMillis(1));
        assertThat(registry.list(SealedCodec.DEFAULT_REPLAY_NAMESPACE)).isEmpty();
    }

    @Test
    void aFailingRegistryFailsClosedAndTheMessageOpensOnceItIsBack() {
        Outage flaky = new Outage(registry);
        SealedCodec w = worker(WORKER, flaky);
        SealedCodec other = worker(WORKER, registry);
        byte[] m = ping(WORKER.publicKey());
        flaky.down = true;
        assertThatThrownBy(() -> w.decodeRequest(m, new Received("sqs-1", 1)))
                .isInstanceOfSatisfying(CodecException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SealRejects.REPLAY_STATE_UNAVAILABLE);
                    assertThat(e.getMessage()).doesNotContain("db.internal.example");
                });
        // Not remembered here either: the redelivery must go to the registry again, not slip through as a redelivery.
        refused(w, m, "sqs-1", SealRejects.REPLAY_STATE_UNAVAILABLE);
        assertThat(w.sealedStatus().replayCache().sharedFailures()).isEqualTo(2);
        assertThat(w.sealedStatus().replayCache().size()).isZero();

        flaky.down = false;
        assertThat(w.decodeRequest(m, new Received("sqs-1", 3)).sender()).isPresent();
        refused(other, m, "sqs-2", SealRejects.REPLAY);
    }

    @Test
    void aRegistryThatFailsWhileReadingAnExistingEntryAlsoFailsClosed() {
        Outage flaky = new Outage(registry);
        SealedCodec first = worker(WORKER, registry);
        SealedCodec w = worker(WORKER, flaky);
        byte[] m = ping(WORKER.publicKey());
        first.decodeRequest(m, new Received("sqs-1", 1));
        flaky.getFails = true;
        refused(w, m, "sqs-1", SealRejects.REPLAY_STATE_UNAVAILABLE);
        assertThat(w.sealedStatus().replayCache().size()).isZero();
        flaky.getFails = false;
        assertThat(w.decodeRequest(m, new Received("sqs-1", 2)).sender()).isPresent();
    }

    @Test
    void aRegistryThatThrowsAnErrorLeavesTheRedeliveryToBeJudgedAgain() {
        Outage flaky = new Outage(registry);
        SealedCodec w = worker(WORKER, flaky);
        byte[] m = ping(WORKER.publicKey());
        flaky.error = new StackOverflowError("deep in the registry's client");
        assertThatThrownBy(() -> w.decodeRequest(m, new Received("sqs-1", 1))).isInstanceOf(StackOverflowError.class);
        flaky.error = null;
        // the id stayed unconfirmed here for the whole freshness window: its redelivery was refused as a replay, the message lost
        assertThat(w.decodeRequest(m, new Received("sqs-1", 2)).sender()).isPresent();
        assertThat(w.sealedStatus().replayCache().sharedFailures()).isEqualTo(1);
    }

    /** The real in-memory registry, with a switch that makes every call fail as a registry outage does. */
    static final class Outage extends ForwardingRegistry {
        volatile boolean down;
        volatile boolean getFails;
        volatile Error error;

        Outage(Registry delegate) {
            super(delegate);
        }

        private void check() {
            if (error != null) {
                throw error;
            }
            if (down) {
                throw new IllegalStateException("connection refused: db.internal.example:5432");
            }
        }

        @Override
        public Optional<RegistryEntry> get(String key) {
            check();
            if (getFails) {
                throw new IllegalStateException("read timed out");
            }
            return delegate().get(key);
        }

        @Override
        public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
            check();
            return delegate().register(key, value, ttl);
        }

        @Override
        public RegistryEntry replace(String key, JsonNode value, long expectedVersion) {
            check();
            return delegate().replace(key, value, expectedVersion);
        }

        @Override
        public RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
            check();
            return delegate().replace(key, value, expectedVersion, ttl);
        }

        @Override
        public RegistryEntry update(String key, JsonNode mergePatch) {
            check();
            return delegate().update(key, mergePatch);
        }

        @Override
        public boolean delete(String key) {
            check();
            return delegate().delete(key);
        }

        @Override
        public boolean delete(String key, long expectedVersion) {
            check();
            return delegate().delete(key, expectedVersion);
        }

        @Override
        public RegistryPage list(String prefix, int limit, Optional<String> pageToken) {
            check();
            return delegate().list(prefix, limit, pageToken);
        }

        @Override
        public long revision() {
            check();
            return delegate().revision();
        }

        @Override
        public void close() {}
    }
}
