package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Received;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The replay cache fails closed: it never forgets a live message, and one sender cannot fill it for others. */
class ReplayCacheTest {
    static final NaclKeyPair WORKER = NaclKeyPair.generate();
    static final NaclKeyPair ALICE = NaclKeyPair.generate();
    static final NaclKeyPair MALLORY = NaclKeyPair.generate();
    static final NaclKeyPair[] OTHERS = {NaclKeyPair.generate(), NaclKeyPair.generate(), NaclKeyPair.generate()};

    final TestClock clock = new TestClock(Instant.parse("2026-06-01T12:00:00Z"));
    int transportIds;

    SealedCodec worker(int capacity, int quota) {
        List<KnownSender> known = new ArrayList<>(List.of(KnownSender.of(ALICE.publicKey(), "alice"),
                KnownSender.of(MALLORY.publicKey(), "mallory")));
        for (int i = 0; i < OTHERS.length; i++) {
            known.add(KnownSender.of(OTHERS[i].publicKey(), "other" + i));
        }
        return SealedCodec.builder().identity(WORKER).knownSenders(KnownSenders.of(known)).clock(clock)
                .replayCacheSize(capacity).replayQuotaPerSender(quota).build();
    }

    SealedCodec client(NaclKeyPair me) {
        return SealedCodec.builder().identity(me).recipient(WORKER.publicKey()).clock(clock).build();
    }

    static byte[] ping(SealedCodec client) {
        return client.encodeRequest(Request.builder("outpost.ping").build());
    }

    void opens(SealedCodec worker, byte[] sealed) {
        assertThat(worker.decodeRequest(sealed, new Received("t" + transportIds++, 1)).sender()).isPresent();
    }

    void refused(SealedCodec worker, byte[] sealed, RejectReason reason) {
        assertThatThrownBy(() -> worker.decodeRequest(sealed, new Received("t" + transportIds++, 1)))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void aFloodFromOneSenderNeverMakesAnotherSendersCapturedMessageOpenAgain() {
        // The reported attack, with no per-sender quota: the flood fills the cache, and the cache then refuses.
        SealedCodec w = worker(64, 64);
        byte[] captured = ping(client(ALICE));
        opens(w, captured);
        SealedCodec mallory = client(MALLORY);
        int opened = 0;
        for (int i = 0; i < 1_000; i++) {
            try {
                w.decodeRequest(ping(mallory), new Received("m" + i, 1));
                opened++;
            } catch (CodecException e) {
                assertThat(e.reason()).isEqualTo(SealRejects.REPLAY_CACHE_FULL);
                // the operator learns the limit as a rate, and the keys that move it
                assertThat(e.getMessage()).contains("messages a second").contains("outpost.nacl.replay-cache-size");
            }
        }
        assertThat(opened).isEqualTo(63);
        refused(w, captured, SealRejects.REPLAY);
        ReplayCacheStatus s = w.sealedStatus().replayCache();
        assertThat(s.size()).isEqualTo(64);
        assertThat(s.capacity()).isEqualTo(64);
        assertThat(s.refusedFull()).isEqualTo(1_000 - 63);
        assertThat(s.replays()).isEqualTo(1);
    }

    @Test
    void aSenderOverItsQuotaIsRefusedWhileOthersAreStillServed() {
        SealedCodec w = SealedCodec.builder().identity(WORKER).clock(clock).replayCacheSize(64)
                .knownSenders(KnownSenders.of(KnownSender.of(ALICE.publicKey(), "alice"),
                        KnownSender.of(MALLORY.publicKey(), "mallory")))
                .build();
        assertThat(w.sealedStatus().replayCache().perSenderQuota()).as("default: a quarter of the cache").isEqualTo(16);
        SealedCodec mallory = client(MALLORY);
        for (int i = 0; i < 16; i++) {
            opens(w, ping(mallory));
        }
        refused(w, ping(mallory), SealRejects.REPLAY_CACHE_FULL);
        SealedCodec alice = client(ALICE);
        for (int i = 0; i < 16; i++) {
            opens(w, ping(alice));
        }
        ReplayCacheStatus s = w.sealedStatus().replayCache();
        assertThat(s.size()).isEqualTo(32);
        assertThat(s.senders()).isEqualTo(2);
        assertThat(s.busiestSender()).isEqualTo(16);
        assertThat(s.refusedOverQuota()).isEqualTo(1);
        assertThat(s.refusedFull()).isZero();
    }

    @Test
    void whenFullItStillKnowsWhatItHoldsAndMakesRoomOnlyAsMessagesGoStale() {
        SealedCodec w = worker(16, 4);
        List<byte[]> held = new ArrayList<>();
        SealedCodec[] senders = {client(ALICE), client(OTHERS[0]), client(OTHERS[1]), client(OTHERS[2])};
        for (SealedCodec c : senders) {
            for (int i = 0; i < 4; i++) {
                byte[] m = ping(c);
                w.decodeRequest(m, new Received("held-" + held.size(), 1));
                held.add(m);
            }
            clock.advance(Duration.ofMinutes(1));
        }
        // Full: a new message is refused, a held one is still recognised as a replay or a redelivery.
        refused(w, ping(client(MALLORY)), SealRejects.REPLAY_CACHE_FULL);
        refused(w, held.get(15), SealRejects.REPLAY);
        assertThat(w.decodeRequest(held.get(15), new Received("held-15", 2)).sender()).isPresent();

        // The first four were sealed 4 minutes ago: at 5 minutes they are still live, just past it they leave.
        clock.advance(Duration.ofMinutes(1));
        refused(w, ping(client(MALLORY)), SealRejects.REPLAY_CACHE_FULL);
        refused(w, held.get(0), SealRejects.REPLAY);
        clock.advance(Duration.ofMillis(1));
        assertThat(w.sealedStatus().replayCache().size()).isEqualTo(12);
        refused(w, held.get(0), SealRejects.STALE);
        opens(w, ping(client(MALLORY)));
        assertThat(w.sealedStatus().replayCache().size()).isEqualTo(13);

        clock.advance(Duration.ofMinutes(10));
        assertThat(w.sealedStatus().replayCache().size()).isZero();
        assertThat(w.sealedStatus().replayCache().senders()).isZero();
    }

    @Test
    void copiesOpenedAtOnceOnManyThreadsOpenExactlyOnce() throws Exception {
        SealedCodec w = worker(1_000, 1_000);
        byte[] captured = ping(client(ALICE));
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger replays = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int copy = t;
                done.add(pool.submit(() -> {
                    start.await();
                    try {
                        w.decodeRequest(captured, new Received("copy-" + copy, 1));
                        opened.incrementAndGet();
                    } catch (CodecException e) {
                        assertThat(e.reason()).isEqualTo(SealRejects.REPLAY);
                        replays.incrementAndGet();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(opened).hasValue(1);
        assertThat(replays).hasValue(threads - 1);
    }

    @Test
    void aClientsCodecLetsItsWorkersUseTheWholeCache() {
        SealedCodec client = SealedCodec.builder().identity(ALICE).recipient(WORKER.publicKey()).replayCacheSize(64).build();
        assertThat(client.sealedStatus().replayCache().perSenderQuota()).isEqualTo(64);
    }

    @Test
    void theQuotaCannotExceedTheCache() {
        assertThatThrownBy(() -> SealedCodec.builder().identity(WORKER).replayCacheSize(100).replayQuotaPerSender(101).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("replayQuotaPerSender");
    }
}
