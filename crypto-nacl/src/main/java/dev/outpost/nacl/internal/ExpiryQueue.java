package dev.outpost.nacl.internal;

/**
 * When each entry of an {@link IdTable} expires: (time, slot) pairs, taken earliest first once due.
 * A message's window ends a freshness after it was sealed, and messages arrive about in the order
 * they were sealed, so most pairs come in order: those go to a ring, written and read in sequence.
 * A pair earlier than the ring's last goes to a binary heap. With the heap alone, a worker in a
 * steady state (as many ids expiring as arriving) paid a pop per message, some ten levels of
 * cache misses once the table outgrew the caches: more than half of a sighting's CPU at 300,000
 * live ids.
 *
 * <p>A pair whose slot was since forgotten or reused stays until its time; the table checks the
 * slot when the pair comes up. Not thread-safe: its table's owner locks it.
 */
final class ExpiryQueue {
    /** Where a pair's entry moved to when its table was rebuilt: its new slot, or -1 if the pair is stale. */
    interface Renumbering {
        int slot(long at, int oldSlot);
    }

    private long[] ringAt;
    private int[] ringSlot;
    private int ringHead;
    private int ringSize;
    private long[] heapAt;
    private int[] heapSlot;
    private int heapSize;

    /** @param initial a power of two */
    ExpiryQueue(int initial) {
        ringAt = new long[initial];
        ringSlot = new int[initial];
        heapAt = new long[initial];
        heapSlot = new int[initial];
    }

    /** Pairs held, stale ones included. */
    int size() {
        return ringSize + heapSize;
    }

    /** Pairs held in the heap (for tests). */
    int outOfOrder() {
        return heapSize;
    }

    void add(long at, int slot) {
        if (ringSize == 0 || at >= ringAt[(ringHead + ringSize - 1) & (ringAt.length - 1)]) {
            if (ringSize == ringAt.length) {
                resizeRing(ringAt.length * 2);
            }
            int i = (ringHead + ringSize++) & (ringAt.length - 1);
            ringAt[i] = at;
            ringSlot[i] = slot;
        } else {
            push(at, slot);
        }
    }

    /** Removes the earliest pair if it is due at {@code now} and returns its slot; -1 when none is due. */
    int pollDue(long now) {
        if (ringSize > 0 && ringAt[ringHead] <= now && (heapSize == 0 || ringAt[ringHead] <= heapAt[0])) {
            int slot = ringSlot[ringHead];
            ringHead = (ringHead + 1) & (ringAt.length - 1);
            ringSize--;
            return slot;
        }
        if (heapSize > 0 && heapAt[0] <= now) {
            int slot = heapSlot[0];
            pop();
            return slot;
        }
        return -1;
    }

    /** Forgets every pair. */
    void clear() {
        ringHead = 0;
        ringSize = 0;
        heapSize = 0;
    }

    /** Adds a pair to the heap, whatever its time: for a rebuild, then {@link #sort}. */
    void addUnsorted(long at, int slot) {
        push(at, slot);
    }

    /** After {@link #clear} and {@link #addUnsorted}: moves the pairs to the ring, in order of time. */
    void sort() {
        if (ringSize != 0) {
            throw new IllegalStateException("sort() needs an empty ring");
        }
        if (ringAt.length < heapSize) {
            resizeRing(Integer.highestOneBit(heapSize - 1) << 1);
        }
        ringHead = 0;
        while (heapSize > 0) {
            ringAt[ringSize] = heapAt[0];
            ringSlot[ringSize++] = heapSlot[0];
            pop();
        }
    }

    /** Renumbers the pairs for a rebuilt table, dropping the stale ones; the order of time is kept. */
    void renumber(Renumbering moved) {
        int kept = 0;
        int mask = ringAt.length - 1;
        for (int k = 0; k < ringSize; k++) {
            int i = (ringHead + k) & mask;
            int slot = moved.slot(ringAt[i], ringSlot[i]);
            if (slot >= 0) {
                int j = (ringHead + kept++) & mask; // never ahead of i: kept in place, in order
                ringAt[j] = ringAt[i];
                ringSlot[j] = slot;
            }
        }
        ringSize = kept;
        int n = 0;
        for (int k = 0; k < heapSize; k++) {
            int slot = moved.slot(heapAt[k], heapSlot[k]);
            if (slot >= 0) {
                heapAt[n] = heapAt[k];
                heapSlot[n++] = slot;
            }
        }
        heapSize = n;
        for (int k = n / 2 - 1; k >= 0; k--) {
            siftDown(k, heapAt[k], heapSlot[k]);
        }
    }

    private void resizeRing(int length) {
        long[] at = new long[length];
        int[] slot = new int[length];
        int mask = ringAt.length - 1;
        for (int k = 0; k < ringSize; k++) {
            at[k] = ringAt[(ringHead + k) & mask];
            slot[k] = ringSlot[(ringHead + k) & mask];
        }
        ringAt = at;
        ringSlot = slot;
        ringHead = 0;
    }

    private void push(long at, int slot) {
        if (heapSize == heapAt.length) {
            heapAt = java.util.Arrays.copyOf(heapAt, heapSize * 2);
            heapSlot = java.util.Arrays.copyOf(heapSlot, heapSize * 2);
        }
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heapAt[parent] <= at) {
                break;
            }
            heapAt[i] = heapAt[parent];
            heapSlot[i] = heapSlot[parent];
            i = parent;
        }
        heapAt[i] = at;
        heapSlot[i] = slot;
    }

    private void pop() {
        int n = --heapSize;
        if (n > 0) {
            siftDown(0, heapAt[n], heapSlot[n]);
        }
    }

    private void siftDown(int i, long at, int slot) {
        int n = heapSize;
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && heapAt[child + 1] < heapAt[child]) {
                child++;
            }
            if (heapAt[child] >= at) {
                break;
            }
            heapAt[i] = heapAt[child];
            heapSlot[i] = heapSlot[child];
            i = child;
        }
        heapAt[i] = at;
        heapSlot[i] = slot;
    }
}
