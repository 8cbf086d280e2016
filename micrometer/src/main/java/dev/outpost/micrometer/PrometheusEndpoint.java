package dev.outpost.micrometer;

import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.micrometer.internal.ScrapeConnections;
import dev.outpost.micrometer.internal.ThreadsEnd;
import dev.outpost.spi.ConfigSource;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link PrometheusMeterRegistry} as {@code GET /metrics} over plain HTTP, bound to
 * {@code 127.0.0.1} unless told otherwise. What the {@code outpost} daemons run when
 * {@code outpost.metrics.prometheus.port} is set.
 *
 * <pre>{@code
 * PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * try (PrometheusEndpoint endpoint = PrometheusEndpoint.builder(meters).port(9464).build().start()) {
 *     // curl http://127.0.0.1:9464/metrics
 * }
 * }</pre>
 *
 * <p>Hostile clients are bounded: at most {@link Builder#maxConnections} connections are open (8) and
 * {@link Builder#maxConnectionsPerClient} from one client, an IPv4 address or an IPv6 /64 (4), further ones are closed at once;
 * one request per connection, a request head of at most 8 KiB, and a connection that has not sent
 * its request and taken its answer within {@link Builder#requestTimeout} (5 s) is closed, however
 * slowly it drips. Nothing but the scrape text is ever sent. A gauge that throws while rendering
 * is answered 500, counted ({@link #scrapeFailures()}) and logged; the endpoint goes on.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    /** Default port when none is configured but an endpoint is built in code: Prometheus' registered exporter port range starts here. */
    public static final int DEFAULT_PORT = 9464;
    /** Default {@link Builder#maxConnections}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 8;
    /** Default {@link Builder#maxConnectionsPerClient}. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 4;
    /** Default {@link Builder#requestTimeout}. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(PrometheusEndpoint.class);
    private static final String PORT = "outpost.metrics.prometheus.port";
    private static final String HOST = "outpost.metrics.prometheus.host";
    private static final String MAX_CONN = "outpost.metrics.prometheus.max-connections";
    private static final String MAX_PER_CLIENT = "outpost.metrics.prometheus.max-connections-per-client";
    private static final String TIMEOUT = "outpost.metrics.prometheus.request-timeout";

    private enum State { NEW, STARTING, RUNNING, STOPPED }

    private final String host;
    private final int port;
    private final OwnedThreads owned;
    private final ThreadFactory threadFactory;
    /** Runs inside start() once the socket is bound, before the connections' pool exists (tests). */
    private final Runnable whileStarting;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CompletableFuture<ShutdownResult> terminated = new CompletableFuture<>();
    private final ScrapeConnections connections;
    private final List<Thread> ownThreads = new ArrayList<>();
    private volatile ServerSocket server;

    private PrometheusEndpoint(Builder b, String host, int port, int maxConn, int maxPerClient, Duration timeout) {
        this.host = host;
        this.port = port;
        this.owned = new OwnedThreads("prometheus", b.threadFactory, true);
        this.threadFactory = owned.role("http");
        this.whileStarting = b.whileStarting;
        this.connections = new ScrapeConnections(b.registry, maxConn, maxPerClient, timeout, b.ticker, b.afterRelease,
                () -> state.get() == State.STOPPED);
    }

    /** A builder serving {@code registry}. */
    public static Builder builder(PrometheusMeterRegistry registry) {
        return new Builder(registry);
    }

    /**
     * Binds the socket and starts the acceptor and the timeout reaper.
     *
     * @return this
     * @throws IOException when the address cannot be bound (in use, not local)
     * @throws IllegalStateException when started before, or shut down (also while this start was binding: then
     *     nothing it opened stays open)
     */
    public PrometheusEndpoint start() throws IOException {
        if (!state.compareAndSet(State.NEW, State.STARTING)) {
            throw new IllegalStateException("PrometheusEndpoint already started or shut down");
        }
        ServerSocket s = new ServerSocket();
        try {
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port), 50);
        } catch (IOException e) {
            s.close();
            state.set(State.STOPPED);
            terminated.complete(new ShutdownResult(true, List.of(), 0, Duration.ZERO));
            throw new IOException("cannot bind the metrics endpoint to " + host + ":" + port + ": " + e.getMessage(), e);
        }
        server = s;
        try {
            whileStarting.run();
            connections.openPool(threadFactory);
            Thread acceptor = threadFactory.newThread(() -> connections.accept(s));
            Thread reaper = threadFactory.newThread(connections::reap);
            synchronized (ownThreads) {
                ownThreads.add(acceptor);
                ownThreads.add(reaper);
            }
            acceptor.start();
            reaper.start();
        } catch (RuntimeException | Error e) { // the factory threw, or no thread could start: no socket may stay bound
            state.set(State.STOPPED);
            stopStarted();
            throw e;
        }
        if (!state.compareAndSet(State.STARTING, State.RUNNING)) {
            // a shutdown() while starting left the closing to this thread, which alone knows what it opened
            stopStarted();
            throw new IllegalStateException("PrometheusEndpoint was shut down while starting");
        }
        log.info("Prometheus metrics on http://{}:{}/metrics", host, s.getLocalPort());
        return this;
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        ServerSocket s = server;
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        return (InetSocketAddress) s.getLocalSocketAddress();
    }

    /** Connections closed at once because a cap was reached. */
    public long refusedConnections() {
        return connections.refused();
    }

    /** Connections closed because they did not finish within the request timeout. */
    public long timedOutConnections() {
        return connections.timedOut();
    }

    /** Scrapes that threw (answered 500). */
    public long scrapeFailures() {
        return connections.scrapeFailures();
    }

    /**
     * Closes the socket and every open connection, and waits up to 5 s for the threads. Idempotent:
     * the same future every call.
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        State was = state.getAndSet(State.STOPPED);
        if (was == State.STOPPED) {
            return terminated;
        }
        if (was == State.NEW) {
            terminated.complete(new ShutdownResult(true, List.of(), 0, Duration.ZERO));
            return terminated;
        }
        if (was == State.RUNNING) {
            stopStarted();
        } // else start() is still opening things: it sees STOPPED when done and closes them, completing terminated
        return terminated;
    }

    /** Closes what start() opened and completes {@link #terminated} once the threads are gone. */
    private void stopStarted() {
        long t0 = System.nanoTime();
        ScrapeConnections.closeQuietly(server);
        ThreadPoolExecutor pool = connections.closeAll(); // null when start() failed before making it
        List<Thread> threads;
        synchronized (ownThreads) {
            threads = List.copyOf(ownThreads);
        }
        try {
            threadFactory.newThread(() -> ThreadsEnd.await(threads, pool, owned, t0, terminated)).start();
        } catch (RuntimeException | Error e) { // the factory fails (the reason start() did): wait here, or nothing would report
            ThreadsEnd.await(threads, pool, owned, t0, terminated);
        }
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        shutdown().join();
    }

    @Override
    public String toString() {
        return "PrometheusEndpoint[" + host + ":" + port + "]";
    }

    /**
     * Builds a {@link PrometheusEndpoint}. Values set by a method win over
     * {@link #configure configuration}, which wins over the defaults. Nothing is bound before
     * {@link PrometheusEndpoint#start()}.
     */
    public static final class Builder {
        private final PrometheusMeterRegistry registry;
        private Optional<String> host = Optional.empty();
        private Optional<Integer> port = Optional.empty();
        private Optional<Integer> maxConnections = Optional.empty();
        private Optional<Integer> maxPerClient = Optional.empty();
        private Optional<Duration> requestTimeout = Optional.empty();
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();
        private LongSupplier ticker = System::nanoTime;
        private Runnable afterRelease = () -> { };
        private Runnable whileStarting = () -> { };

        private Builder(PrometheusMeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /**
         * Whether {@code config} asks for an endpoint ({@code outpost.metrics.prometheus.port} is
         * set): what a daemon checks before building one.
         */
        public static boolean isConfigured(ConfigSource config) {
            return config.string(PORT).filter(p -> !p.isBlank()).isPresent();
        }

        /** The address to bind; default {@code outpost.metrics.prometheus.host}, else {@code 127.0.0.1}. */
        public Builder host(String host) {
            this.host = Optional.of(Objects.requireNonNull(host, "host"));
            return this;
        }

        /** The port; default {@code outpost.metrics.prometheus.port}, else {@value #DEFAULT_PORT}; 0 for any free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
            }
            this.port = Optional.of(port);
            return this;
        }

        /** Open connections at most (default 8). */
        public Builder maxConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1, was " + max);
            }
            this.maxConnections = Optional.of(max);
            return this;
        }

        /** Open connections from one client (an IPv4 address or an IPv6 /64) at most (default 4). */
        public Builder maxConnectionsPerClient(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnectionsPerClient must be at least 1, was " + max);
            }
            this.maxPerClient = Optional.of(max);
            return this;
        }

        /** The time a connection gets to send its request and take the answer (default 5 s). */
        public Builder requestTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("requestTimeout must be positive, was " + timeout);
            }
            this.requestTimeout = Optional.of(timeout);
            return this;
        }

        /** Makes every thread: the acceptor, the reaper, and the connections' (at most twice {@link #maxConnections}). */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(factory, "factory"));
            return this;
        }

        /** The nano ticker request deadlines are measured with (tests). */
        public Builder ticker(LongSupplier ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Test seam: runs on a connection's thread after its slot is given back. */
        Builder afterRelease(Runnable seam) {
            this.afterRelease = Objects.requireNonNull(seam, "seam");
            return this;
        }

        /** Test seam: runs inside start() once the socket is bound, before the connections' pool exists. */
        Builder whileStarting(Runnable seam) {
            this.whileStarting = Objects.requireNonNull(seam, "seam");
            return this;
        }

        /** Takes {@code outpost.metrics.prometheus.*} for what no method set. Checked at {@link #build()}. */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * The endpoint, not started.
         *
         * @throws ConfigException naming every bad configured key, value and where it was set
         */
        public PrometheusEndpoint build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            String h = host.orElseGet(() -> config.flatMap(c -> c.string(HOST)).filter(s -> !s.isBlank()).orElse("127.0.0.1"));
            int p = port.orElseGet(() -> intKey(PORT, DEFAULT_PORT, 0, 65535, problems));
            int conns = maxConnections.orElseGet(() -> intKey(MAX_CONN, DEFAULT_MAX_CONNECTIONS, 1, 10_000, problems));
            int perClient = maxPerClient.orElseGet(() -> intKey(MAX_PER_CLIENT, DEFAULT_MAX_CONNECTIONS_PER_CLIENT, 1, 10_000, problems));
            Duration timeout = requestTimeout.orElseGet(() -> {
                try {
                    Optional<Duration> d = config.flatMap(c -> c.duration(TIMEOUT));
                    if (d.isPresent() && (d.get().isZero() || d.get().isNegative())) {
                        problems.add(new ConfigException.Problem(TIMEOUT, "must be positive, was " + d.get() + config.get().from(TIMEOUT)));
                        return DEFAULT_REQUEST_TIMEOUT;
                    }
                    return d.orElse(DEFAULT_REQUEST_TIMEOUT);
                } catch (ConfigException e) {
                    problems.addAll(e.problems());
                    return DEFAULT_REQUEST_TIMEOUT;
                }
            });
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new PrometheusEndpoint(this, h, p, conns, perClient, timeout);
        }

        private int intKey(String key, int fallback, int min, int max, List<ConfigException.Problem> problems) {
            try {
                Optional<Integer> v = config.flatMap(c -> c.string(key).filter(s -> !s.isBlank()).flatMap(s -> c.intValue(key)));
                if (v.isPresent() && (v.get() < min || v.get() > max)) {
                    problems.add(new ConfigException.Problem(key, "must be " + min + " to " + max + ", was " + v.get()
                            + config.get().from(key)));
                    return fallback;
                }
                return v.orElse(fallback);
            } catch (ConfigException e) {
                problems.addAll(e.problems());
                return fallback;
            }
        }
    }
}
