package dev.outpost.host.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * Every request needs {@code Authorization: Bearer TOKEN}, compared in constant time. Every reply
 * is JSend: {@code success} with data, {@code fail} (4xx) naming what was wrong with the request,
 * {@code error} (5xx) when the server could not do its part. Replies never contain the server's
 * paths or the token.
 *
 * <pre>{@code
 * try (RecordStore store = RecordStore.builder(dir).build();
 *      RecordHttpServer server = RecordHttpServer.builder(store, token).port(8443).tls(sslContext).build().start()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Served by the JDK's {@code com.sun.net.httpserver} on a bounded pool of named threads
 * ({@code outpost-records-http-N}); bodies over {@link Builder#maxBodyBytes} are refused
 * unread.
 */
public final class RecordHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordHttpServer.class);
    /** The largest body accepted by default: 8 MiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

    private final RecordStore store;
    private final byte[] tokenHash;
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final int maxBodyBytes;
    private final ObjectMapper mapper = dev.outpost.Json.newMapper();
    private volatile boolean started;

    private RecordHttpServer(Builder b) throws IOException {
        this.store = b.store;
        this.tokenHash = sha256(b.token.getBytes(StandardCharsets.UTF_8));
        this.maxBodyBytes = b.maxBodyBytes;
        InetSocketAddress address = new InetSocketAddress(b.host, b.port);
        if (b.tls.isPresent()) {
            HttpsServer https = HttpsServer.create(address, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(b.tls.get()));
            server = https;
        } else {
            server = HttpServer.create(address, 64);
        }
        AtomicInteger n = new AtomicInteger();
        // bounded: when every thread is busy and the queue is full, the accepting thread runs the
        // request itself, which stops it accepting more (back-pressure instead of unbounded memory)
        executor = new ThreadPoolExecutor(b.threads, b.threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(b.threads * 16),
                r -> {
                    Thread t = new Thread(r, "outpost-records-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /** A builder serving {@code store}, admitting requests that carry {@code token}. */
    public static Builder builder(RecordStore store, String token) {
        return new Builder(store, token);
    }

    /** Starts serving. */
    public RecordHttpServer start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        server.start();
        return this;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops accepting, gives in-flight requests a second, stops the threads. Idempotent. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (!authorised(ex)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                fail(ex, 401, "authorization", "a valid 'Authorization: Bearer <token>' header is required");
                return;
            }
            switch (path) {
                case "/api/v1/record" -> {
                    if (!method.equals("POST")) {
                        methodNotAllowed(ex, "POST");
                    } else {
                        postRecord(ex);
                    }
                }
                case "/api/test/count" -> {
                    if (!method.equals("GET")) {
                        methodNotAllowed(ex, "GET");
                    } else {
                        ObjectNode data = mapper.createObjectNode().put("count", store.count());
                        success(ex, 200, data);
                    }
                }
                case "/api/test/latest" -> {
                    if (!method.equals("GET")) {
                        methodNotAllowed(ex, "GET");
                    } else {
                        latest(ex);
                    }
                }
                default -> fail(ex, 404, "path", "no such endpoint; use POST /api/v1/record, GET /api/test/count or /api/test/latest");
            }
        } catch (RuntimeException | IOException e) {
            log.warn("records http: {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e.toString());
            try {
                error(ex, 500, "internal error");
            } catch (IOException | RuntimeException ignored) {
                // headers already sent or the client went away
            }
        }
    }

    private void postRecord(HttpExchange ex) throws IOException {
        byte[] body = readBody(ex);
        if (body == null) {
            fail(ex, 413, "body", "body larger than " + maxBodyBytes + " bytes");
            return;
        }
        JsonNode json;
        try {
            json = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            fail(ex, 400, "body", "body is not valid JSON");
            return;
        }
        if (json == null || !json.isObject()) {
            fail(ex, 400, "body", "body must be a JSON object with uuid, timestamp and data");
            return;
        }
        JsonNode uuid = json.get("uuid");
        if (uuid == null || !uuid.isTextual()) {
            fail(ex, 400, "uuid", "uuid (the sender's id) is required and must be a string");
            return;
        }
        if (!json.has("data")) {
            fail(ex, 400, "data", "data is required");
            return;
        }
        Optional<Instant> measured = Optional.empty();
        JsonNode ts = json.get("timestamp");
        if (ts != null && !ts.isNull()) {
            measured = parseTimestamp(ts);
            if (measured.isEmpty()) {
                fail(ex, 400, "timestamp", "timestamp must be epoch seconds (\"1593338576.5624585\") or an ISO-8601 instant");
                return;
            }
        }
        String requestId;
        if (json.hasNonNull("id")) {
            requestId = json.get("id").asText();
        } else if (measured.isPresent()) {
            requestId = uuid.asText() + "|" + ts.asText();
        } else {
            requestId = java.util.UUID.randomUUID().toString();
        }
        StoreResult r;
        try {
            r = store.store(requestId, uuid.asText(), json.get("data"), measured);
        } catch (RecordRejectedException e) {
            fail(ex, 400, e.field(), e.getMessage());
            return;
        } catch (IOException e) {
            log.error("records http: could not store a record from '{}': {}", uuid.asText(), e.toString());
            error(ex, 500, "could not store the record; try again later");
            return;
        }
        ObjectNode data = mapper.createObjectNode();
        data.put("uuid", uuid.asText());
        if (ts != null && !ts.isNull()) {
            data.put("timestamp", ts.asText());
        }
        data.put("filename", r.fileName());
        data.put("duplicate", r.duplicate());
        success(ex, r.duplicate() ? 200 : 201, data);
    }

    private void latest(HttpExchange ex) throws IOException {
        Optional<StoredRecord> last;
        try {
            last = store.latest();
        } catch (IOException e) {
            log.error("records http: could not read the latest record: {}", e.toString());
            error(ex, 500, "could not read the latest record");
            return;
        }
        if (last.isEmpty()) {
            fail(ex, 404, "records", "no records stored");
            return;
        }
        ObjectNode data = mapper.createObjectNode();
        data.put("filename", last.get().fileName());
        data.put("source", last.get().source());
        data.put("timestamp", RecordStore.format(last.get().timestamp()));
        data.set("content", last.get().data());
        success(ex, 200, data);
    }

    /** The body, or null when it is larger than allowed (read no further than the limit). */
    private byte[] readBody(HttpExchange ex) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > maxBodyBytes) {
                    return null;
                }
            } catch (NumberFormatException e) {
                return null;
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] bytes = in.readNBytes(maxBodyBytes + 1);
            return bytes.length > maxBodyBytes ? null : bytes;
        }
    }

    private boolean authorised(HttpExchange ex) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // hashing first makes the comparison independent of the lengths too
        return MessageDigest.isEqual(tokenHash, sha256(header.substring(7).trim().getBytes(StandardCharsets.UTF_8)));
    }

    static Optional<Instant> parseTimestamp(JsonNode ts) {
        try {
            String s = ts.asText().trim();
            if (s.length() > 40) {
                return Optional.empty();
            }
            if (ts.isNumber() || s.matches("\\d{1,12}(\\.\\d{1,9})?")) {
                BigDecimal d = new BigDecimal(s);
                long seconds = d.longValue();
                long nanos = d.subtract(BigDecimal.valueOf(seconds)).movePointRight(9).longValue();
                return Optional.of(Instant.ofEpochSecond(seconds, nanos));
            }
            return Optional.of(Instant.parse(s));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private void methodNotAllowed(HttpExchange ex, String allowed) throws IOException {
        ex.getResponseHeaders().set("Allow", allowed);
        fail(ex, 405, "method", "use " + allowed);
    }

    private void success(HttpExchange ex, int status, JsonNode data) throws IOException {
        ObjectNode o = mapper.createObjectNode().put("status", "success");
        o.set("data", data);
        send(ex, status, o);
    }

    private void fail(HttpExchange ex, int status, String field, String message) throws IOException {
        ObjectNode o = mapper.createObjectNode().put("status", "fail");
        o.putObject("data").put(field, message);
        send(ex, status, o);
    }

    private void error(HttpExchange ex, int status, String message) throws IOException {
        send(ex, status, mapper.createObjectNode().put("status", "error").put("message", message));
    }

    private void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = mapper.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Builds a {@link RecordHttpServer}. */
    public static final class Builder {
        private final RecordStore store;
        private final String token;
        private String host = "127.0.0.1";
        private int port = 8080;
        private int threads = 4;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private Optional<SSLContext> tls = Optional.empty();

        Builder(RecordStore store, String token) {
            this.store = Objects.requireNonNull(store, "store");
            this.token = Objects.requireNonNull(token, "token");
            if (token.isBlank() || token.length() < 16) {
                throw new IllegalArgumentException("token must be at least 16 characters");
            }
        }

        /** The address to bind; {@code 127.0.0.1} by default (put a proxy in front, or bind another address on purpose). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port; 8080 by default, 0 for any free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** Request threads; 4 by default. */
        public Builder threads(int threads) {
            if (threads < 1 || threads > 256) {
                throw new IllegalArgumentException("threads must be 1 to 256, was " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** The largest request body accepted; 8 MiB by default. */
        public Builder maxBodyBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxBodyBytes must be positive, was " + bytes);
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /** Serves HTTPS with this context instead of plain HTTP. */
        public Builder tls(SSLContext context) {
            this.tls = Optional.of(Objects.requireNonNull(context, "context"));
            return this;
        }

        /** Binds the socket (not yet serving: call {@link RecordHttpServer#start()}). */
        public RecordHttpServer build() throws IOException {
            return new RecordHttpServer(this);
        }
    }
}
