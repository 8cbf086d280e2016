package dev.outpost.micrometer.internal;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open connections of an endpoint, counted in all and per client address, each under its cap.
 * Taken by the accepting thread, given back by the connections' threads.
 */
public final class ConnectionSlots {
    private final int max;
    private final int maxPerClient;
    private final Runnable beforeClientCount;
    private final AtomicInteger total = new AtomicInteger();
    /**
     * Counts changed inside the map's own atomic compute, and a client's entry gone at 0: a counter
     * object looked up, then counted, could be unmapped by a release in between and count no more.
     */
    private final Map<InetAddress, Integer> perClient = new ConcurrentHashMap<>();

    /** Slots for {@code max} connections, {@code maxPerClient} of them from one address. */
    public ConnectionSlots(int max, int maxPerClient) {
        this(max, maxPerClient, () -> { });
    }

    /** With a seam run where a release may interleave with a take (tests). */
    ConnectionSlots(int max, int maxPerClient, Runnable beforeClientCount) {
        this.max = max;
        this.maxPerClient = maxPerClient;
        this.beforeClientCount = beforeClientCount;
    }

    /** Takes a slot for a connection from {@code client}; false (nothing taken) when a cap is reached. */
    public boolean tryAcquire(InetAddress client) {
        if (total.incrementAndGet() > max) {
            total.decrementAndGet();
            return false;
        }
        beforeClientCount.run();
        boolean[] taken = {false};
        perClient.compute(client, (k, n) -> {
            int have = n == null ? 0 : n;
            taken[0] = have < maxPerClient;
            return taken[0] ? have + 1 : n;
        });
        if (!taken[0]) {
            total.decrementAndGet();
        }
        return taken[0];
    }

    /** Gives back a slot {@link #tryAcquire} took for {@code client}. */
    public void release(InetAddress client) {
        perClient.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
        total.decrementAndGet();
    }
}
