package dev.outpost;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdsTest {
    @Test
    void idsAreUniqueTimeOrderedVersion7Uuids() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(Ids.next());
        }
        Set<String> unique = new HashSet<>(ids);
        assertThat(unique).hasSize(ids.size());
        assertThat(ids).isSorted();
        UUID u = UUID.fromString(ids.get(0));
        assertThat(u.version()).isEqualTo(7);
        assertThat(u.variant()).isEqualTo(2);
    }

    @Test
    void anIdDoesNotTellTheNextOne() {
        // a worker sees the ids of the requests it is sent; a client matches answers by id alone, so a worker that
        // could work out the ids a client makes next could answer requests sent to other workers, first. The random
        // bits came from ThreadLocalRandom, whose output is an invertible mix of a per-thread seed growing by a fixed
        // step: two ids from one thread gave the next one's random bits. This is that attack.
        long r1 = randomBits(Ids.next());
        long r2 = randomBits(Ids.next());
        long r3 = randomBits(Ids.next());
        long mask = 0x3fffffffffffffffL;
        for (long h1 = 0; h1 < 4; h1++) {
            for (long h2 = 0; h2 < 4; h2++) {
                long s1 = unmix(r1 | h1 << 62);
                long s2 = unmix(r2 | h2 << 62);
                assertThat(mix(s2 + (s2 - s1)) & mask).as("the third id's random bits, from the first two").isNotEqualTo(r3);
            }
        }
    }

    private static long randomBits(String id) {
        return UUID.fromString(id).getLeastSignificantBits() & 0x3fffffffffffffffL;
    }

    /** ThreadLocalRandom's output function (a Murmur3 finaliser) and its inverse. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    private static long unmix(long z) {
        z = (z ^ (z >>> 33)) * inverse(0xc4ceb9fe1a85ec53L);
        z = (z ^ (z >>> 33)) * inverse(0xff51afd7ed558ccdL);
        return z ^ (z >>> 33);
    }

    private static long inverse(long a) {
        long x = a; // Newton's iteration for the inverse modulo 2^64 of an odd number
        for (int i = 0; i < 6; i++) {
            x *= 2 - a * x;
        }
        return x;
    }
}
