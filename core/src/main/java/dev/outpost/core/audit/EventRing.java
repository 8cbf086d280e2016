package dev.outpost.core.audit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@link AuditLog}'s buffer: bounded, many recording threads, one writer. Each recording thread
 * gets a stripe of its own (while there are stripes enough: a power of two, at least the cores,
 * 2 to 8), an array ring it claims slots of with an uncontended CAS; no node is allocated per
 * event. The bound is kept by credit: a stripe takes room from the shared pool a chunk at a time
 * and the writer gives it back once per batch, so the recording threads do not take turns at one
 * counter's and one queue tail's cache line per event (as with the request timer's histogram bucket,
 * where that cost two threads about 400 ns per event on the development VM).
 *
 * <p>Lines are written in the order the events were recorded, across threads too: each slot keeps
 * the {@link System#nanoTime()} of its offer, and the writer takes the head with the smallest. An
 * event recorded after another was (a broker's write after the one its caller waited for) is never
 * written before it, even when both carry the same {@link AuditEvent#time()} (a fixed or coarse
 * clock): see {@link #poll()} for why a head the writer has not seen yet cannot be passed over. At most
 * {@code stripes × chunk} of the room may sit unused in other threads' stripes when one thread
 * finds the pool empty; with a small buffer the chunk is 1 and the bound exact.
 */
class EventRing {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(AuditEvent[].class);
    /** Longs between two stripes' counters: 128 bytes, so no two stripes share a cache line (or its prefetched pair). */
    private static final int STRIDE = 16;
    private static final int TAIL = 0;
    private static final int LIMIT = 1;
    private static final int HEAD = 8;

    private final int stripeCount;
    private final int ringSize;
    private final int mask;
    private final int chunk;
    /** Per stripe, at {@code i * STRIDE}: the next index to claim, the index credit runs to, and the writer's head as published. */
    private final AtomicLongArray counters;
    /** A stripe's ring, made when a thread is first given the stripe. */
    private final AtomicReferenceArray<Ring> rings;
    private final AtomicLong free;
    private final AtomicInteger assigned = new AtomicInteger();
    private final ThreadLocal<Integer> stripe = ThreadLocal.withInitial(this::assign);
    /** The writer's own heads: the next index to take from each stripe. */
    private final long[] heads;
    private int takenSinceRelease;

    EventRing(int capacity) {
        int cores = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));
        this.stripeCount = Integer.highestOneBit(cores - 1) << 1;
        this.ringSize = capacity >= 1 << 30 ? 1 << 30 : Math.max(2, Integer.highestOneBit(capacity - 1) << 1);
        this.mask = ringSize - 1;
        this.chunk = Math.max(1, Math.min(64, capacity / (4 * stripeCount)));
        this.counters = new AtomicLongArray(stripeCount * STRIDE);
        this.rings = new AtomicReferenceArray<>(stripeCount);
        this.free = new AtomicLong(Math.min(capacity, ringSize));
        this.heads = new long[stripeCount];
    }

    private Integer assign() {
        int i = assigned.getAndIncrement() & (stripeCount - 1);
        if (rings.get(i) == null) {
            rings.compareAndSet(i, null, new Ring(ringSize));
        }
        return i;
    }

    /** Adds {@code e}; false when the buffer is full. Never blocks. */
    boolean offer(AuditEvent e) {
        int i = stripe.get();
        int at = i * STRIDE;
        Ring ring = rings.get(i);
        long stamp = System.nanoTime(); // before the claim: see poll()
        while (true) {
            long t = counters.get(at + TAIL);
            if (t >= counters.get(at + LIMIT) && !takeCredit(at)) {
                return false;
            }
            if (counters.compareAndSet(at + TAIL, t, t + 1)) {
                int slot = (int) t & mask;
                ring.stamps[slot] = stamp;
                SLOT.setRelease(ring.events, slot, e); // publishes the stamp too
                return true;
            }
        }
    }

    /** Moves a chunk of room from the pool to stripe {@code at}; false when the pool is empty. */
    private boolean takeCredit(int at) {
        long f;
        long take;
        do {
            f = free.get();
            if (f == 0) {
                return false;
            }
            take = Math.min(f, chunk);
        } while (!free.compareAndSet(f, f - take));
        counters.getAndAdd(at + LIMIT, take);
        return true;
    }

    /**
     * The writer's next event, the earliest recorded of the stripes' heads; null when none is ready.
     * Writer thread only.
     *
     * <p>Why no event is written before one recorded ahead of it (E, whose {@code record} returned
     * before F's began). F's stamp is later than E's, and later than that of every event claimed
     * in E's stripe before E, since stamps are read before the claim; so while any of those is a
     * head, F is not the earliest. Two things could still hide them. A stripe read empty early in a
     * pass may have been given E before F, read later in the pass, was recorded: reading F with
     * acquire makes E visible, so the stripes found empty are read again until a pass finds no new
     * head. And a stripe whose head slot is claimed but not yet filled (threads share a stripe when
     * there are more of them than stripes) may hold E behind it: then nothing is returned until the
     * slot is filled, a matter of nanoseconds unless its thread is descheduled there. Stamps that
     * compare equal (a clock coarser than the time between two calls) are taken in stripe order.
     */
    AuditEvent poll() {
        int seen = 0;
        int from = -1;
        long earliest = 0;
        boolean grew = true;
        while (grew) {
            grew = false;
            for (int i = 0; i < stripeCount; i++) {
                if ((seen & (1 << i)) != 0) {
                    continue;
                }
                Ring ring = rings.get(i);
                if (ring == null) {
                    continue;
                }
                int slot = (int) heads[i] & mask;
                if (SLOT.getAcquire(ring.events, slot) != null) {
                    seen |= 1 << i;
                    grew = true;
                    long stamp = ring.stamps[slot];
                    if (from < 0 || stamp - earliest < 0) {
                        from = i;
                        earliest = stamp;
                    }
                } else if (counters.get(i * STRIDE + TAIL) != heads[i]) {
                    return null; // claimed, not yet filled: it, or what follows it, may be the earliest
                }
            }
        }
        if (from < 0) {
            return null;
        }
        AuditEvent[] events = rings.get(from).events;
        int slot = (int) heads[from] & mask;
        AuditEvent best = (AuditEvent) SLOT.getOpaque(events, slot);
        SLOT.setOpaque(events, slot, null);
        heads[from]++;
        takenSinceRelease++;
        return best;
    }

    /** Gives the room of the events polled since the last call back to the pool. Writer thread only. */
    void release() {
        if (takenSinceRelease == 0) {
            return;
        }
        for (int i = 0; i < stripeCount; i++) {
            counters.lazySet(i * STRIDE + HEAD, heads[i]);
        }
        free.addAndGet(takenSinceRelease); // after the slots were cleared: a recorder given this room may reuse them
        takenSinceRelease = 0;
    }

    /** Whether no event was added that the writer has not taken. Writer thread only. */
    boolean isEmpty() {
        for (int i = 0; i < stripeCount; i++) {
            if (counters.get(i * STRIDE + TAIL) != heads[i]) {
                return false;
            }
        }
        return true;
    }

    /** Events added and not yet taken by the writer (as of its last batch). */
    int size() {
        long n = 0;
        for (int i = 0; i < stripeCount; i++) {
            n += counters.get(i * STRIDE + TAIL) - counters.get(i * STRIDE + HEAD);
        }
        return (int) Math.max(0, n);
    }

    /** One stripe's slots: the events, and when each was offered. */
    private static final class Ring {
        final AuditEvent[] events;
        final long[] stamps;

        Ring(int size) {
            events = new AuditEvent[size];
            stamps = new long[size];
        }
    }
}
