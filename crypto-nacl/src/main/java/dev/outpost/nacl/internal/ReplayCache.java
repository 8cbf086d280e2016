package dev.outpost.nacl.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

/**
 * Message ids seen inside the freshness window, each with its sender and the transport message it
 * arrived in. An id is kept until its message would be refused as stale anyway, and never
 * forgotten before: when {@code capacity} live ids are held, or a sender holds {@code perSenderQuota}
 * of them, a new id is refused ({@link Verdict#FULL}, {@link Verdict#OVER_QUOTA}) instead of
 * pushing out an id that is still live (which would let its message be replayed). Ids already
 * held are still recognised when the cache is full. Thread-safe.
 *
 * <p>Ids are spread over {@value #STRIPES} {@link IdTable}s by a hash of sender and id, each with
 * its own lock, so that a worker's threads seldom wait for each other; a lookup and the insert of
 * the same id happen under one lock. The live counts are shared, and an id is refused as over the
 * capacity or the quota only after every table has dropped what has expired. A transport message
 * is remembered by the first 128 bits of the SHA-256 of its id (what the id of a message is to the
 * sender, for the same reason: no second message matches it by chance or by design), so that
 * nothing in the cache is an object the garbage collector must copy.
 */
public final class ReplayCache {
    /** What a sighting means. */
    public enum Verdict {
        /** Never seen inside the window; now remembered until it expires. */
        FIRST,
        /** Seen before, in the same transport message: a redelivery. */
        REDELIVERY,
        /** Seen before in another transport message, or with no transport message to compare. */
        REPLAY,
        /** Not seen, and the cache holds {@code capacity} live ids: not remembered, must be refused. */
        FULL,
        /** Not seen, and its sender holds its quota of live ids: not remembered, must be refused. */
        OVER_QUOTA,
        /**
         * Seen before in the same transport message, whose first copy the shared replay state has
         * not passed yet: a copy delivered twice at once, which must be refused (the state may yet
         * find the message was opened elsewhere).
         */
        UNCONFIRMED,
        /**
         * Not seen, and it expires no later than now or than an id this cache has already dropped as
         * expired (another thread read a later time, or the clock stepped back): it may be a copy of
         * a dropped id, so it is not remembered and must be refused as stale.
         */
        EXPIRED
    }

    static final int STRIPES = 16;

    /** A sender's number in the tables (from 1) and how many live ids it holds. */
    private static final class Holder {
        final int number;
        final AtomicInteger live = new AtomicInteger();

        Holder(int number) {
            this.number = number;
        }
    }

    private record Last(Object sender, Holder holder) {}

    /** A thread's SHA-256 and the buffers it reads and writes, kept: a sighting allocates nothing for its digest. */
    private static final class Digests {
        static final ThreadLocal<Digests> LOCAL = ThreadLocal.withInitial(Digests::new);

        private final MessageDigest sha256;
        private final byte[] out = new byte[32];
        private byte[] in = new byte[256];

        private Digests() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * The SHA-256 of {@code s} with every char as two bytes: unlike UTF-8, no two strings give the
         * same bytes (it keeps unpaired surrogates). Valid until this thread's next call.
         */
        byte[] of(String s) {
            int n = s.length() * 2;
            if (in.length < n) {
                in = new byte[Math.max(n, in.length * 2)];
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                in[2 * i] = (byte) (c >>> 8);
                in[2 * i + 1] = (byte) c;
            }
            sha256.update(in, 0, n);
            try {
                sha256.digest(out, 0, out.length);
            } catch (java.security.DigestException e) {
                throw new IllegalStateException(e);
            }
            return out;
        }
    }

    private final int capacity;
    private final int perSenderQuota;
    private final long k0;
    private final long k1;
    private final IdTable[] tables = new IdTable[STRIPES];
    private final AtomicInteger live = new AtomicInteger();
    // Senders are the known-senders list's keys (only authentic messages get here): one small record each.
    private final ConcurrentHashMap<Object, Holder> holders = new ConcurrentHashMap<>();
    private volatile Holder[] byNumber = new Holder[1];
    // The sender last seen and its holder (senders are few, and mostly one sends): no map lookup then.
    private volatile Last last;
    private final LongAdder refusedFull = new LongAdder();
    private final LongAdder refusedOverQuota = new LongAdder();
    private final LongAdder replays = new LongAdder();
    private final IntConsumer release = this::release;

    /**
     * @param capacity the most live ids held
     * @param perSenderQuota the most live ids one sender may hold (at most {@code capacity})
     */
    public ReplayCache(int capacity, int perSenderQuota) {
        if (capacity < 1 || perSenderQuota < 1 || perSenderQuota > capacity) {
            throw new IllegalArgumentException("need 1 <= perSenderQuota <= capacity, was " + perSenderQuota + " and " + capacity);
        }
        this.capacity = capacity;
        this.perSenderQuota = perSenderQuota;
        SecureRandom random = new SecureRandom();
        this.k0 = random.nextLong();
        this.k1 = random.nextLong();
        for (int i = 0; i < STRIPES; i++) {
            tables[i] = new IdTable(k0, k1);
        }
    }

    /**
     * Looks up the 16-byte id at {@code off} and, when it is new and there is room, remembers it
     * until {@code expiresAtMillis}.
     *
     * @param sender who sent it (equality and hash code identify the sender)
     * @param transportMessageId the transport's message id, or {@code ""} when unknown
     */
    public Verdict sighting(Object sender, byte[] id, int off, long expiresAtMillis, long nowMillis,
            String transportMessageId) {
        return sighting(sender, id, off, expiresAtMillis, nowMillis, transportMessageId, false);
    }

    /**
     * {@link #sighting(Object, byte[], int, long, long, String)}; when {@code awaitsConfirmation}, a
     * new id is remembered as not yet passed by the shared replay state, and a redelivery of it is
     * {@link Verdict#UNCONFIRMED} until {@link #confirm}.
     */
    public Verdict sighting(Object sender, byte[] id, int off, long expiresAtMillis, long nowMillis,
            String transportMessageId, boolean awaitsConfirmation) {
        Objects.requireNonNull(sender, "sender");
        Holder who = holder(sender);
        long idHi = readLong(id, off);
        long idLo = readLong(id, off + 8);
        boolean known = !transportMessageId.isEmpty();
        long digestHi = 0;
        long digestLo = 0;
        if (known) {
            byte[] d = Digests.LOCAL.get().of(transportMessageId);
            digestHi = readLong(d, 0);
            digestLo = readLong(d, 8);
        }
        long hash = IdTable.hash(k0, k1, who.number, idHi, idLo);
        IdTable table = tables[(int) (hash >>> 60)];
        for (int attempt = 0; ; attempt++) {
            Verdict refusal;
            synchronized (table) {
                table.expire(nowMillis, release);
                int slot = table.find(hash, who.number, idHi, idLo);
                if (slot >= 0) {
                    // Keyed by sender and the id sealed inside the message: one sender cannot pre-empt
                    // another's ids, and random 128-bit ids of one sender do not collide by chance.
                    if (known && table.sameTransport(slot, digestHi, digestLo)) {
                        if (table.pending(slot)) {
                            replays.increment();
                            return Verdict.UNCONFIRMED;
                        }
                        return Verdict.REDELIVERY;
                    }
                    replays.increment();
                    return Verdict.REPLAY;
                }
                if (expiresAtMillis <= Math.max(nowMillis, table.droppedThrough())) {
                    return Verdict.EXPIRED;
                }
                refusal = reserve(who);
                if (refusal == null) {
                    table.insert(hash, who.number, idHi, idLo, expiresAtMillis, digestHi, digestLo, awaitsConfirmation);
                    return Verdict.FIRST;
                }
            }
            if (attempt > 0) {
                (refusal == Verdict.FULL ? refusedFull : refusedOverQuota).increment();
                return refusal;
            }
            // Refused only when it is still so once every table has dropped what has expired.
            expireAll(nowMillis);
        }
    }

    /** Counts one more live id for {@code who}, or says why not. */
    private Verdict reserve(Holder who) {
        if (live.incrementAndGet() > capacity) {
            live.decrementAndGet();
            return Verdict.FULL;
        }
        if (who.live.incrementAndGet() > perSenderQuota) {
            who.live.decrementAndGet();
            live.decrementAndGet();
            return Verdict.OVER_QUOTA;
        }
        return null;
    }

    private void release(int number) {
        byNumber[number].live.decrementAndGet();
        live.decrementAndGet();
    }

    private Holder holder(Object sender) {
        Last l = last;
        if (l != null && l.sender() == sender) {
            return l.holder();
        }
        Holder h = holders.get(sender);
        if (h != null) {
            last = new Last(sender, h);
            return h;
        }
        synchronized (holders) {
            h = holders.get(sender);
            if (h == null) {
                Holder[] all = byNumber;
                h = new Holder(all.length);
                Holder[] grown = Arrays.copyOf(all, all.length + 1);
                grown[h.number] = h;
                byNumber = grown;
                holders.put(sender, h);
            }
            return h;
        }
    }

    private void expireAll(long nowMillis) {
        for (IdTable t : tables) {
            synchronized (t) {
                t.expire(nowMillis, release);
            }
        }
    }

    /** Marks an id remembered by {@link #sighting} as passed by the shared replay state: its redeliveries open. */
    public void confirm(Object sender, byte[] id, int off) {
        atSlot(sender, id, off, IdTable::confirm);
    }

    /** Forgets an id remembered by {@link #sighting} (when a later check refused its message). */
    public void forget(Object sender, byte[] id, int off) {
        atSlot(sender, id, off, (table, slot) -> release(table.remove(slot)));
    }

    private interface SlotAction {
        void apply(IdTable table, int slot);
    }

    /** Does {@code action} on the slot of (sender, id) under its table's lock, if the id is remembered. */
    private void atSlot(Object sender, byte[] id, int off, SlotAction action) {
        Holder who = holders.get(sender);
        if (who == null) {
            return;
        }
        long idHi = readLong(id, off);
        long idLo = readLong(id, off + 8);
        long hash = IdTable.hash(k0, k1, who.number, idHi, idLo);
        IdTable table = tables[(int) (hash >>> 60)];
        synchronized (table) {
            int slot = table.find(hash, who.number, idHi, idLo);
            if (slot >= 0) {
                action.apply(table, slot);
            }
        }
    }

    /** The most live ids held. */
    public int capacity() {
        return capacity;
    }

    /** The most live ids one sender may hold. */
    public int perSenderQuota() {
        return perSenderQuota;
    }

    /** Counts a replay found elsewhere (the shared replay state). */
    public void countReplay() {
        replays.increment();
    }

    /** The cache's state now, after dropping expired ids. */
    public Snapshot snapshot(long nowMillis) {
        expireAll(nowMillis);
        int busiest = 0;
        int senders = 0;
        for (Holder h : byNumber) {
            int n = h == null ? 0 : h.live.get();
            busiest = Math.max(busiest, n);
            senders += n > 0 ? 1 : 0;
        }
        return new Snapshot(live.get(), capacity, perSenderQuota, senders, busiest, refusedFull.sum(), refusedOverQuota.sum(),
                replays.sum());
    }

    /**
     * The state of the cache.
     *
     * @param size live ids held
     * @param capacity the most live ids held
     * @param perSenderQuota the most live ids one sender may hold
     * @param senders senders holding live ids
     * @param busiestSender the most live ids held by one sender
     * @param refusedFull messages refused because the cache was full
     * @param refusedOverQuota messages refused because their sender held its quota
     * @param replays replays refused
     */
    public record Snapshot(int size, int capacity, int perSenderQuota, int senders, int busiestSender, long refusedFull,
            long refusedOverQuota, long replays) {}

    private static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }
}
