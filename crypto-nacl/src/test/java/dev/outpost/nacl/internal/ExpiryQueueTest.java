package dev.outpost.nacl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExpiryQueueTest {
    /** Pairs still held by the reference: {time, slot}. */
    private final List<long[]> held = new ArrayList<>();

    @Test
    void everyPairComesOutOnceItIsDueAndNotBeforeWhateverTheOrderTheyCameIn() {
        Random random = new Random(7);
        ExpiryQueue queue = new ExpiryQueue(4); // small, so the ring wraps and grows
        long now = 1_000;
        for (int step = 0; step < 20_000; step++) {
            // mostly in order (a window after now), some earlier, as messages sealed a while ago arrive
            long at = random.nextInt(10) == 0 ? now + random.nextInt(50) : now + 100 + random.nextInt(3);
            int slot = random.nextInt(1 << 20);
            if (timeOf.putIfAbsent(slot, at) != null) {
                continue; // one pair per slot, so that a slot names its time
            }
            queue.add(at, slot);
            held.add(new long[] {at, slot});
            if (random.nextInt(3) == 0) {
                now += random.nextInt(4);
                drainAndCheck(queue, now);
            }
        }
        assertThat(queue.outOfOrder()).isLessThan(queue.size()); // most went to the ring
        drainAndCheck(queue, Long.MAX_VALUE - 1);
        assertThat(queue.size()).isZero();
    }

    @Test
    void renumberingKeepsTheLivePairsUnderTheirNewSlotsAndStillGivesThemOutInTime() {
        ExpiryQueue queue = new ExpiryQueue(4);
        for (int slot = 0; slot < 10; slot++) {
            queue.add(100 + slot, slot); // in order: the ring
        }
        queue.add(50, 10); // earlier: the heap
        queue.add(40, 11);
        // odd slots are stale; even ones move to slot + 1000
        queue.renumber((at, old) -> old % 2 == 0 ? old + 1000 : -1);
        assertThat(queue.size()).isEqualTo(6);
        assertThat(queue.pollDue(39)).isEqualTo(-1);
        assertThat(queue.pollDue(50)).isEqualTo(1010);
        assertThat(queue.pollDue(50)).isEqualTo(-1);
        List<Integer> out = new ArrayList<>();
        for (int slot = queue.pollDue(200); slot >= 0; slot = queue.pollDue(200)) {
            out.add(slot);
        }
        assertThat(out).containsExactly(1000, 1002, 1004, 1006, 1008);
    }

    @Test
    void pairsAddedUnsortedComeOutInOrderOfTimeOnceSorted() {
        ExpiryQueue queue = new ExpiryQueue(2);
        queue.add(5, 99);
        queue.clear();
        long[] times = {30, 10, 20, 15, 40, 5};
        for (int i = 0; i < times.length; i++) {
            queue.addUnsorted(times[i], i);
        }
        queue.sort();
        assertThat(queue.outOfOrder()).isZero();
        queue.add(35, 6); // earlier than the ring's last: the heap
        assertThat(queue.outOfOrder()).isEqualTo(1);
        List<Integer> out = new ArrayList<>();
        for (long now : new long[] {10, 30, 40}) {
            for (int slot = queue.pollDue(now); slot >= 0; slot = queue.pollDue(now)) {
                out.add(slot);
            }
            out.add(-1);
        }
        assertThat(out).containsExactly(5, 1, -1, 3, 2, 0, -1, 6, 4, -1);
    }

    private final java.util.Map<Integer, Long> timeOf = new java.util.HashMap<>();

    private List<Long> times(List<Integer> slots) {
        return slots.stream().map(timeOf::get).toList();
    }

    /** Takes what is due at {@code now} and checks it is exactly the reference's due pairs. */
    private void drainAndCheck(ExpiryQueue queue, long now) {
        List<Integer> taken = new ArrayList<>();
        for (int slot = queue.pollDue(now); slot >= 0; slot = queue.pollDue(now)) {
            taken.add(slot);
        }
        List<Integer> due = new ArrayList<>();
        held.removeIf(p -> {
            if (p[0] <= now) {
                due.add((int) p[1]);
                return true;
            }
            return false;
        });
        assertThat(taken).containsExactlyInAnyOrderElementsOf(due);
        assertThat(times(taken)).isSorted();
        assertThat(queue.size()).isEqualTo(held.size());
    }
}
