package dev.outpost.nacl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.nacl.internal.ReplayCache.Verdict;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The replay cache (striped tables of numbers, tombstones, an expiry heap) against the plainest
 * model of what it must do, on random sightings: ids that arrive out of expiry order, repeats
 * from the same and from other transport messages, forgotten ids, a cache that fills and drains,
 * and enough ids to make every table grow and clean up several times.
 */
class ReplayCacheModelTest {
    /** What the cache must answer: a map of live ids, scanned for expiry on every call. */
    static final class Model {
        record Key(String sender, long hi, long lo) {}

        record Entry(long expiresAt, String transportId) {}

        final int capacity;
        final int quota;
        final Map<Key, Entry> live = new HashMap<>();
        long refusedFull;
        long refusedOverQuota;
        long replays;

        Model(int capacity, int quota) {
            this.capacity = capacity;
            this.quota = quota;
        }

        Verdict sighting(String sender, long hi, long lo, long expiresAt, long now, String transportId) {
            live.values().removeIf(e -> e.expiresAt <= now);
            Entry before = live.get(new Key(sender, hi, lo));
            if (before != null) {
                if (!transportId.isEmpty() && before.transportId.equals(transportId)) {
                    return Verdict.REDELIVERY;
                }
                replays++;
                return Verdict.REPLAY;
            }
            if (expiresAt <= now) {
                // its window has closed (time only moves forward here, so no id has been dropped later)
                return Verdict.EXPIRED;
            }
            if (live.size() >= capacity) {
                refusedFull++;
                return Verdict.FULL;
            }
            if (live.keySet().stream().filter(k -> k.sender.equals(sender)).count() >= quota) {
                refusedOverQuota++;
                return Verdict.OVER_QUOTA;
            }
            live.put(new Key(sender, hi, lo), new Entry(expiresAt, transportId));
            return Verdict.FIRST;
        }

        void forget(String sender, long hi, long lo) {
            live.remove(new Key(sender, hi, lo));
        }

        ReplayCache.Snapshot snapshot(long now) {
            live.values().removeIf(e -> e.expiresAt <= now);
            Map<String, Integer> bySender = new HashMap<>();
            live.keySet().forEach(k -> bySender.merge(k.sender, 1, Integer::sum));
            return new ReplayCache.Snapshot(live.size(), capacity, quota, bySender.size(),
                    bySender.values().stream().mapToInt(Integer::intValue).max().orElse(0), refusedFull, refusedOverQuota, replays);
        }
    }

    record Sent(String sender, long hi, long lo, long expiresAt, String transportId) {}

    static byte[] id(long hi, long lo) {
        return ByteBuffer.allocate(20).putInt(0x5eed).putLong(hi).putLong(lo).array();
    }

    void compare(long seed, int capacity, int quota, int steps) {
        Random random = new Random(seed);
        ReplayCache cache = new ReplayCache(capacity, quota);
        Model model = new Model(capacity, quota);
        String[] senders = {"alice", "bob", "carol"};
        List<Sent> sent = new ArrayList<>();
        long now = 1_000_000;
        for (int step = 0; step < steps; step++) {
            now += random.nextInt(3);
            int what = random.nextInt(100);
            if (what < 70 || sent.isEmpty()) {
                // a new message, sealed up to 2 s ago or 0.5 s ahead: out of expiry order
                Sent s = new Sent(senders[random.nextInt(senders.length)], random.nextLong(), random.nextLong(),
                        now - random.nextInt(2_000) + random.nextInt(500) + 3_000, random.nextInt(10) == 0 ? "" : "t" + step);
                sent.add(s);
                check(cache, model, s, now, s.transportId);
            } else if (what < 85) {
                // the same transport message again, or a copy in another one
                Sent s = sent.get(random.nextInt(sent.size()));
                check(cache, model, s, now, random.nextBoolean() ? s.transportId : "copy" + step);
            } else if (what < 90) {
                Sent s = sent.get(random.nextInt(sent.size()));
                cache.forget(s.sender, id(s.hi, s.lo), 4);
                model.forget(s.sender, s.hi, s.lo);
            } else if (what < 92) {
                now += random.nextInt(4_000);
            } else {
                // same id from another sender: a different message
                Sent s = sent.get(random.nextInt(sent.size()));
                String other = senders[(java.util.Arrays.asList(senders).indexOf(s.sender) + 1) % senders.length];
                Sent t = new Sent(other, s.hi, s.lo, s.expiresAt, "o" + step);
                sent.add(t);
                check(cache, model, t, now, t.transportId);
            }
            if (step % 97 == 0) {
                assertThat(cache.snapshot(now)).as("step %d", step).isEqualTo(model.snapshot(now));
            }
        }
        assertThat(cache.snapshot(now)).isEqualTo(model.snapshot(now));
        now += 10_000;
        assertThat(cache.snapshot(now).size()).isZero();
        assertThat(cache.snapshot(now)).isEqualTo(model.snapshot(now));
    }

    static void check(ReplayCache cache, Model model, Sent s, long now, String transportId) {
        Verdict expected = model.sighting(s.sender, s.hi, s.lo, s.expiresAt, now, transportId);
        assertThat(cache.sighting(s.sender, id(s.hi, s.lo), 4, s.expiresAt, now, transportId))
                .as("%s at %d in %s", s, now, transportId).isEqualTo(expected);
    }

    @Test
    void aRoomyCacheAnswersAsTheModelDoes() {
        for (long seed = 1; seed <= 3; seed++) {
            compare(seed, 100_000, 100_000, 20_000);
        }
    }

    @Test
    void aSmallCacheThatFillsAndDrainsAnswersAsTheModelDoes() {
        for (long seed = 10; seed <= 13; seed++) {
            compare(seed, 500, 200, 20_000);
        }
    }
}
