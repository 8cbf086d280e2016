package dev.outpost.core.lifecycle;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections a server has open, counted in all and per client, each under its cap: what keeps one
 * client, or many, from taking every thread of a component that serves connections itself (the record store's HTTP
 * API, the metrics endpoint). A client is an IPv4 address, or an IPv6 /64: one host is commonly given a whole /64,
 * so counting its addresses one by one would give it 2^64 caps. The accepting thread takes a slot before it serves a connection; the connection's
 * thread gives it back when done. Thread-safe.
 *
 * <pre>{@code
 * ConnectionSlots slots = new ConnectionSlots(64, 8);
 * AcceptLoop.run(server, () -> !lifecycle.running(), log, "my server", socket -> {
 *     if (!slots.tryAcquire(socket.getInetAddress())) {
 *         socket.close(); // over a cap
 *         return;
 *     }
 *     pool.execute(() -> { try (socket) { serve(socket); } finally { slots.release(socket.getInetAddress()); } });
 * });
 * }</pre>
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

    /**
     * Slots for {@code max} connections, {@code maxPerClient} of them from one client.
     *
     * @throws IllegalArgumentException when either is below 1
     */
    public ConnectionSlots(int max, int maxPerClient) {
        this(max, maxPerClient, () -> { });
    }

    /** With a seam run where a release may interleave with a take (tests). */
    ConnectionSlots(int max, int maxPerClient, Runnable beforeClientCount) {
        if (max < 1 || maxPerClient < 1) {
            throw new IllegalArgumentException("connection caps must be at least 1, were " + max + " and " + maxPerClient);
        }
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
        perClient.compute(clientOf(client), (k, n) -> {
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
        perClient.computeIfPresent(clientOf(client), (k, n) -> n <= 1 ? null : n - 1);
        total.decrementAndGet();
    }

    /** The address a client's connections are counted under: an IPv6 address's /64, any other address itself. */
    static InetAddress clientOf(InetAddress address) {
        if (!(address instanceof java.net.Inet6Address)) {
            return address;
        }
        byte[] a = address.getAddress();
        java.util.Arrays.fill(a, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(a); // an IPv4-mapped address comes back as the IPv4 address
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // 16 bytes are always an address
        }
    }

    /** Connections holding a slot now. */
    public int open() {
        return total.get();
    }
}
