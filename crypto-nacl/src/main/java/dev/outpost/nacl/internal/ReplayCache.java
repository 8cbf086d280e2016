package dev.outpost.nacl.internal;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Message ids seen inside the freshness window, each with its sender and the transport message it
 * arrived in. An id is kept until its message would be refused as stale anyway, and never
 * forgotten before: when {@code capacity} live ids are held, or a sender holds {@code perSenderQuota}
 * of them, a new id is refused ({@link Verdict#FULL}, {@link Verdict#OVER_QUOTA}) instead of
 * pushing out an id that is still live (which would let its message be replayed). Ids already
 * held are still recognised when the cache is full. Thread-safe; O(1) per sighting when messages arrive in about the order they were sealed, O(log n) otherwise.
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
        OVER_QUOTA
    }

    /**
     * One remembered message, its own key (sender and id; the other fields take no part in
     * equality): one object per message, since every one lives for the whole window and the
     * garbage collector copies what lives.
     */
    private static final class Seen {
        final Object sender;
        final long hi;
        final long lo;
        final long expiresAtMillis;
        final String transportMessageId;

        Seen(Object sender, long hi, long lo, long expiresAtMillis, String transportMessageId) {
            this.sender = sender;
            this.hi = hi;
            this.lo = lo;
            this.expiresAtMillis = expiresAtMillis;
            this.transportMessageId = transportMessageId;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Seen s && s.hi == hi && s.lo == lo && s.sender.equals(sender);
        }

        @Override
        public int hashCode() {
            return (Long.hashCode(hi) * 31 + Long.hashCode(lo)) * 31 + sender.hashCode();
        }
    }

    /** Live ids one sender holds. */
    private static final class Count {
        int n;
    }

    /** Presizing avoids rehashing a large table under the lock as the cache fills; past this, it grows. */
    private static final int PRESIZE_LIMIT = 1 << 17;

    private final int capacity;
    private final int perSenderQuota;
    private final Map<Seen, Seen> seen;
    // Ids by the millisecond they expire in: messages arrive in about the order they expire, so
    // nearly every sighting appends to the newest bucket without touching the tree.
    private final TreeMap<Long, ArrayDeque<Seen>> byExpiry = new TreeMap<>();
    private long newestBucketAt = Long.MIN_VALUE;
    private ArrayDeque<Seen> newestBucket;
    private final Map<Object, Count> perSender = new HashMap<>();
    private long refusedFull;
    private long refusedOverQuota;
    private long replays;

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
        this.seen = new HashMap<>(Math.min(capacity, PRESIZE_LIMIT) * 4 / 3 + 1);
    }

    /**
     * Looks up the 16-byte id at {@code off} and, when it is new and there is room, remembers it
     * until {@code expiresAtMillis}.
     *
     * @param sender who sent it (equality and hash code identify the sender)
     * @param transportMessageId the transport's message id, or {@code ""} when unknown
     */
    public synchronized Verdict sighting(Object sender, byte[] id, int off, long expiresAtMillis, long nowMillis,
            String transportMessageId) {
        Objects.requireNonNull(sender, "sender");
        expire(nowMillis);
        Seen s = new Seen(sender, readLong(id, off), readLong(id, off + 8), expiresAtMillis, transportMessageId);
        Seen before = seen.get(s);
        if (before != null) {
            // Keyed by sender and the id sealed inside the message: one sender cannot pre-empt
            // another's ids, and random 128-bit ids of one sender do not collide by chance.
            if (!transportMessageId.isEmpty() && before.transportMessageId.equals(transportMessageId)) {
                return Verdict.REDELIVERY;
            }
            replays++;
            return Verdict.REPLAY;
        }
        if (seen.size() >= capacity) {
            refusedFull++;
            return Verdict.FULL;
        }
        Count held = perSender.get(sender);
        if (held != null && held.n >= perSenderQuota) {
            refusedOverQuota++;
            return Verdict.OVER_QUOTA;
        }
        seen.put(s, s);
        bucket(expiresAtMillis).add(s);
        if (held == null) {
            held = new Count();
            perSender.put(sender, held);
        }
        held.n++;
        return Verdict.FIRST;
    }

    /** Forgets an id remembered by {@link #sighting} (when a later check refused its message). */
    public synchronized void forget(Object sender, byte[] id, int off) {
        Seen s = seen.remove(new Seen(sender, readLong(id, off), readLong(id, off + 8), 0, ""));
        if (s != null) {
            ArrayDeque<Seen> bucket = byExpiry.get(s.expiresAtMillis);
            if (bucket != null) {
                bucket.remove(s);
                if (bucket.isEmpty()) {
                    dropBucket(s.expiresAtMillis);
                }
            }
            release(s.sender);
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
    public synchronized void countReplay() {
        replays++;
    }

    /** The cache's state now, after dropping expired ids. */
    public synchronized Snapshot snapshot(long nowMillis) {
        expire(nowMillis);
        int busiest = 0;
        for (Count c : perSender.values()) {
            busiest = Math.max(busiest, c.n);
        }
        return new Snapshot(seen.size(), capacity, perSenderQuota, perSender.size(), busiest, refusedFull, refusedOverQuota,
                replays);
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

    private void expire(long nowMillis) {
        while (!byExpiry.isEmpty() && byExpiry.firstKey() <= nowMillis) {
            long at = byExpiry.firstKey();
            for (Seen s : byExpiry.get(at)) {
                seen.remove(s);
                release(s.sender);
            }
            dropBucket(at);
        }
    }

    private ArrayDeque<Seen> bucket(long expiresAtMillis) {
        if (expiresAtMillis != newestBucketAt) {
            newestBucket = byExpiry.computeIfAbsent(expiresAtMillis, t -> new ArrayDeque<>(2));
            newestBucketAt = expiresAtMillis;
        }
        return newestBucket;
    }

    private void dropBucket(long at) {
        byExpiry.remove(at);
        if (at == newestBucketAt) {
            newestBucketAt = Long.MIN_VALUE;
            newestBucket = null;
        }
    }

    private void release(Object sender) {
        Count c = perSender.get(sender);
        if (c != null && --c.n == 0) {
            perSender.remove(sender);
        }
    }

    private static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }
}
