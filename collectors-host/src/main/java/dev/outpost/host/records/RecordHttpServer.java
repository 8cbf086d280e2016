package dev.outpost.host.records;

import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.host.internal.Config;
import dev.outpost.host.internal.RecordApi;
import dev.outpost.host.internal.RecordConnections;
import dev.outpost.host.internal.RecordHttpExchange;
import dev.outpost.spi.ConfigSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The process shipper's HTTP API in front of a {@link RecordStore}, for clients that POST records
 * directly:
 *
 * <ul>
 *   <li>{@code POST /api/v1/record} with {@code {"uuid": SOURCE, "timestamp": "1593338576.56", "data": ...}}
 *       (an optional {@code "id"} names the request; without it {@code uuid} + {@code timestamp} do,
 *       so a client's retry of the same sample is stored once);
 *   <li>{@code GET /api/test/count} and {@code GET /api/test/latest}.
 * </ul>
 *
 * Every request needs {@code Authorization: Bearer TOKEN}, compared in constant time, and checked
 * before any body is read. Every reply is JSend: {@code success} with data, {@code fail} (4xx)
 * naming what was wrong with the request, {@code error} (5xx) when the server could not do its
 * part. Replies never contain the server's paths or the token.
 *
 * <pre>{@code
 * try (RecordHttpServer server = RecordHttpServer.builder(store, token).port(8443).tls(sslContext).build().start()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Hostile clients are bounded: the request head must arrive within {@link Builder#headerTimeout}
 * (10 s) and the body within {@link Builder#bodyTimeout} (30 s) however slowly it drips; heads are
 * at most 16 KiB; bodies over {@link Builder#maxBodyBytes} are refused unread; at most
 * {@link Builder#maxConnections} connections are open (64) and
 * {@link Builder#maxConnectionsPerClient} from one client, an IPv4 address or an IPv6 /64 (16); one request per connection. A body
 * refused unread is drained (for at most the shorter timeout) before the close, so its client reads
 * the refusal rather than a reset.
 *
 * <p>The server's memory is bounded too, not only each request's: a body's JSON tree takes up to
 * about 30 times its bytes ({@code [{},{},...]}), so bodies being read and parsed at once share
 * {@link Builder#maxBodyBytesInFlight} (4 × {@code maxBodyBytes}, 32 MiB, by default: at most about
 * a gigabyte of trees). A body that would exceed it is answered {@code 503} with {@code Retry-After: 1}
 * at once (and drained), rather than made to wait holding its connection: the client retries, and
 * a retried sample is stored once. Each connection has its own thread
 * ({@code outpost-records-http-N-connection-M}), so a slow client holds only its own.
 */
public final class RecordHttpServer implements AutoCloseable {
    /** The largest body accepted by default: 8 MiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
    /** Connections open at once, by default. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;
    /** Connections open at once from one client address, by default. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 16;
    /** How long a client has to send its request head, by default. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    /** How long a client has to send its body, by default. */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);

    private final RecordHttpExchange exchange;
    private final String host;
    private final int port;
    private final Optional<SSLContext> tls;
    private final Duration headerTimeout;
    private final Duration bodyTimeout;
    private final Lifecycle lifecycle;
    private final RecordConnections connections;
    private volatile ServerSocket server;
    volatile Runnable beforeCounting = () -> { }; // test seam: on the acceptor, before a connection is counted
    volatile Runnable bodyAdmitted = () -> { }; // test seam: on a connection's thread, before its body is read

    private RecordHttpServer(Builder b, String token, String host, int port, Optional<SSLContext> tls, int maxBody, long inFlight,
            int maxConn, int maxPerClient, Duration headerTimeout, Duration bodyTimeout) {
        this.exchange = new RecordHttpExchange(new RecordApi(b.store), token, maxBody, inFlight, headerTimeout, bodyTimeout,
                () -> bodyAdmitted.run());
        this.host = host;
        this.port = port;
        this.tls = tls;
        this.headerTimeout = headerTimeout;
        this.bodyTimeout = bodyTimeout;
        this.lifecycle = new Lifecycle("records-http", new OwnedThreads("records-http", b.threadFactory));
        this.connections = new RecordConnections(exchange, lifecycle, tls.isPresent(), maxConn, maxPerClient, () -> beforeCounting.run());
    }

    /** A builder serving {@code store}, admitting requests that carry {@code token} (at least 16 printable ASCII characters). */
    public static Builder builder(RecordStore store, String token) {
        return new Builder(store).token(token);
    }

    /** A builder serving {@code store}; the token comes from {@link Builder#token} or {@code outpost.records.http.token}. */
    public static Builder builder(RecordStore store) {
        return new Builder(store);
    }

    /**
     * Binds the socket and starts accepting.
     *
     * @return this server
     * @throws IOException when the address cannot be bound
     * @throws IllegalStateException when started before or shut down
     */
    public RecordHttpServer start() throws IOException {
        lifecycle.start();
        try {
            InetSocketAddress address = new InetSocketAddress(host, port);
            ServerSocket s = tls.isPresent() ? tls.get().getServerSocketFactory().createServerSocket() : new ServerSocket();
            onlyTls13(s);
            s.setReuseAddress(true);
            try {
                s.bind(address, 128);
            } catch (IOException e) {
                s.close();
                // the JDK says only "Address already in use": name the address and the keys that chose it
                throw new IOException("cannot bind the records HTTP server to " + host + ":" + port
                        + " (outpost.records.http.host, outpost.records.http.port): " + e.getMessage(), e);
            }
            server = s;
            if (!lifecycle.running()) { // shut down meanwhile: its stop may have looked before 'server' was set
                s.close();
                throw new IllegalStateException("the records http server was shut down while it started");
            }
        } catch (IOException | RuntimeException e) {
            lifecycle.failedStart();
            throw e;
        }
        try {
            connections.start(server, headerTimeout, bodyTimeout);
        } catch (RuntimeException | Error e) {
            // no thread (the factory threw or returned null, no memory for one): a start() that throws is never
            // closed by try-with-resources, so it must not leave the port bound and connections waiting unaccepted
            shutdown().join();
            throw e;
        }
        return this;
    }

    /**
     * TLS 1.3 only: TLS 1.2 lets a client ask for a new handshake on its connection again and again (renegotiation), each
     * costing this server a key exchange within one request's deadlines; 1.3 has no renegotiation. Every client Outpost
     * ships, and any current one, speaks 1.3.
     */
    private static void onlyTls13(ServerSocket s) {
        if (s instanceof javax.net.ssl.SSLServerSocket ssl && java.util.List.of(ssl.getSupportedProtocols()).contains("TLSv1.3")) {
            ssl.setEnabledProtocols(new String[] {"TLSv1.3"});
        }
    }

    /**
     * The bound port (useful with port 0).
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public int port() {
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return server.getLocalPort();
    }

    /** Connections closed at once because a cap was reached. */
    public long refusedConnections() {
        return connections.refused();
    }

    /** Connections closed because their head or body did not arrive in time, or their reply was not taken in time. */
    public long timedOutConnections() {
        return exchange.timedOut();
    }

    /**
     * Stops accepting, closes every connection and stops the threads. Idempotent: every call
     * returns the same future. The store is the caller's to close.
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown(Duration.ofSeconds(5), () -> {
            if (server != null) {
                server.close();
            }
            connections.stop();
        });
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        lifecycle.closeAndReport(shutdown());
    }

    /**
     * Builds a {@link RecordHttpServer}. Values set by a method win over {@link #configure
     * configuration} ({@code outpost.records.http.*}: {@code host}, {@code port}, {@code token},
     * {@code keystore}, {@code keystore-password}, {@code max-body-bytes}, {@code max-body-bytes-in-flight}, {@code max-connections},
     * {@code max-connections-per-client}, {@code header-timeout}, {@code body-timeout}), which wins
     * over the defaults. Nothing is bound before {@link RecordHttpServer#start()}.
     */
    public static final class Builder {
        private final RecordStore store;
        private String token;
        private String host;
        private Integer port;
        private Integer maxBodyBytes;
        private Long maxBodyBytesInFlight;
        private Integer maxConnections;
        private Integer maxConnectionsPerClient;
        private Duration headerTimeout;
        private Duration bodyTimeout;
        private Optional<SSLContext> tls = Optional.empty();
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();

        Builder(RecordStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** The bearer token clients must send; at least 16 characters, printable ASCII. */
        public Builder token(String token) {
            Objects.requireNonNull(token, "token");
            Optional<String> problem = tokenProblem(token);
            if (problem.isPresent()) {
                throw ConfigException.of("token", problem.get());
            }
            this.token = token;
            return this;
        }

        /** The address to bind; {@code 127.0.0.1} by default (put a proxy in front, or bind another address on purpose). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port; 8080 by default, 0 for any free one. */
        public Builder port(int port) {
            this.port = range(port, 0, 65535, "port");
            return this;
        }

        /** The largest request body accepted; 8 MiB by default. */
        public Builder maxBodyBytes(int bytes) {
            this.maxBodyBytes = range(bytes, 1, Integer.MAX_VALUE - 1, "maxBodyBytes");
            return this;
        }

        /**
         * Body bytes read and parsed at once across all connections (the sum of their
         * {@code Content-Length}s); a body that would exceed it is refused with a 503 and
         * {@code Retry-After}. At least {@link #maxBodyBytes}; 4 × {@code maxBodyBytes} by default.
         */
        public Builder maxBodyBytesInFlight(long bytes) {
            if (bytes < 1) {
                throw ConfigException.of("maxBodyBytesInFlight", "must be positive, was " + bytes);
            }
            this.maxBodyBytesInFlight = bytes;
            return this;
        }

        /** Connections open at once; more are closed at once with a 503. 64 by default. */
        public Builder maxConnections(int max) {
            this.maxConnections = range(max, 1, 100_000, "maxConnections");
            return this;
        }

        /** Connections open at once from one client address; 16 by default. */
        public Builder maxConnectionsPerClient(int max) {
            this.maxConnectionsPerClient = range(max, 1, 100_000, "maxConnectionsPerClient");
            return this;
        }

        /** How long a client has for its whole request head (and the TLS handshake); 10 s by default. */
        public Builder headerTimeout(Duration timeout) {
            this.headerTimeout = positive(timeout, "headerTimeout");
            return this;
        }

        /**
         * How long a client has for its whole body once the head was accepted, and to take the
         * whole reply (a client that stops reading is closed then); 30 s by default.
         */
        public Builder bodyTimeout(Duration timeout) {
            this.bodyTimeout = positive(timeout, "bodyTimeout");
            return this;
        }

        /** Serves HTTPS with this context instead of plain HTTP. */
        public Builder tls(SSLContext context) {
            this.tls = Optional.of(Objects.requireNonNull(context, "context"));
            return this;
        }

        /** Makes the server's threads (one accepting, one closing connections past their deadlines, one per open connection). */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(factory, "factory"));
            return this;
        }

        /** Takes {@code outpost.records.http.*} from {@code config} for what no method set. Checked at {@link #build()}. */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * Checks the settings and loads the key store if one is configured; binds nothing.
         *
         * @throws ConfigException listing every problem
         */
        public RecordHttpServer build() {
            Config c = new Config(config);
            Optional<String> tok = c.string(token, "outpost.records.http.token");
            if (tok.isEmpty()) {
                c.problem("outpost.records.http.token", "a bearer token is required: set it or call token(String)");
            } else {
                tokenProblem(tok.get()).ifPresent(p -> c.problem("outpost.records.http.token", p));
            }
            String h = c.string(host, "outpost.records.http.host").orElse("127.0.0.1");
            int p = (int) c.number(port == null ? null : (long) port, "outpost.records.http.port", 8080, 0, 65535);
            int body = (int) c.number(maxBodyBytes == null ? null : (long) maxBodyBytes, "outpost.records.http.max-body-bytes",
                    DEFAULT_MAX_BODY_BYTES, 1, Integer.MAX_VALUE - 1);
            long inFlight = c.number(maxBodyBytesInFlight, "outpost.records.http.max-body-bytes-in-flight", 4L * body, 1, Long.MAX_VALUE);
            if (inFlight < body) {
                c.problem("outpost.records.http.max-body-bytes-in-flight", "must be at least max-body-bytes (" + body + "), was "
                        + inFlight + ": no body that large could ever be read");
            }
            int conns = (int) c.number(maxConnections == null ? null : (long) maxConnections, "outpost.records.http.max-connections",
                    DEFAULT_MAX_CONNECTIONS, 1, 100_000);
            int perClient = (int) c.number(maxConnectionsPerClient == null ? null : (long) maxConnectionsPerClient,
                    "outpost.records.http.max-connections-per-client", DEFAULT_MAX_CONNECTIONS_PER_CLIENT, 1, 100_000);
            Duration headT = c.duration(headerTimeout, "outpost.records.http.header-timeout", DEFAULT_HEADER_TIMEOUT, false);
            Duration bodyT = c.duration(bodyTimeout, "outpost.records.http.body-timeout", DEFAULT_BODY_TIMEOUT, false);
            Optional<SSLContext> ssl = tls;
            Optional<String> keystore = c.string(null, "outpost.records.http.keystore");
            if (ssl.isEmpty() && keystore.isPresent()) {
                Optional<String> password = c.string(null, "outpost.records.http.keystore-password");
                if (password.isEmpty()) {
                    c.problem("outpost.records.http.keystore-password", "required with outpost.records.http.keystore");
                } else {
                    try {
                        ssl = Optional.of(tlsFrom(Path.of(keystore.get()), password.get().toCharArray()));
                    } catch (Exception e) {
                        c.problem("outpost.records.http.keystore", "cannot load the PKCS12 key store: " + e.getClass().getSimpleName());
                    }
                }
            }
            c.throwIfAny();
            return new RecordHttpServer(this, tok.get(), h, p, ssl, body, inFlight, conns, perClient, headT, bodyT);
        }

        private static SSLContext tlsFrom(Path p12, char[] password) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p12)) {
                ks.load(in, password);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        }

        /**
         * What makes a token one no client can present, never quoting it: a header carries ASCII (a
         * UTF-8 token arrives as other characters) and its value is trimmed.
         */
        private static Optional<String> tokenProblem(String t) {
            if (t.isBlank() || t.length() < 16) {
                return Optional.of("must be at least 16 characters");
            }
            if (!t.chars().allMatch(ch -> ch == '\t' || (ch >= 0x20 && ch < 0x7f)) || !t.equals(t.strip())) {
                return Optional.of("must be printable ASCII without leading or trailing spaces (as clients send it in a header)");
            }
            return Optional.empty();
        }

        private static int range(int v, int min, int max, String name) {
            if (v < min || v > max) {
                throw ConfigException.of(name, "must be between " + min + " and " + max + ", was " + v);
            }
            return v;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw ConfigException.of(name, "must be positive, was " + d);
            }
            return d;
        }
    }
}
