package dev.outpost.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.kv.internal.Wire;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Optional UDP discovery on the local network, bpbroker's idea done carefully: a host sends a key
 * ({@link DiscoveryClient#find}); a broker holding that key answers with how to reach it. Also
 * answers a ping by echoing the caller's data.
 *
 * <pre>{@code
 * try (DiscoveryResponder discovery = DiscoveryResponder.builder(registry, new InetSocketAddress("10.0.0.5", 20443))
 *         .discoverable("svc").reach(Map.of("transport", "sqs", "requests", "kv-requests")).build().start()) { ... }
 * }</pre>
 *
 * <ul>
 *   <li>Off unless built: nothing listens by default. It binds the one address it is given (a
 *       wildcard address is refused unless {@link Builder#allowWildcard}).
 *   <li>Answers carry nothing secret: the broker id and the {@link Builder#reach} map the operator
 *       wrote, never a value, a version or an access key. Keys outside the
 *       {@link Builder#discoverable} namespaces get no answer, as unknown keys do, so discovery is
 *       no oracle for other namespaces.
 *   <li>Rate-limited: at most {@link Builder#maxAnswersPerSecond} (default 50) answers a second,
 *       with an equal burst; requests beyond are dropped and counted. Datagrams over 1024 bytes or
 *       not JSON are dropped.
 * </ul>
 *
 * <p>Protocol: a JSON datagram {@code {"v":1,"op":"find","key":K,"nonce":N}} or
 * {@code {"v":1,"op":"ping","nonce":N,"data":D}}; answers {@code {"v":1,"nonce":N,"broker":B,
 * "key":K,"reach":{..}}} or {@code {"v":1,"nonce":N,"broker":B,"data":D}}. One thread,
 * {@code outpost-kv-discovery-PORT}; {@link #close()} stops it.
 */
public final class DiscoveryResponder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiscoveryResponder.class);
    /** The largest datagram read or sent. */
    public static final int MAX_DATAGRAM = 1024;

    private final Registry registry;
    private final DatagramSocket socket;
    private final Set<String> namespaces;
    private final ObjectNode reach;
    private final String brokerId;
    private final double ratePerNano;
    private final double burst;
    private final LongSupplier ticker;
    private final Thread thread;
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private double tokens;
    private long lastTick;
    private volatile boolean closed;

    private DiscoveryResponder(Builder b) {
        this.registry = b.registry;
        this.namespaces = Set.copyOf(b.namespaces);
        this.reach = Wire.JSON.valueToTree(b.reach);
        this.brokerId = b.brokerId;
        this.ratePerNano = b.maxAnswersPerSecond / 1e9;
        this.burst = b.maxAnswersPerSecond;
        this.ticker = b.ticker;
        this.tokens = burst;
        this.lastTick = ticker.getAsLong();
        try {
            this.socket = new DatagramSocket(b.bind);
            this.socket.setSoTimeout(200);
        } catch (SocketException e) {
            throw new UncheckedIOException("cannot bind discovery to " + b.bind + ": " + e.getMessage(), e);
        }
        this.thread = new Thread(this::serve, "outpost-kv-discovery-" + socket.getLocalPort());
        this.thread.setDaemon(true);
    }

    /** A builder answering for {@code registry} on {@code bind} (an interface address and port). */
    public static Builder builder(Registry registry, InetSocketAddress bind) {
        return new Builder(registry, bind);
    }

    /** Starts answering; returns this. */
    public DiscoveryResponder start() {
        thread.start();
        return this;
    }

    /** The address it listens on (with the port chosen when 0 was given). */
    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** How many requests were answered. */
    public long answered() {
        return answered.get();
    }

    /** How many requests were dropped (over the rate, malformed, too large). */
    public long dropped() {
        return dropped.get();
    }

    private void serve() {
        byte[] buf = new byte[MAX_DATAGRAM + 1];
        while (!closed) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                if (!closed) {
                    log.warn("discovery on {}: receive failed", address(), e);
                }
                continue;
            }
            try {
                handle(p);
            } catch (RuntimeException e) {
                dropped.incrementAndGet();
                log.debug("discovery: dropped a request from {}: {}", p.getSocketAddress(), e.toString());
            }
        }
    }

    private void handle(DatagramPacket p) throws RuntimeException {
        if (p.getLength() > MAX_DATAGRAM || !take()) {
            dropped.incrementAndGet();
            return;
        }
        JsonNode q;
        try {
            q = Wire.JSON.readTree(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            dropped.incrementAndGet();
            return;
        }
        if (q.path("v").asInt() != 1 || !q.path("nonce").isTextual() || q.get("nonce").asText().length() > 64) {
            dropped.incrementAndGet();
            return;
        }
        ObjectNode a = Wire.JSON.createObjectNode();
        a.put("v", 1);
        a.put("nonce", q.get("nonce").asText());
        a.put("broker", brokerId);
        switch (q.path("op").asText()) {
            case "find" -> {
                String key = q.path("key").asText("");
                try {
                    RegistryKeys.checkKey(key);
                } catch (RegistryException e) {
                    dropped.incrementAndGet();
                    return;
                }
                if (!namespaces.contains(RegistryKeys.namespaceOf(key)) || registry.get(key).isEmpty()) {
                    return; // silence, whether unknown or not discoverable
                }
                a.put("key", key);
                a.set("reach", reach);
            }
            case "ping" -> a.set("data", q.path("data"));
            default -> {
                dropped.incrementAndGet();
                return;
            }
        }
        byte[] out = a.toString().getBytes(StandardCharsets.UTF_8);
        if (out.length > MAX_DATAGRAM) {
            dropped.incrementAndGet();
            return;
        }
        try {
            socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
            answered.incrementAndGet();
        } catch (IOException e) {
            log.debug("discovery: answer to {} failed: {}", p.getSocketAddress(), e.toString());
        }
    }

    /** A token bucket: {@code maxAnswersPerSecond} a second, the same as burst. */
    private boolean take() {
        long now = ticker.getAsLong();
        tokens = Math.min(burst, tokens + (now - lastTick) * ratePerNano);
        lastTick = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Stops answering and releases the port. Idempotent. */
    @Override
    public void close() {
        closed = true;
        socket.close();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Builds a {@link DiscoveryResponder}. */
    public static final class Builder {
        private final Registry registry;
        private final InetSocketAddress bind;
        private final Set<String> namespaces = new java.util.TreeSet<>();
        private Map<String, String> reach = Map.of();
        private String brokerId = "broker";
        private int maxAnswersPerSecond = 50;
        private boolean allowWildcard;
        private LongSupplier ticker = System::nanoTime;

        Builder(Registry registry, InetSocketAddress bind) {
            this.registry = Objects.requireNonNull(registry, "registry");
            this.bind = Objects.requireNonNull(bind, "bind");
        }

        /** Namespaces whose keys may be found (default none). */
        public Builder discoverable(String... namespaces) {
            for (String ns : namespaces) {
                RegistryKeys.checkPrefix(ns + "/");
                this.namespaces.add(ns);
            }
            return this;
        }

        /** What an answer tells hosts about reaching this broker (transport, queue names); nothing secret. */
        public Builder reach(Map<String, String> reach) {
            this.reach = new TreeMap<>(Objects.requireNonNull(reach, "reach"));
            return this;
        }

        /** The id answers carry (default {@code broker}). */
        public Builder brokerId(String id) {
            this.brokerId = Objects.requireNonNull(id, "id");
            return this;
        }

        /** At most this many answers a second, and as many at once (default 50). */
        public Builder maxAnswersPerSecond(int answers) {
            if (answers < 1 || answers > 100_000) {
                throw new IllegalArgumentException("maxAnswersPerSecond must be 1 to 100000, was " + answers);
            }
            this.maxAnswersPerSecond = answers;
            return this;
        }

        /** Allows binding a wildcard address (every interface); off by default. */
        public Builder allowWildcard(boolean allow) {
            this.allowWildcard = allow;
            return this;
        }

        /** The nanosecond ticker of the rate limiter (for tests; default {@link System#nanoTime}). */
        public Builder ticker(LongSupplier ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Binds the socket (call {@link DiscoveryResponder#start()} to answer). */
        public DiscoveryResponder build() {
            if (bind.isUnresolved()) {
                throw new IllegalArgumentException("discovery address " + bind + " does not resolve");
            }
            if (bind.getAddress().isAnyLocalAddress() && !allowWildcard) {
                throw new IllegalArgumentException("discovery must bind one interface's address, not " + bind.getAddress()
                        + " (allowWildcard(true) to listen on every interface)");
            }
            if (namespaces.isEmpty()) {
                throw new IllegalArgumentException("no discoverable namespace: every find would go unanswered");
            }
            return new DiscoveryResponder(this);
        }
    }
}
