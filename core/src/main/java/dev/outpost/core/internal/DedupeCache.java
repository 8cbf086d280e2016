package dev.outpost.core.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** The ids of the last N answered requests, to drop redeliveries of work already done. */
public final class DedupeCache {
    private final int capacity;
    private final ConcurrentHashMap<String, Boolean> ids = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();

    public DedupeCache(int capacity) {
        this.capacity = capacity;
    }

    public boolean contains(String id) {
        return ids.containsKey(id);
    }

    public void add(String id) {
        if (ids.putIfAbsent(id, Boolean.TRUE) == null) {
            order.add(id);
            if (size.incrementAndGet() > capacity) {
                String oldest = order.poll();
                if (oldest != null) {
                    ids.remove(oldest);
                    size.decrementAndGet();
                }
            }
        }
    }
}
