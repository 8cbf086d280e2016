package dev.outpost.kv;

import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.kv.internal.DiscoveryNet;
import dev.outpost.kv.internal.DiscoverySigning;
import dev.outpost.kv.internal.Settings;
import dev.outpost.kv.internal.Wire;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Optional UDP discovery on the local network, bpbroker's idea done carefully: a host that does
 * not know the broker's address sends a key to the subnet's broadcast address
 * ({@link DiscoveryClient#find}); a broker holding that key answers with how to reach it. Also
 * answers a ping by echoing the caller's data.
 *
 * <pre>{@code
 * try (DiscoveryResponder discovery = DiscoveryResponder.builder(registry, new InetSocketAddress("10.0.0.5", 20443))
 *         .signingKeyFile(Path.of("/etc/outpost/discovery.key")) // DiscoveryKeys.generate made it
 *         .discoverable("svc").reach(Map.of("transport", "sqs", "requests", "kv-requests")).build().start()) { ... }
 * }</pre>
 *
 * <ul>
 *   <li>Off unless built and started: nothing listens by default. It binds the one address it is
 *       given (a wildcard address is refused unless {@link Builder#allowWildcard}) and, so that a
 *       find sent to the subnet's broadcast address reaches it, that interface's IPv4 broadcast
 *       address on the same port ({@link Builder#broadcast}, on by default). Answers always leave
 *       from the bound address.
 *   <li>Every answer is signed with the broker's Ed25519 key ({@link Builder#signingKeyFile},
 *       required), over the request it answers and its whole content, so a host that pins the
 *       public key ({@link DiscoveryClient#find}) cannot be sent elsewhere by whoever answers first.
 *       Requests of format 1 (unsigned answers) are dropped, counted and logged once.
 *   <li>Answers carry nothing secret: the broker id and the operator's {@link Builder#reach} map,
 *       never a value, a version or an access key. Keys outside the {@link Builder#discoverable}
 *       namespaces get no answer, as unknown keys do: no oracle for other namespaces.
 *   <li>Rate-limited: at most {@link Builder#maxAnswersPerSecond} (default 50) answers a second,
 *       with an equal burst; more are dropped and counted, as are datagrams over 1024 bytes or not
 *       JSON. A registry that throws (anything, {@link Error}s included) costs that one request.
 * </ul>
 *
 * <p>Datagram forms: see the module README. One thread; {@link #start()} opens the sockets, {@link #shutdown()} closes them.
 */
public final class DiscoveryResponder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiscoveryResponder.class);
    /** The largest datagram read or sent. */
    public static final int MAX_DATAGRAM = 1024;
    /** The default answers a second. */
    public static final int DEFAULT_MAX_ANSWERS_PER_SECOND = 50;

    private final InetSocketAddress bind;
    private final boolean broadcast;
    private final DiscoveryAnswers answers;
    private final Lifecycle lifecycle;
    private final Guard calls;
    private final List<DatagramChannel> listening = new ArrayList<>();
    private volatile DatagramChannel unicast;
    private volatile Selector selector;
    private volatile boolean stopping;

    private DiscoveryResponder(Builder b, InetSocketAddress bind, Set<String> namespaces, String brokerId, int rate, boolean broadcast,
            PrivateKey signingKey) {
        this.bind = bind;
        this.broadcast = broadcast;
        this.answers = new DiscoveryAnswers(b.registry, bind, namespaces, Wire.JSON.valueToTree(b.reach), brokerId, signingKey,
                new DiscoveryNet.TokenBucket(rate, b.ticker));
        this.lifecycle = new Lifecycle("DiscoveryResponder[" + bind + "]", "kv-discovery", b.threadFactory);
        this.calls = new Guard("DiscoveryResponder[" + bind + "]");
    }

    /** A builder answering for {@code registry} on {@code bind} (an interface address and port). */
    public static Builder builder(Registry registry, InetSocketAddress bind) {
        return new Builder(registry, Optional.of(Objects.requireNonNull(bind, "bind")));
    }

    /** A builder whose address comes from {@code outpost.broker.discovery.bind} ({@code HOST:PORT}). */
    public static Builder builder(Registry registry) {
        return new Builder(registry, Optional.empty());
    }

    /**
     * Opens the sockets and starts answering.
     *
     * @return this
     * @throws IllegalStateException when started before or shut down
     * @throws UncheckedIOException when an address cannot be bound
     */
    public DiscoveryResponder start() {
        lifecycle.start();
        Thread serving;
        try {
            serving = lifecycle.newThread(this::serve, "responder"); // first: a factory that throws leaves no socket bound for good
            selector = Selector.open();
            unicast = open(bind);
            if (broadcast) {
                for (InetAddress b : DiscoveryNet.broadcastAddresses(bind.getAddress())) {
                    open(new InetSocketAddress(b, ((InetSocketAddress) unicast.getLocalAddress()).getPort()));
                }
            }
        } catch (IOException e) {
            closeChannels();
            lifecycle.failedStart();
            throw new UncheckedIOException("cannot bind discovery to " + bind + ": " + e.getMessage(), e);
        }
        serving.start();
        return this;
    }

    private DatagramChannel open(InetSocketAddress at) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        listening.add(ch);
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.bind(at);
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_READ);
        return ch;
    }

    /** Closes the sockets and stops the thread. Idempotent: the same future every call. */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown(Duration.ofSeconds(5), () -> {
            stopping = true;
            Selector s = selector;
            if (s != null) {
                s.wakeup();
            }
        });
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        lifecycle.closeAndReport(shutdown());
    }

    /** The address it answers from (with the port chosen when 0 was given). */
    public InetSocketAddress address() {
        try {
            DatagramChannel ch = unicast;
            if (ch == null) {
                throw new IllegalStateException("not started");
            }
            return (InetSocketAddress) ch.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every address it listens on: the bound one, then broadcast addresses. */
    public List<InetSocketAddress> listening() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (DatagramChannel ch : listening) {
            try {
                out.add((InetSocketAddress) ch.getLocalAddress());
            } catch (IOException e) {
                // closed
            }
        }
        return out;
    }

    /** How many requests were answered. */
    public long answered() {
        return answers.answered();
    }

    /** How many requests were dropped (over the rate, malformed, too large, or the registry failed). */
    public long dropped() {
        return answers.dropped();
    }

    private void serve() {
        ByteBuffer buf = ByteBuffer.allocate(MAX_DATAGRAM + 1);
        try {
            while (!stopping) {
                try {
                    selector.select(500);
                } catch (IOException e) {
                    log.warn("discovery on {}: select failed", bind, e);
                    continue;
                }
                for (SelectionKey k : selector.selectedKeys()) {
                    DatagramChannel ch = (DatagramChannel) k.channel();
                    while (!stopping) {
                        buf.clear();
                        SocketAddress from;
                        try {
                            from = ch.receive(buf);
                        } catch (IOException e) {
                            break;
                        }
                        if (from == null) {
                            break;
                        }
                        buf.flip();
                        calls.run("discovery request from " + from, () -> answers.handle(buf, from, unicast));
                        Thread.interrupted(); // one the registry left set made every select return at once: a busy loop
                    }
                }
                selector.selectedKeys().clear();
            }
        } finally {
            closeChannels();
        }
    }

    private void closeChannels() {
        for (DatagramChannel ch : listening) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing
            }
        }
        try (Selector s = selector) {
            // closed by try-with-resources (null is fine)
        } catch (IOException e) {
            // closing
        }
    }

    /**
     * Builds a {@link DiscoveryResponder}. Values set by a method win over {@link #configure
     * configuration}; nothing is bound until {@link DiscoveryResponder#start()}.
     */
    public static final class Builder {
        private final Registry registry;
        private final Optional<InetSocketAddress> bind;
        private final Set<String> namespaces = new TreeSet<>();
        private Map<String, String> reach = Map.of();
        private Optional<String> brokerId = Optional.empty();
        private Optional<PrivateKey> signingKey = Optional.empty();
        private Optional<Path> signingKeyFile = Optional.empty();
        private Optional<Integer> maxAnswersPerSecond = Optional.empty();
        private Optional<Boolean> broadcast = Optional.empty();
        private boolean allowWildcard;
        private LongSupplier ticker = System::nanoTime;
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();

        Builder(Registry registry, Optional<InetSocketAddress> bind) {
            this.registry = Objects.requireNonNull(registry, "registry");
            this.bind = bind;
        }

        /** Namespaces whose keys may be found (default {@code outpost.broker.discovery.namespaces}). */
        public Builder discoverable(String... namespaces) {
            for (String ns : namespaces) {
                RegistryKeys.checkPrefix(ns + "/");
                this.namespaces.add(ns);
            }
            return this;
        }

        /** What an answer tells hosts about reaching this broker (transport, queue names): nothing secret, under 1 KiB. */
        public Builder reach(Map<String, String> reach) {
            this.reach = new TreeMap<>(Objects.requireNonNull(reach, "reach"));
            return this;
        }

        /** The id answers carry (default {@code outpost.broker.id}, else {@code broker}). */
        public Builder brokerId(String id) {
            this.brokerId = Optional.of(Objects.requireNonNull(id, "id"));
            return this;
        }

        /**
         * The Ed25519 key every answer is signed with, read at {@link #build()} from an owner-only
         * PEM file ({@link DiscoveryKeys#generate} writes one); a file other users could read,
         * replace or own is refused. Required, here or as {@code outpost.broker.discovery.signing-key-file}.
         */
        public Builder signingKeyFile(Path file) {
            this.signingKeyFile = Optional.of(Objects.requireNonNull(file, "file"));
            return this;
        }

        /** The Ed25519 key every answer is signed with, when it comes from elsewhere than a file (a secret store). */
        public Builder signingKey(PrivateKey key) {
            if (!DiscoverySigning.isEd25519(Objects.requireNonNull(key, "key"))) {
                throw new IllegalArgumentException("the discovery signing key must be an Ed25519 key, not " + key.getAlgorithm());
            }
            this.signingKey = Optional.of(key);
            return this;
        }

        /** At most this many answers a second, and as many at once (default 50). */
        public Builder maxAnswersPerSecond(int answers) {
            if (answers < 1 || answers > 100_000) {
                throw new IllegalArgumentException("maxAnswersPerSecond must be 1 to 100000, was " + answers);
            }
            this.maxAnswersPerSecond = Optional.of(answers);
            return this;
        }

        /**
         * Whether to listen on the bound interface's IPv4 broadcast address too, so that hosts that
         * do not know the broker's address find it (default true).
         */
        public Builder broadcast(boolean listen) {
            this.broadcast = Optional.of(listen);
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

        /** Makes the responder's thread. */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /**
         * Takes {@code outpost.broker.discovery.bind}, {@code .namespaces}, {@code .broadcast},
         * {@code .max-answers-per-second}, {@code .signing-key-file} and {@code outpost.broker.id}
         * for what no method set.
         */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * The responder, not started: nothing is bound until {@link DiscoveryResponder#start()}.
         *
         * @throws ConfigException listing every problem
         */
        public DiscoveryResponder build() {
            Settings s = new Settings(config);
            String id = s.string(brokerId, "outpost.broker.id", "broker");
            int rate = s.integer(maxAnswersPerSecond, "outpost.broker.discovery.max-answers-per-second",
                    DEFAULT_MAX_ANSWERS_PER_SECOND, 1, 100_000);
            boolean bc = s.bool(broadcast, "outpost.broker.discovery.broadcast", true);
            Set<String> ns = new TreeSet<>(namespaces);
            if (ns.isEmpty()) {
                for (String n : s.list(Optional.empty(), "outpost.broker.discovery.namespaces")) {
                    try {
                        RegistryKeys.checkPrefix(n + "/");
                        ns.add(n);
                    } catch (RegistryException e) {
                        s.problem("outpost.broker.discovery.namespaces", e.getMessage());
                    }
                }
            }
            InetSocketAddress at = bind.orElseGet(() -> s.string(Optional.empty(), "outpost.broker.discovery.bind")
                    .map(b -> DiscoveryNet.hostPort(b).orElseGet(() -> {
                        s.problem("outpost.broker.discovery.bind", "'" + b + "' is not HOST:PORT");
                        return null;
                    })).orElse(null));
            String key = bind.isPresent() ? "bind" : "outpost.broker.discovery.bind";
            if (at == null) {
                s.problem(key, "no address to bind: HOST:PORT of one interface");
            } else if (at.isUnresolved()) {
                s.problem(key, "discovery address " + at + " does not resolve");
            } else if (at.getAddress().isAnyLocalAddress() && !allowWildcard) {
                s.problem(key, "discovery must bind one interface's address, not " + at.getAddress()
                        + " (allowWildcard(true) to listen on every interface)");
            }
            if (ns.isEmpty()) {
                s.problem("outpost.broker.discovery.namespaces", "no discoverable namespace: every find would go unanswered");
            }
            Optional<PrivateKey> signer = DiscoverySigning.key(signingKey, signingKeyFile, s);
            // the largest find answer (64-character nonce), signed; one over a datagram would be dropped every time
            int size = signer.map(k -> DiscoverySigning.largestFindAnswer(k, id, Wire.JSON.valueToTree(reach))).orElse(0);
            if (size > MAX_DATAGRAM) {
                s.problem("reach", "the broker id and reach map make a signed answer of " + size + " bytes, over the " + MAX_DATAGRAM
                        + "-byte datagram: every find would go unanswered; shorten them");
            }
            s.check();
            return new DiscoveryResponder(this, at, ns, id, rate, bc, signer.orElseThrow());
        }
    }
}
