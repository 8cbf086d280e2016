package dev.outpost.core.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The ids of the last N answered requests, to drop redeliveries of work already done. */
public final class DedupeCache {
    private final int capacity;
    /** Each id with the stamp of its place in the eviction order: an id removed and added again has a newer one. */
    private final ConcurrentHashMap<String, Long> ids = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Map.Entry<String, Long>> order = new ConcurrentLinkedQueue<>();
    private final AtomicLong stamps = new AtomicLong();
    private final AtomicInteger size = new AtomicInteger();

    public DedupeCache(int capacity) {
        this.capacity = capacity;
    }

    public boolean contains(String id) {
        return ids.containsKey(id);
    }

    public void add(String id) {
        Long stamp = stamps.incrementAndGet();
        if (ids.putIfAbsent(id, stamp) == null) {
            order.add(Map.entry(id, stamp));
            if (size.incrementAndGet() > capacity) {
                Map.Entry<String, Long> oldest = order.poll();
                if (oldest != null) {
                    ids.remove(oldest.getKey(), oldest.getValue()); // a stale place leaves the id's newer one alone
                    size.decrementAndGet();
                }
            }
        }
    }

    /** Forgets {@code id} (its answer could not be published after all); its place stays in the eviction order until evicted. */
    public void remove(String id) {
        ids.remove(id);
    }
}
