package dev.outpost.nacl.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Message ids seen inside the freshness window, each with the transport message it arrived in.
 * Entries leave when their message would be stale anyway; if more than {@code capacity} fresh ids
 * arrive within one window, the oldest are forgotten (and counted), so memory stays bounded.
 */
public final class ReplayCache {
    private record Id(long hi, long lo) {}

    private record Seen(long expiresAtMillis, String transportMessageId) {}

    /** What a sighting means. */
    public enum Verdict {
        /** Never seen inside the window. */
        FIRST,
        /** Seen before, in the same transport message: a redelivery. */
        REDELIVERY,
        /** Seen before in another transport message, or with no transport message to compare. */
        REPLAY
    }

    private final int capacity;
    private final LinkedHashMap<Id, Seen> seen = new LinkedHashMap<>();
    private long evictedEarly;

    public ReplayCache(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Records the 16-byte id at {@code off} until {@code expiresAtMillis}.
     *
     * @param transportMessageId the transport's message id, or {@code ""} when unknown
     */
    public synchronized Verdict sighting(byte[] id, int off, long expiresAtMillis, long nowMillis, String transportMessageId) {
        for (Iterator<Map.Entry<Id, Seen>> it = seen.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Id, Seen> e = it.next();
            boolean live = e.getValue().expiresAtMillis() > nowMillis;
            if (live && seen.size() < capacity) {
                break;
            }
            if (live) {
                evictedEarly++;
            }
            it.remove();
        }
        Id key = new Id(readLong(id, off), readLong(id, off + 8));
        Seen before = seen.putIfAbsent(key, new Seen(expiresAtMillis, transportMessageId));
        if (before == null) {
            return Verdict.FIRST;
        }
        return !transportMessageId.isEmpty() && Objects.equals(before.transportMessageId(), transportMessageId)
                ? Verdict.REDELIVERY : Verdict.REPLAY;
    }

    public synchronized int size() {
        return seen.size();
    }

    /** Ids forgotten before their window closed because the cache was full. */
    public synchronized long evictedEarly() {
        return evictedEarly;
    }

    private static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }
}
