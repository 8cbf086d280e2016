package dev.outpost.nacl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.nacl.internal.ReplayCache.Verdict;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The replay cache's promises under the uses an attacker or a careless caller can make of it. */
class ReplayCacheAttackTest {
    static byte[] id(long hi, long lo) {
        return ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
    }

    @Test
    void oneIdSeenAndForgottenOverAndOverDoesNotGrowTheExpiryQueue() {
        // What a worker sharing replay state does with a captured message replayed from the queue:
        // each copy is new here, the registry knows it, so it is forgotten here again.
        IdTable table = new IdTable(42, 43);
        long hash = IdTable.hash(42, 43, 1, 7, 8);
        for (int i = 0; i < 100_000; i++) {
            table.insert(hash, 1, 7, 8, 1_000_000, 0, 0, false);
            table.remove(table.find(hash, 1, 7, 8));
        }
        assertThat(table.live()).isZero();
        assertThat(table.scheduled()).isLessThanOrEqualTo(2 * table.slots());
    }

    @Test
    void transportIdsThatDifferOnlyInUnpairedSurrogatesAreDifferentMessages() {
        // UTF-8 turns every unpaired surrogate into '?': the two ids would have the same digest.
        ReplayCache cache = new ReplayCache(10, 10);
        assertThat(cache.sighting("alice", id(1, 2), 0, 5_000, 1_000, "m\uD800")).isEqualTo(Verdict.FIRST);
        assertThat(cache.sighting("alice", id(1, 2), 0, 5_000, 1_001, "m\uDBFF")).isEqualTo(Verdict.REPLAY);
        assertThat(cache.sighting("alice", id(1, 2), 0, 5_000, 1_002, "m?")).isEqualTo(Verdict.REPLAY);
        assertThat(cache.sighting("alice", id(1, 2), 0, 5_000, 1_003, "m\uD800")).isEqualTo(Verdict.REDELIVERY);
    }

    @Test
    void anIdDroppedAsExpiredIsNotNewAtAnEarlierTime() {
        ReplayCache cache = new ReplayCache(10, 10);
        assertThat(cache.sighting("alice", id(3, 4), 0, 5_000, 1_000, "t1")).isEqualTo(Verdict.FIRST);
        assertThat(cache.snapshot(5_000).size()).isZero();
        assertThat(cache.sighting("alice", id(3, 4), 0, 5_000, 4_999, "t2")).isEqualTo(Verdict.EXPIRED);
        assertThat(cache.sighting("alice", id(3, 4), 0, 5_000, 4_999, "t1")).isEqualTo(Verdict.EXPIRED);
        // an id whose window has closed by the time given is not taken either (it would be dropped at once)
        assertThat(cache.sighting("bob", id(5, 6), 0, 6_000, 6_000, "t3")).isEqualTo(Verdict.EXPIRED);
        // what expires later is unaffected
        assertThat(cache.sighting("alice", id(3, 5), 0, 5_001, 4_999, "t4")).isEqualTo(Verdict.FIRST);
        assertThat(cache.snapshot(4_999).size()).isEqualTo(1);
    }

    @Test
    void manyThreadsSightingForgettingAndExpiringTheSameIdsKeepTheCountsRight() throws Exception {
        ReplayCache cache = new ReplayCache(5_000, 2_000);
        int threads = 6;
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(1_000);
        java.util.concurrent.ConcurrentHashMap<Long, java.util.concurrent.atomic.AtomicInteger> firsts = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            done.add(pool.submit(() -> {
                java.util.Random r = new java.util.Random(me);
                for (int i = 0; i < 100_000; i++) {
                    long n = r.nextInt(3_000);
                    String sender = "s" + (n % 3);
                    long now = clock.get();
                    // ids 0..999 live long, are never forgotten: exactly one FIRST each, ever
                    long expires = n < 1_000 ? Long.MAX_VALUE : now + r.nextInt(50);
                    Verdict v = cache.sighting(sender, id(n, ~n), 0, expires, now, "t" + me + "-" + i);
                    if (n < 1_000 && v == Verdict.FIRST) {
                        firsts.computeIfAbsent(n, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                    }
                    if (n >= 2_000 && v == Verdict.FIRST) {
                        cache.forget(sender, id(n, ~n), 0);
                    }
                    if (r.nextInt(100) == 0) {
                        clock.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (java.util.concurrent.Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        assertThat(firsts).hasSize(1_000);
        assertThat(firsts.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
        ReplayCache.Snapshot after = cache.snapshot(clock.get() + 1_000);
        assertThat(after.size()).isEqualTo(1_000);
        assertThat(after.senders()).isEqualTo(3);
        for (long n = 0; n < 1_000; n++) {
            assertThat(cache.sighting("s" + (n % 3), id(n, ~n), 0, Long.MAX_VALUE, clock.get() + 1_000, "late")).isEqualTo(Verdict.REPLAY);
            cache.forget("s" + (n % 3), id(n, ~n), 0);
        }
        ReplayCache.Snapshot empty = cache.snapshot(clock.get() + 1_000);
        assertThat(empty.size()).isZero();
        assertThat(empty.busiestSender()).isZero();
        assertThat(empty.senders()).isZero();
    }

    /**
     * A sender who does not know the secret key crafts ids that differ in the high bits of one half
     * and by a matching amount in the other: with a hash whose key only shifts its inputs, their
     * differences pass through unchanged, and hundreds of ids share one full hash (one table, one
     * probe chain, walked by every sighting that lands there).
     */
    @Test
    void idsCraftedWithoutTheKeyDoNotShareAHash() {
        java.security.SecureRandom random = new java.security.SecureRandom();
        long c1 = 0x9E3779B97F4A7C15L;
        int bits = 10;
        for (int trial = 0; trial < 20; trial++) {
            long key = random.nextLong();
            java.util.Set<Long> hashes = new java.util.HashSet<>();
            for (long j = 0; j < 1 << bits; j++) {
                long k = (-(c1 * (j << (64 - bits)))) >>> (64 - bits);
                hashes.add(IdTable.hash(key, ~key, 1, j << (64 - bits), k << (35 - bits)));
            }
            assertThat(hashes).as("distinct hashes of %d crafted ids", 1 << bits).hasSize(1 << bits);
        }
        for (int i = 0; i < 1_000; i++) {
            long key = random.nextLong();
            long hi = random.nextLong();
            long lo = random.nextLong();
            assertThat(IdTable.hash(key, ~key, 1, hi ^ Long.MIN_VALUE, lo + (1L << 34))).isNotEqualTo(IdTable.hash(key, ~key, 1, hi, lo));
        }
    }
}
