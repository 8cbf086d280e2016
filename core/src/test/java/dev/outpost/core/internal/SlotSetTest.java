package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SlotSetTest {
    static final class Item extends SlotSet.Member {
        final int id;

        Item(int id) {
            this.id = id;
        }
    }

    private static Set<Integer> ids(SlotSet<Item> set) {
        Set<Integer> out = new HashSet<>();
        set.forEach(i -> assertThat(out.add(i.id)).as("%d walked once", i.id).isTrue());
        return out;
    }

    @Test
    void holdsFarMoreThanItsSlotsAndRemovesExactlyTheOneAsked() {
        SlotSet<Item> set = new SlotSet<>(2); // 8 slots; one thread probes 8 of them, the rest overflow
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Item it = new Item(i);
            items.add(it);
            set.add(it);
        }
        assertThat(set.size()).isEqualTo(100);
        for (int i = 0; i < 100; i += 3) {
            set.remove(items.get(i));
        }
        Set<Integer> expected = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            if (i % 3 != 0) {
                expected.add(i);
            }
        }
        assertThat(ids(set)).isEqualTo(expected);
        assertThat(set.size()).isEqualTo(expected.size());
        items.forEach(it -> {
            if (it.id % 3 != 0) {
                set.remove(it);
            }
        });
        assertThat(set.isEmpty()).isTrue();
        assertThat(set.size()).isZero();
    }

    @Test
    void threadsAddingAndRemovingAtOnceNeverLoseOrDoubleAnElement() throws Exception {
        SlotSet<Item> set = new SlotSet<>(4);
        int threads = 4;
        int rounds = 20_000;
        // each thread keeps up to 3 of its own in the set, more than its share of the slots
        CyclicBarrier go = new CyclicBarrier(threads + 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> started = new ArrayList<>();
        List<List<Item>> kept = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * 1_000_000;
            List<Item> mine = new ArrayList<>();
            kept.add(mine);
            Thread th = new Thread(() -> {
                try {
                    go.await();
                    List<Item> held = new ArrayList<>();
                    for (int i = 0; i < rounds; i++) {
                        Item it = new Item(base + i);
                        set.add(it);
                        held.add(it);
                        if (held.size() > 3) {
                            set.remove(held.remove(i % held.size()));
                        }
                    }
                    mine.addAll(held);
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            th.start();
            started.add(th);
        }
        go.await();
        while (started.stream().anyMatch(Thread::isAlive)) {
            ids(set); // a walk while they run sees each element at most once
        }
        for (Thread th : started) {
            th.join();
        }
        assertThat(failure.get()).isNull();
        Set<Integer> expected = new HashSet<>();
        kept.forEach(l -> l.forEach(it -> expected.add(it.id)));
        assertThat(expected).hasSize(threads * 3);
        assertThat(ids(set)).isEqualTo(expected);
        kept.forEach(l -> l.forEach(set::remove));
        assertThat(set.isEmpty()).isTrue();
    }

    @Test
    void removingTwiceOrRemovingWhatWasNeverAddedLeavesTheOthersInPlace() {
        SlotSet<Item> set = new SlotSet<>(1);
        Item a = new Item(1);
        set.add(a);
        set.remove(a);
        Item b = new Item(2);
        set.add(b); // the same thread: the slot a had
        set.remove(a);
        set.remove(new Item(3));
        assertThat(ids(set)).containsExactly(2);
    }
}
