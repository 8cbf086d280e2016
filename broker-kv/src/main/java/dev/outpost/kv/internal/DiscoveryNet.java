package dev.outpost.kv.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/** The discovery responder's network helpers: broadcast addresses, {@code HOST:PORT}, its rate limiter. */
public final class DiscoveryNet {
    private DiscoveryNet() {}

    /** The IPv4 broadcast addresses of the interface holding {@code address}; none for loopback or the wildcard. */
    public static List<InetAddress> broadcastAddresses(InetAddress address) throws SocketException {
        List<InetAddress> out = new ArrayList<>();
        if (!(address instanceof Inet4Address) || address.isAnyLocalAddress() || address.isLoopbackAddress()) {
            return out;
        }
        NetworkInterface nif = NetworkInterface.getByInetAddress(address);
        if (nif == null) {
            return out;
        }
        for (InterfaceAddress ia : nif.getInterfaceAddresses()) {
            if (address.equals(ia.getAddress()) && ia.getBroadcast() != null && !ia.getBroadcast().equals(address)) {
                out.add(ia.getBroadcast());
            }
        }
        return out;
    }

    /** {@code HOST:PORT} (IPv6 hosts in brackets), or empty when it is not that. */
    public static Optional<InetSocketAddress> hostPort(String text) {
        int colon = text.lastIndexOf(':');
        try {
            String host = text.substring(0, colon).replace("[", "").replace("]", "");
            return Optional.of(new InetSocketAddress(host, Integer.parseInt(text.substring(colon + 1))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A token bucket of {@code rate} a second and the same burst, on an injectable nanosecond ticker. One thread only. */
    public static final class TokenBucket {
        private final double ratePerNano;
        private final double burst;
        private final LongSupplier ticker;
        private double tokens;
        private long lastTick;

        public TokenBucket(int rate, LongSupplier ticker) {
            this.ratePerNano = rate / 1e9;
            this.burst = rate;
            this.tokens = rate;
            this.ticker = ticker;
            // from the ticker's own origin, not 0: System.nanoTime may be negative, and a first refill of
            // "now - 0" then emptied the bucket by billions of tokens, so no answer went out for years
            this.lastTick = ticker.getAsLong();
        }

        /** Whether a token was there (and is now taken). */
        public boolean take() {
            long now = ticker.getAsLong();
            tokens = Math.min(burst, tokens + (now - lastTick) * ratePerNano);
            lastTick = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
