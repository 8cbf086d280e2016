package dev.outpost.nacl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * One table of the replay cache against a map of live ids, on what a known sender can make it do:
 * ids out of expiry order within the skew, bursts that grow the table, ids forgotten and seen
 * again over and over (same expiry: their stale pairs look live), and time that now and then goes
 * back (sightings from threads whose clocks differ). After every step: an id is remembered exactly
 * until its expiry, each one dropped is told once, and the queue and the table stay bounded.
 */
class IdTableModelTest {
    record Key(int who, long hi, long lo) {}

    /** The reference: live ids, and their expiries earliest first (a forgotten one is skipped when it comes up). */
    static final class Live {
        final Map<Key, Long> ids = new HashMap<>();
        final java.util.PriorityQueue<Map.Entry<Long, Key>> byExpiry = new java.util.PriorityQueue<>(Map.Entry.comparingByKey());

        void put(Key k, long expiresAt) {
            ids.put(k, expiresAt);
            byExpiry.add(Map.entry(expiresAt, k));
        }
    }

    @Test
    void aTableRemembersEachIdExactlyUntilItsExpiryAndStaysBounded() {
        for (long seed = 1; seed <= 6; seed++) {
            run(seed, 8_000);
        }
    }

    private static void run(long seed, int steps) {
        Random random = new Random(seed);
        long k0 = random.nextLong();
        long k1 = random.nextLong();
        IdTable table = new IdTable(k0, k1);
        Live live = new Live();
        List<Key> seen = new ArrayList<>();
        Map<Key, Long> firstExpiry = new HashMap<>(); // an id seen again comes with the expiry it was sealed with
        int peak = 0;
        long now = 1_000_000;
        for (int step = 0; step < steps; step++) {
            String at = "seed " + seed + " step " + step;
            int what = random.nextInt(100);
            if (what < 55) {
                Key k = new Key(1 + random.nextInt(3), random.nextLong(), random.nextLong());
                // a freshness window of 1,000 after sealing, sealed up to 300 ago or 100 ahead
                firstExpiry.put(k, now + 1_000 - random.nextInt(300) + random.nextInt(100));
                seen.add(k);
                sight(table, live, k, firstExpiry.get(k), now, k0, k1, at);
            } else if (what < 70 && !seen.isEmpty()) {
                Key k = seen.get(random.nextInt(seen.size()));
                sight(table, live, k, firstExpiry.get(k), now, k0, k1, at);
            } else if (what < 80 && !seen.isEmpty()) {
                Key k = seen.get(random.nextInt(seen.size()));
                forget(table, live, k, k0, k1);
            } else if (what < 83 && !seen.isEmpty()) {
                // a captured message replayed: each copy new here, then forgotten (another judge refused it)
                Key k = seen.get(random.nextInt(seen.size()));
                for (int i = random.nextInt(300); i > 0; i--) {
                    sight(table, live, k, firstExpiry.get(k), now, k0, k1, at);
                    forget(table, live, k, k0, k1);
                }
            } else if (what < 85) {
                // a burst: the table grows
                for (int i = random.nextInt(600); i > 0; i--) {
                    Key k = new Key(1, random.nextLong(), random.nextLong());
                    firstExpiry.put(k, now + 1_000 - random.nextInt(300));
                    seen.add(k);
                    sight(table, live, k, firstExpiry.get(k), now, k0, k1, at);
                }
            } else if (what < 87) {
                now -= random.nextInt(50); // another thread's clock, a little behind
            } else {
                now += random.nextInt(what < 99 ? 20 : 1_500);
            }
            peak = Math.max(peak, live.ids.size());
            check(table.live() == live.ids.size(), at, "live ids");
            check(table.scheduled() <= 2 * table.slots(), at, "queue bounded by the table");
            check(table.slots() <= Math.max(64, 6 * peak), at, "table bounded by the peak of live ids");
            if (step % 500 == 0) {
                for (Key k : live.ids.keySet()) {
                    check(table.find(IdTable.hash(k0, k1, k.who, k.hi, k.lo), k.who, k.hi, k.lo) >= 0, at, k + " remembered");
                }
            }
        }
        long end = now + 10_000;
        expire(table, live, end, at(seed));
        assertThat(table.live()).isZero();
        assertThat(table.scheduled()).as("every pair due, every pair taken").isZero();
    }

    private static void check(boolean holds, String at, String what) {
        if (!holds) {
            org.assertj.core.api.Assertions.fail(at + ": " + what);
        }
    }

    private static String at(long seed) {
        return "seed " + seed + " at the end";
    }

    /** What {@link ReplayCache#sighting} does with a table: expire, look up, remember if new and not expired. */
    private static void sight(IdTable table, Live live, Key k, long expiresAt, long now, long k0, long k1, String at) {
        expire(table, live, now, at);
        long hash = IdTable.hash(k0, k1, k.who, k.hi, k.lo);
        int slot = table.find(hash, k.who, k.hi, k.lo);
        check(slot >= 0 == live.ids.containsKey(k), at, k + (slot >= 0 ? " remembered, but not live" : " live, but not remembered"));
        if (slot < 0 && expiresAt > now) {
            table.insert(hash, k.who, k.hi, k.lo, expiresAt, 0, 0, false);
            live.put(k, expiresAt);
        }
    }

    private static void forget(IdTable table, Live live, Key k, long k0, long k1) {
        int slot = table.find(IdTable.hash(k0, k1, k.who, k.hi, k.lo), k.who, k.hi, k.lo);
        if (slot >= 0) {
            check(table.remove(slot) == k.who, "forget", k + "'s sender");
        }
        check(slot >= 0 == (live.ids.remove(k) != null), "forget", k + " remembered as long as live");
    }

    /** Expires in both; the senders told must be exactly those of the ids due. */
    private static void expire(IdTable table, Live live, long now, String at) {
        int[] told = new int[4];
        table.expire(now, who -> told[who]++);
        int[] due = new int[4];
        while (!live.byExpiry.isEmpty() && live.byExpiry.peek().getKey() <= now) {
            Map.Entry<Long, Key> e = live.byExpiry.poll();
            if (live.ids.remove(e.getValue(), e.getKey())) {
                due[e.getValue().who]++;
            }
        }
        if (!java.util.Arrays.equals(told, due)) {
            assertThat(told).as("%s: senders told at %d", at, now).containsExactly(due);
        }
    }
}
