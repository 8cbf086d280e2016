package dev.outpost.nacl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The expiry queue against a plain list of pairs, on random mixes of every operation its table
 * makes: adds in and out of order (equal times too), drains at times that sometimes go back,
 * renumberings that drop and move pairs, and rebuilds (clear, addUnsorted, sort) followed by more
 * adds, from a queue small enough that its ring wraps and grows and its heap grows.
 */
class ExpiryQueueModelTest {
    /** Each pair's slot is a token of its own, so that the slot names its time. */
    private final Map<Integer, Long> held = new HashMap<>();
    private int nextToken;

    @Test
    void everyOperationMixKeepsThePairsAndGivesThemOutInOrderOfTime() {
        for (long seed = 1; seed <= 20; seed++) {
            run(seed, 4_000);
        }
    }

    private void run(long seed, int steps) {
        held.clear();
        Random random = new Random(seed);
        ExpiryQueue queue = new ExpiryQueue(1 << random.nextInt(4));
        long now = 1_000;
        for (int step = 0; step < steps; step++) {
            int what = random.nextInt(100);
            if (what < 60) {
                // a window after now, with equal times; a tenth sealed a while ago or far ahead
                int kind = random.nextInt(10);
                long at = kind == 0 ? now - random.nextInt(20) : kind == 1 ? now + random.nextInt(500) : now + 100 + random.nextInt(3);
                int token = nextToken++;
                queue.add(at, token);
                held.put(token, at);
            } else if (what < 80) {
                now += random.nextInt(8) - (random.nextInt(10) == 0 ? 20 : 0); // now may go back
                drainAndCheck(queue, now);
            } else if (what < 90) {
                renumber(queue, random);
            } else if (what < 93) {
                rebuild(queue, random);
            } else {
                // a burst in order: the ring fills and wraps
                for (int i = random.nextInt(200); i > 0; i--) {
                    long at = now + 100 + random.nextInt(2);
                    int token = nextToken++;
                    queue.add(at, token);
                    held.put(token, at);
                }
            }
            assertThat(queue.size()).as("seed %d step %d", seed, step).isEqualTo(held.size());
        }
        drainAndCheck(queue, Long.MAX_VALUE);
        assertThat(queue.size()).isZero();
        assertThat(queue.pollDue(Long.MAX_VALUE)).isEqualTo(-1);
    }

    /** Drops about a third of the pairs and moves the rest to new tokens, as a table rebuilt. */
    private void renumber(ExpiryQueue queue, Random random) {
        Map<Integer, Long> after = new HashMap<>();
        Set<Integer> asked = new HashSet<>();
        queue.renumber((at, old) -> {
            assertThat(asked.add(old)).as("pair %d asked twice", old).isTrue();
            assertThat(at).as("time of pair %d", old).isEqualTo(held.get(old));
            if (random.nextInt(3) == 0) {
                return -1;
            }
            int token = nextToken++;
            after.put(token, at);
            return token;
        });
        assertThat(asked).isEqualTo(held.keySet());
        held.clear();
        held.putAll(after);
    }

    /** Clears the queue and puts back a random half of its pairs, unsorted, then sorts. */
    private void rebuild(ExpiryQueue queue, Random random) {
        List<Map.Entry<Integer, Long>> kept = new ArrayList<>();
        for (Map.Entry<Integer, Long> e : held.entrySet()) {
            if (random.nextBoolean()) {
                kept.add(e);
            }
        }
        java.util.Collections.shuffle(kept, random);
        queue.clear();
        assertThat(queue.size()).isZero();
        held.clear();
        for (Map.Entry<Integer, Long> e : kept) {
            queue.addUnsorted(e.getValue(), e.getKey());
            held.put(e.getKey(), e.getValue());
        }
        queue.sort();
        assertThat(queue.outOfOrder()).isZero();
    }

    /** Takes what is due at {@code now}: exactly the reference's due pairs, earliest first, none before its time. */
    private void drainAndCheck(ExpiryQueue queue, long now) {
        long lastTaken = Long.MIN_VALUE;
        for (int slot = queue.pollDue(now); slot >= 0; slot = queue.pollDue(now)) {
            Long at = held.remove(slot);
            assertThat(at).as("slot %d given out but not held (or given out twice)", slot).isNotNull();
            assertThat(at).as("slot %d given out before its time", slot).isLessThanOrEqualTo(now);
            assertThat(at).as("slot %d given out after a later one", slot).isGreaterThanOrEqualTo(lastTaken);
            lastTaken = at;
        }
        assertThat(held.values()).as("due at %d but kept", now).allMatch(at -> at > now);
    }
}
