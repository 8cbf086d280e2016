package dev.outpost.nacl.internal;

import java.util.function.IntConsumer;

/**
 * One stripe of the {@link ReplayCache}: message ids with their sender, expiry and transport
 * message, in primitive arrays (an open-addressing table, linear probing, deletions leave
 * tombstones) with an {@link ExpiryQueue} of their expiry times. Every remembered message lives for the
 * whole freshness window: as objects, each one was copied by every young collection until it was
 * tenured, and dirtied the card of the table that pointed at it; arrays of numbers cost the
 * collector nothing per message. Not thread-safe: its owner locks it.
 */
final class IdTable {
    static final int EMPTY = 0;
    static final int GONE = -1;
    private static final int INITIAL_SLOTS = 64;

    // slot i: sender[i] is EMPTY, GONE (a tombstone) or the sender's number (> 0)
    private int[] sender;
    private long[] hi;
    private long[] lo;
    private long[] expires;
    private long[] transportHi;
    private long[] transportLo;
    // 1 while another judge (the shared replay state) has not yet passed the entry's message
    private byte[] pending;
    private int mask;
    private int live;
    private int used;

    // (expiry, slot); a slot whose entry was forgotten or replaced is skipped when it comes up
    private final ExpiryQueue expiries = new ExpiryQueue(INITIAL_SLOTS);
    // the latest expiry of an entry dropped as expired: an id not found that expires by then may have been dropped
    private long droppedThrough = Long.MIN_VALUE;

    private final long k0;
    private final long k1;

    /** @param k0 @param k1 this cache's secret 128-bit hash key: who sends ids cannot aim them at one chain of slots */
    IdTable(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
        allocate(INITIAL_SLOTS);
    }

    /**
     * The hash of (sender, id) under the key: SipHash-1-3 of the three words. Its low bits place it
     * in a table, its high bits pick the table. A keyed PRF, not a mix that the key merely shifts:
     * with one, differences in the high bits of the id passed through whatever the key, and a
     * sender could craft hundreds of ids with one full hash without knowing the key. Written here,
     * not libsodium's {@code crypto_shorthash} (SipHash-2-4): that is a JNA crossing per sighting,
     * about 0.7 µs, where this is a few nanoseconds.
     */
    static long hash(long k0, long k1, int who, long idHi, long idLo) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        long last = (who & 0xFFFFFFFFL) | 20L << 56; // 20 bytes of input, as SipHash ends its last block
        // written out (no array of the words: nothing allocated per sighting); one SipRound per word
        v3 ^= idHi;
        v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
        v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        v0 ^= idHi;
        v3 ^= idLo;
        v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
        v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        v0 ^= idLo;
        v3 ^= last;
        v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
        v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        v0 ^= last;
        v2 ^= 0xff;
        for (int r = 0; r < 3; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    int live() {
        return live;
    }

    /** The latest expiry of an entry dropped because it expired ({@link Long#MIN_VALUE} before the first). */
    long droppedThrough() {
        return droppedThrough;
    }

    /** Entries in the expiry queue, forgotten ones included (for tests). */
    int scheduled() {
        return expiries.size();
    }

    /** Slots in the table (for tests). */
    int slots() {
        return mask + 1;
    }

    /** The slot holding (sender, id) found by probing from {@code hash}, or -1. */
    int find(long hash, int who, long idHi, long idLo) {
        for (int i = (int) hash & mask; sender[i] != EMPTY; i = (i + 1) & mask) {
            if (sender[i] == who && hi[i] == idHi && lo[i] == idLo) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the message in {@code slot} arrived in the transport message whose digest is given. */
    boolean sameTransport(int slot, long digestHi, long digestLo) {
        return transportHi[slot] == digestHi && transportLo[slot] == digestLo;
    }

    /** Whether the message in {@code slot} still waits for another judge (see {@link #insert}). */
    boolean pending(int slot) {
        return pending[slot] != 0;
    }

    /** The message in {@code slot} was passed by the other judge. */
    void confirm(int slot) {
        pending[slot] = 0;
    }

    /** Remembers (sender, id), which {@link #find} did not find, until {@code expiresAt}; {@code waits}: see {@link #pending}. */
    void insert(long hash, int who, long idHi, long idLo, long expiresAt, long digestHi, long digestLo, boolean waits) {
        if (used + 1 > (mask + 1) / 4 * 3) {
            // mostly tombstones: clean up at this size; mostly live: double
            rehash(live + 1 > (mask + 1) / 8 * 3 ? (mask + 1) * 2 : mask + 1);
        }
        int i = place(hash, who, idHi, idLo, expiresAt, digestHi, digestLo, waits);
        if (expiries.size() >= 2 * (mask + 1)) {
            // A forgotten entry stays in the queue until its expiry, and an id forgotten and seen again
            // reuses its tombstone, so no rehash clears them: drop them instead of growing the queue
            // (what is live fits in 3/4 of the table, so this comes again only after 1.25 × its slots more inserts).
            requeue();
        } else {
            expiries.add(expiresAt, i);
        }
    }

    /** Puts the entry in the first free slot of its probe sequence; returns the slot. */
    private int place(long hash, int who, long idHi, long idLo, long expiresAt, long digestHi, long digestLo, boolean waits) {
        int i = (int) hash & mask;
        while (sender[i] > 0) {
            i = (i + 1) & mask;
        }
        if (sender[i] == EMPTY) {
            used++;
        }
        sender[i] = who;
        hi[i] = idHi;
        lo[i] = idLo;
        expires[i] = expiresAt;
        transportHi[i] = digestHi;
        transportLo[i] = digestLo;
        pending[i] = (byte) (waits ? 1 : 0);
        live++;
        return i;
    }

    /** The expiry queue again from the live entries alone (the slot just filled included). */
    private void requeue() {
        expiries.clear();
        for (int j = 0; j < sender.length; j++) {
            if (sender[j] > 0) {
                expiries.addUnsorted(expires[j], j);
            }
        }
        expiries.sort();
    }

    /** Forgets the entry in {@code slot}; returns its sender's number. */
    int remove(int slot) {
        int who = sender[slot];
        sender[slot] = GONE;
        live--;
        return who;
    }

    /** Forgets every entry that expires at or before {@code now}, telling {@code released} each one's sender. */
    void expire(long now, IntConsumer released) {
        for (int slot = expiries.pollDue(now); slot >= 0; slot = expiries.pollDue(now)) {
            // the slot may since hold another entry: only one that has expired too goes
            if (sender[slot] > 0 && expires[slot] <= now) {
                droppedThrough = Math.max(droppedThrough, expires[slot]);
                released.accept(remove(slot));
            }
        }
    }

    private void allocate(int slots) {
        sender = new int[slots];
        hi = new long[slots];
        lo = new long[slots];
        expires = new long[slots];
        transportHi = new long[slots];
        transportLo = new long[slots];
        pending = new byte[slots];
        mask = slots - 1;
        used = 0;
        live = 0;
    }

    private void rehash(int slots) {
        int[] oldSender = sender;
        long[] oldHi = hi;
        long[] oldLo = lo;
        long[] oldExpires = expires;
        long[] oldTransportHi = transportHi;
        long[] oldTransportLo = transportLo;
        byte[] oldPending = pending;
        allocate(slots);
        int[] moved = new int[oldSender.length];
        for (int j = 0; j < oldSender.length; j++) {
            moved[j] = oldSender[j] > 0 ? place(hash(k0, k1, oldSender[j], oldHi[j], oldLo[j]), oldSender[j], oldHi[j], oldLo[j],
                    oldExpires[j], oldTransportHi[j], oldTransportLo[j], oldPending[j] != 0) : -1;
        }
        // the queue keeps its order (re-adding the entries in table order would put most in its heap)
        expiries.renumber((at, old) -> moved[old] >= 0 && oldExpires[old] == at ? moved[old] : -1);
    }
}
