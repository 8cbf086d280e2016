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
    void oneIdSeenAndForgottenOverAndOverDoesNotGrowTheExpiryHeap() {
        // What a worker sharing replay state does with a captured message replayed from the queue:
        // each copy is new here, the registry knows it, so it is forgotten here again.
        IdTable table = new IdTable(42);
        long hash = IdTable.hash(42, 1, 7, 8);
        for (int i = 0; i < 100_000; i++) {
            table.insert(hash, 1, 7, 8, 1_000_000, 0, 0);
            table.remove(table.find(hash, 1, 7, 8));
        }
        assertThat(table.live()).isZero();
        assertThat(table.heapEntries()).isLessThanOrEqualTo(2 * table.slots());
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
}
