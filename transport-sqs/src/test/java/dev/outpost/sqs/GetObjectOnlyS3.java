package dev.outpost.sqs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP server on 127.0.0.1 in front of fauxqs's S3 that answers as S3 answers a role allowed
 * {@code s3:GetObject} but not {@code s3:ListBucket}: a missing object is {@code 403 AccessDenied},
 * not {@code 404 NoSuchKey} (fauxqs has no IAM, so it cannot say 403 itself). Everything else is
 * passed on unchanged. Counts the reads of each key. A test may {@link #hold} a key: its object's
 * headers and first bytes are sent, the rest only once {@link #release}d (a slow S3).
 */
final class GetObjectOnlyS3 implements AutoCloseable {
    private static final Set<String> NOT_PASSED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "keep-alive", "date");
    private static final byte[] ACCESS_DENIED = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
            + "<Message>Access Denied</Message><RequestId>TEST</RequestId></Error>").getBytes(StandardCharsets.UTF_8);

    private final URI target;
    private final HttpServer server;
    private final HttpClient upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> held = new ConcurrentHashMap<>();
    private final AtomicInteger holding = new AtomicInteger();
    private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "get-object-only-s3");
        t.setDaemon(true);
        return t;
    });

    GetObjectOnlyS3(URI target) throws IOException {
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", this::serve);
        server.setExecutor(handlers); // a held read must not hold the others
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Reads of {@code key} from now on send their headers and first bytes, then wait for {@link #release}. */
    void hold(String bucket, String key) {
        held.put("/" + bucket + "/" + key, new CountDownLatch(1));
    }

    /** Lets the held reads of {@code key} end, and later ones pass. */
    void release(String bucket, String key) {
        CountDownLatch l = held.remove("/" + bucket + "/" + key);
        if (l != null) {
            l.countDown();
        }
    }

    /** Reads waiting for a {@link #release} now. */
    int holding() {
        return holding.get();
    }

    /** GETs of {@code /bucket/key} seen so far. */
    int reads(String bucket, String key) {
        AtomicInteger n = reads.get("/" + bucket + "/" + key);
        return n == null ? 0 : n.get();
    }

    private void serve(HttpExchange ex) throws IOException {
        try (ex; InputStream in = ex.getRequestBody()) {
            byte[] body = in.readAllBytes();
            String path = ex.getRequestURI().getRawPath();
            boolean get = ex.getRequestMethod().equals("GET");
            if (get) {
                reads.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
            }
            HttpRequest.Builder req = HttpRequest.newBuilder(target.resolve(ex.getRequestURI().toString())).timeout(Duration.ofSeconds(30))
                    .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            ex.getRequestHeaders().forEach((k, v) -> {
                if (!NOT_PASSED.contains(k.toLowerCase(Locale.ROOT))) {
                    v.forEach(value -> req.header(k, value));
                }
            });
            HttpResponse<byte[]> resp = upstream.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (get && resp.statusCode() == 404) {
                ex.getResponseHeaders().put("Content-Type", List.of("application/xml"));
                ex.sendResponseHeaders(403, ACCESS_DENIED.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(ACCESS_DENIED);
                }
                return;
            }
            resp.headers().map().forEach((k, v) -> {
                if (!NOT_PASSED.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                    ex.getResponseHeaders().put(k, v);
                }
            });
            byte[] out = resp.body();
            boolean empty = out.length == 0 || ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(resp.statusCode(), empty ? -1 : out.length);
            if (!empty) {
                try (OutputStream o = ex.getResponseBody()) {
                    CountDownLatch hold = get ? held.get(path) : null;
                    if (hold != null && out.length > 1) {
                        o.write(out, 0, 1);
                        o.flush();
                        holding.incrementAndGet();
                        try {
                            hold.await();
                        } finally {
                            holding.decrementAndGet();
                        }
                        o.write(out, 1, out.length - 1);
                    } else {
                        o.write(out);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        held.values().forEach(CountDownLatch::countDown);
        server.stop(0);
        handlers.shutdownNow();
    }
}
