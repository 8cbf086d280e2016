package dev.outpost.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The set of what a worker has in flight (deliveries, watched runs): added to and removed from
 * once per request by the loop threads, walked only by the timer, shutdown and the status report.
 * A {@code ConcurrentHashMap} key set cost two loop threads about 0.3 µs a request here (a node
 * per add, and the size counter both threads update: 7.8% of their samples, bench/README
 * 2026-12-06). An add is one CAS on a slot of an array, starting from one the thread is likely to
 * find free, and a remove one CAS on that slot; nothing is allocated. Slots are a cache line
 * apart, so two threads never write the same line. When the slots near a thread's start are taken
 * (more in flight than expected), the element goes to an overflow set instead.
 *
 * <p>Walks are weakly consistent, as a concurrent set's iterator is.
 */
final class SlotSet<T extends SlotSet.Member> {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    /** References between two slots: 64 bytes with compressed references. */
    private static final int STRIDE = 16;
    private static final int PROBES = 8;
    private static final int MAX_SLOTS = 1024;

    /** What a {@link SlotSet} holds: it keeps the slot it was given, so a remove needs no search. */
    abstract static class Member {
        /** The array index, {@code -1} in the overflow set; written before the element is published. */
        int slotAt = -1;
    }

    private final Object[] slots;
    private final int mask;
    private final Set<T> overflow = ConcurrentHashMap.newKeySet();

    /** A set with room for about {@code expected} elements in slots (twice that, rounded up, 8 to 1024). */
    SlotSet(int expected) {
        int n = Math.max(8, Math.min(MAX_SLOTS, Integer.highestOneBit(Math.max(1, 2 * expected - 1)) << 1));
        this.slots = new Object[n * STRIDE];
        this.mask = n - 1;
    }

    void add(T e) {
        // a thread tends to remove what it added before adding again, so it finds its own slot free
        int start = spread(System.identityHashCode(Thread.currentThread()));
        for (int p = 0; p < PROBES; p++) {
            int i = ((start + p) & mask) * STRIDE;
            if (SLOT.getOpaque(slots, i) == null) {
                e.slotAt = i; // e is not visible to others until the CAS succeeds
                if (SLOT.compareAndSet(slots, i, null, e)) {
                    return;
                }
            }
        }
        e.slotAt = -1;
        overflow.add(e);
    }

    /** Removes {@code e}; a second remove, or one of what was never added, changes nothing. */
    void remove(T e) {
        int i = e.slotAt;
        // a CAS, not a store: the slot may hold another element by now if e was removed before
        if (i < 0 || !SLOT.compareAndSet(slots, i, e, null)) {
            overflow.remove(e);
        }
    }

    @SuppressWarnings("unchecked")
    void forEach(Consumer<? super T> action) {
        for (int i = 0; i < slots.length; i += STRIDE) {
            Object e = SLOT.getAcquire(slots, i);
            if (e != null) {
                action.accept((T) e);
            }
        }
        overflow.forEach(action);
    }

    boolean isEmpty() {
        for (int i = 0; i < slots.length; i += STRIDE) {
            if (SLOT.getAcquire(slots, i) != null) {
                return false;
            }
        }
        return overflow.isEmpty();
    }

    int size() {
        int n = 0;
        for (int i = 0; i < slots.length; i += STRIDE) {
            if (SLOT.getAcquire(slots, i) != null) {
                n++;
            }
        }
        return n + overflow.size();
    }

    private static int spread(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
