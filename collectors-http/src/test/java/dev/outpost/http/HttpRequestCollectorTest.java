package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.Json;
import dev.outpost.core.json.JsonSchema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** http.request against a real server on 127.0.0.1. */
class HttpRequestCollectorTest {
    private TestServer server;
    private HttpRequestCollector collector;

    @BeforeEach
    void start() throws IOException {
        server = TestServer.http()
                .handle("/status", ex -> {
                    ex.getResponseHeaders().add("X-Test", "a");
                    ex.getResponseHeaders().add("X-Test", "b");
                    TestServer.text(ex, 418, "short and stout");
                })
                .handle("/echo", ex -> {
                    byte[] in = ex.getRequestBody().readAllBytes();
                    String reply = ex.getRequestMethod() + "|" + ex.getRequestHeaders().getFirst("Content-Type") + "|"
                            + ex.getRequestHeaders().getFirst("X-Custom") + "|" + ex.getRequestHeaders().getFirst("User-Agent")
                            + "|" + new String(in, StandardCharsets.UTF_8);
                    TestServer.text(ex, 200, reply);
                })
                .handle("/r1", ex -> TestServer.redirect(ex, 302, "/r2"))
                .handle("/r2", ex -> TestServer.redirect(ex, 301, server.url("/echo")))
                .handle("/loop", ex -> TestServer.redirect(ex, 302, "/loop"))
                .handle("/see-other", ex -> TestServer.redirect(ex, 303, "/echo"))
                .handle("/temporary", ex -> TestServer.redirect(ex, 307, "/echo"))
                .handle("/gzip", ex -> {
                    ByteArrayOutputStream buf = new ByteArrayOutputStream();
                    try (GZIPOutputStream gz = new GZIPOutputStream(buf)) {
                        gz.write("compressed hello ".repeat(100).getBytes(StandardCharsets.UTF_8));
                    }
                    ex.getResponseHeaders().set("Content-Encoding", "gzip");
                    TestServer.send(ex, 200, "text/plain", buf.toByteArray());
                })
                .handle("/latin1", ex -> TestServer.send(ex, 200, "text/plain; charset=ISO-8859-1",
                        "café crème".getBytes(StandardCharsets.ISO_8859_1)))
                .handle("/sjis", ex -> TestServer.send(ex, 200, "text/plain; charset=Shift_JIS",
                        "日本語".getBytes(Charset.forName("Shift_JIS"))))
                .handle("/utf16-bom", ex -> TestServer.send(ex, 200, null, "\uFEFFbom text".getBytes(StandardCharsets.UTF_16BE)))
                .handle("/json", ex -> TestServer.send(ex, 200, "application/json", "{\"é\":1}".getBytes(StandardCharsets.UTF_8)))
                .handle("/binary", ex -> TestServer.send(ex, 200, "image/png", binary()))
                .handle("/big", ex -> TestServer.send(ex, 200, "text/plain", "0123456789".repeat(10_000).getBytes(StandardCharsets.US_ASCII)))
                .handle("/trickle", ex -> {
                    ex.getResponseHeaders().set("Content-Type", "text/plain");
                    ex.sendResponseHeaders(200, 0);
                    OutputStream out = ex.getResponseBody();
                    try {
                        for (int i = 0; i < 100; i++) {
                            out.write('x');
                            out.flush();
                            Thread.sleep(100);
                        }
                    } catch (IOException | InterruptedException e) {
                        // the client gave up, as it should
                    }
                })
                .handle("/empty", ex -> ex.sendResponseHeaders(204, -1))
                .start();
        collector = HttpRequestCollector.create(HttpOptions.builder().build());
    }

    @AfterEach
    void stop() throws InterruptedException {
        collector.close();
        server.close();
    }

    private static byte[] binary() {
        byte[] b = new byte[4096];
        new Random(42).nextBytes(b);
        b[0] = (byte) 0x89;
        b[1] = 0;
        return b;
    }

    private HttpResult call(Map<String, Object> params) {
        return call(params, TestContext.loopback());
    }

    private HttpResult call(Map<String, Object> params, TestContext context) {
        Request request = Request.builder(HttpRequestCollector.NAME).params(params).build();
        assertThat(JsonSchema.of(collector.paramsSchema()).violations(request.params())).isEmpty();
        return collector.collect(request, context);
    }

    @Test
    void statusReasonAndRepeatedHeaders() {
        HttpResult r = call(Map.of("url", server.url("/status")));
        assertThat(r.status()).isEqualTo(418);
        assertThat(r.protocol()).isEqualTo("http/1.1");
        assertThat(r.headers().get("x-test")).containsExactly("a", "b");
        assertThat(r.header("X-TEST")).contains("a");
        assertThat(r.contentType()).contains("text/plain; charset=utf-8");
        assertThat(r.body()).contains("short and stout");
        assertThat(r.bodyEncoding()).isEqualTo("text");
        assertThat(r.charset()).contains("UTF-8");
        assertThat(r.size()).isEqualTo(15);
        assertThat(r.truncated()).isFalse();
        assertThat(r.redirects()).isEmpty();
        assertThat(r.tls()).isEmpty();
        assertThat(r.url()).isEqualTo(r.finalUrl()).isEqualTo(server.url("/status"));
    }

    @Test
    void sendsMethodHeadersAndBody() {
        HttpResult r = call(Map.of("url", server.url("/echo"), "method", "POST", "headers", Map.of("X-Custom", "yes"),
                "body", "{\"a\":1}", "contentType", "application/json"));
        assertThat(r.body()).contains("POST|application/json|yes|outpost-http/1|{\"a\":1}");

        HttpResult b64 = call(Map.of("url", server.url("/echo"), "method", "PUT",
                "bodyBase64", Base64.getEncoder().encodeToString("bytes".getBytes(StandardCharsets.UTF_8)),
                "headers", Map.of("User-Agent", "mine")));
        assertThat(b64.body()).contains("PUT|application/octet-stream|null|mine|bytes");
    }

    @Test
    void followsRedirectsAndRecordsTheChain() {
        HttpResult r = call(Map.of("url", server.url("/r1")));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.finalUrl()).isEqualTo(server.url("/echo"));
        assertThat(r.redirects()).containsExactly(
                new Redirect(server.url("/r1"), 302, server.url("/r2")),
                new Redirect(server.url("/r2"), 301, server.url("/echo")));
        assertThat(r.body()).hasValueSatisfying(b -> assertThat(b).startsWith("GET|"));
    }

    @Test
    void redirectsCanBeLeftUnfollowedOrBounded() {
        HttpResult r = call(Map.of("url", server.url("/r1"), "followRedirects", false));
        assertThat(r.status()).isEqualTo(302);
        assertThat(r.header("location")).contains("/r2");

        assertThatThrownBy(() -> call(Map.of("url", server.url("/r1"), "maxRedirects", 1)))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("too-many-redirects");
                    assertThat(e.isRetryable()).isFalse();
                });
        assertThatThrownBy(() -> call(Map.of("url", server.url("/loop"))))
                .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isEqualTo("too-many-redirects"));
        assertThat(server.served().stream().filter("/loop"::equals)).hasSize(HttpOptions.DEFAULT_MAX_REDIRECTS + 1);
    }

    @Test
    void redirectMethodsFollowTheStatus() {
        HttpResult seeOther = call(Map.of("url", server.url("/see-other"), "method", "POST", "body", "x"));
        assertThat(seeOther.body()).hasValueSatisfying(b -> assertThat(b).startsWith("GET|null|"));
        HttpResult temporary = call(Map.of("url", server.url("/temporary"), "method", "POST", "body", "kept"));
        assertThat(temporary.body()).hasValueSatisfying(b -> assertThat(b).startsWith("POST|").endsWith("|kept"));
    }

    @Test
    void onlySafeHeadersFollowARedirectToAnotherOrigin() throws Exception {
        // Two loopback servers on different ports: different origins.
        java.util.function.Function<com.sun.net.httpserver.HttpExchange, String> seen = ex -> "auth=" + ex.getRequestHeaders().getFirst("Authorization")
                + " key=" + ex.getRequestHeaders().getFirst("X-Api-Key") + " cookie=" + ex.getRequestHeaders().getFirst("Cookie")
                + " accept=" + ex.getRequestHeaders().getFirst("Accept") + " ua=" + ex.getRequestHeaders().getFirst("User-Agent");
        try (TestServer other = TestServer.http().handle("/", ex -> TestServer.text(ex, 200, seen.apply(ex)))
                .handle("/back", ex -> TestServer.redirect(ex, 302, server.url("/echo-auth"))).start()) {
            server.handle("/away", ex -> TestServer.redirect(ex, 307, other.url("/")));
            server.handle("/away-and-back", ex -> TestServer.redirect(ex, 302, other.url("/back")));
            server.handle("/here", ex -> TestServer.redirect(ex, 302, "/echo-auth"));
            server.handle("/echo-auth", ex -> TestServer.text(ex, 200, seen.apply(ex)));
            Map<String, Object> headers = Map.of("Authorization", "Bearer secret", "X-Api-Key", "k-123", "Cookie", "s=1",
                    "Accept", "text/plain", "User-Agent", "probe/1");
            assertThat(call(Map.of("url", server.url("/away"), "headers", headers)).body())
                    .contains("auth=null key=null cookie=null accept=text/plain ua=probe/1");
            // Dropped once, dropped for good: coming back to the first origin does not restore them.
            assertThat(call(Map.of("url", server.url("/away-and-back"), "headers", headers)).body())
                    .contains("auth=null key=null cookie=null accept=text/plain ua=probe/1");
            assertThat(call(Map.of("url", server.url("/here"), "headers", headers)).body())
                    .contains("auth=Bearer secret key=k-123 cookie=s=1 accept=text/plain ua=probe/1");
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"Host", "host", "Connection", "Keep-Alive", "Transfer-Encoding", "TE",
        "Trailer", "Upgrade", "Content-Length", "Proxy-Authorization", "Proxy-Connection", "proxy-anything"})
    void hopByHopAndHostHeadersAreRefusedBeforeSending(String name) {
        assertThatThrownBy(() -> call(Map.of("url", server.url("/echo"), "headers", Map.of(name, "x"))))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("bad-params");
                    assertThat(e.isRetryable()).isFalse();
                    assertThat(e.getMessage()).contains("'" + name + "'");
                });
        assertThat(server.served()).isEmpty();
    }

    @Test
    void gzipIsDecoded() {
        HttpResult r = call(Map.of("url", server.url("/gzip")));
        assertThat(r.body()).contains("compressed hello ".repeat(100));
        assertThat(r.size()).isEqualTo(1700);
    }

    @Test
    void charsetsAreHonoured() {
        assertThat(call(Map.of("url", server.url("/latin1"))).body()).contains("café crème");
        HttpResult sjis = call(Map.of("url", server.url("/sjis")));
        assertThat(sjis.body()).contains("日本語");
        assertThat(sjis.charset()).contains("Shift_JIS");
        HttpResult bom = call(Map.of("url", server.url("/utf16-bom")));
        assertThat(bom.body()).contains("bom text");
        assertThat(bom.charset()).contains("UTF-16BE");
        assertThat(call(Map.of("url", server.url("/json"))).body()).contains("{\"é\":1}");
    }

    @Test
    void binaryBodiesAreBase64() {
        HttpResult r = call(Map.of("url", server.url("/binary")));
        assertThat(r.bodyEncoding()).isEqualTo("base64");
        assertThat(r.charset()).isEmpty();
        assertThat(Base64.getDecoder().decode(r.body().orElseThrow())).isEqualTo(binary());
        assertThat(r.size()).isEqualTo(4096);
    }

    @Test
    void emptyBodiesAndHead() {
        HttpResult empty = call(Map.of("url", server.url("/empty")));
        assertThat(empty.status()).isEqualTo(204);
        assertThat(empty.bodyEncoding()).isEqualTo("none");
        assertThat(empty.body()).isEmpty();
        HttpResult head = call(Map.of("url", server.url("/big"), "method", "HEAD"));
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.bodyEncoding()).isEqualTo("none");
    }

    @Test
    void bodiesAreCutAtTheSizeLimit() {
        // maxBytes is the result's budget: the headers spend it first, the body gets the rest
        HttpResult r = call(Map.of("url", server.url("/big"), "maxBytes", 1000));
        assertThat(r.truncated()).isTrue();
        assertThat(r.size()).isEqualTo(1000 - headerBytes(r));
        assertThat(r.body()).contains("0123456789".repeat(100).substring(0, (int) r.size()));

        HttpResult whole = call(Map.of("url", server.url("/big"), "maxBytes", 100_000 + headerBytes(r)));
        assertThat(whole.truncated()).isFalse();
        assertThat(whole.size()).isEqualTo(100_000);

        HttpResult byDefault = call(Map.of("url", server.url("/big")),
                TestContext.of(Map.of(EgressPolicy.ALLOW_CIDRS, "127.0.0.1", HttpOptions.MAX_BODY_BYTES, "5000")));
        assertThat(byDefault.size()).isEqualTo(5000 - headerBytes(byDefault));
        assertThat(byDefault.truncated()).isTrue();
    }

    private static long headerBytes(HttpResult r) {
        // the reason phrase is spent with the headers
        return r.reason().length() + r.headers().entrySet().stream().mapToLong(h -> h.getValue().stream().mapToLong(v -> h.getKey().length() + v.length()).sum())
                .sum();
    }

    @Test
    void aSizeAboveTheWorkersLimitIsRefused() {
        assertThatThrownBy(() -> call(Map.of("url", server.url("/big"), "maxBytes", 10_000_000)))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("bad-params");
                    assertThat(e.getMessage()).contains("max-body-bytes").contains("262144");
                });
    }

    @Test
    void aTricklingServerHitsTheTotalTimeout() {
        assertThatThrownBy(() -> call(Map.of("url", server.url("/trickle"), "timeoutMs", 500, "readTimeoutMs", 5000)))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("timeout");
                    assertThat(e.isRetryable()).isTrue();
                    assertThat(e.getMessage()).contains("500 ms");
                });
    }

    @Test
    void theWorkersDeadlineBoundsTheFetch() {
        TestContext nearlyOver = new TestContext(Instant.now().plusMillis(400), Map.of(EgressPolicy.ALLOW_CIDRS, "127.0.0.1"));
        assertThatThrownBy(() -> call(Map.of("url", server.url("/trickle")), nearlyOver))
                .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isEqualTo("timeout"));
        TestContext over = new TestContext(Instant.now().minusSeconds(1), Map.of(EgressPolicy.ALLOW_CIDRS, "127.0.0.1"));
        assertThatThrownBy(() -> call(Map.of("url", server.url("/status")), over))
                .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isEqualTo("timeout"));
    }

    @Test
    void aServerThatNeverAnswersHitsTheReadTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try (Socket s = silent.accept(); InputStream in = s.getInputStream()) {
                    in.read(new byte[8192]);
                    in.read(); // holds the connection open without answering until the client leaves
                } catch (IOException e) {
                    // closed
                }
            }, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
            String url = "http://127.0.0.1:" + silent.getLocalPort() + "/";
            assertThatThrownBy(() -> call(Map.of("url", url, "readTimeoutMs", 300)))
                    .isInstanceOfSatisfying(CollectorException.class, e -> {
                        assertThat(e.code()).isEqualTo("timeout");
                        assertThat(e.isRetryable()).isTrue();
                        assertThat(e.getMessage()).contains("readTimeoutMs");
                    });
            acceptor.join(5000);
            assertThat(acceptor.isAlive()).isFalse();
        }
    }

    @Test
    void aClosedPortIsARetryableConnectFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> call(Map.of("url", "http://127.0.0.1:" + port + "/")))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("connect-failed");
                    assertThat(e.isRetryable()).isTrue();
                });
    }

    @Test
    void badParamsAndSettingsArePermanent() {
        assertThatThrownBy(() -> call(Map.of("url", "http://exa mple.com/")))
                .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isEqualTo("bad-url"));
        assertThatThrownBy(() -> call(Map.of("url", server.url("/echo"), "body", "x")))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("bad-params");
                    assertThat(e.getMessage()).contains("GET requests carry no body");
                });
        assertThatThrownBy(() -> call(Map.of("url", server.url("/echo"), "method", "POST", "bodyBase64", "!!!")))
                .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isEqualTo("bad-params"));
        assertThatThrownBy(() -> call(Map.of("url", server.url("/echo")), TestContext.of(Map.of(EgressPolicy.ALLOW_CIDRS, "nope"))))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("bad-settings");
                    assertThat(e.isRetryable()).isFalse();
                    assertThat(e.getMessage()).contains("allow-cidrs");
                });
    }

    @Test
    void theSchemaRejectsWhatItCan() {
        JsonSchema schema = JsonSchema.of(collector.paramsSchema());
        assertThat(schema.accepts(Json.toTree(Map.of("url", "https://example.com/")))).isTrue();
        assertThat(schema.accepts(Json.toTree(Map.of()))).isFalse();
        assertThat(schema.accepts(Json.toTree(Map.of("url", "https://x/", "method", "TRACE")))).isFalse();
        assertThat(schema.accepts(Json.toTree(Map.of("url", "https://x/", "maxRedirects", 50)))).isFalse();
        assertThat(schema.accepts(Json.toTree(Map.of("url", "https://x/", "body", "a", "bodyBase64", "YQ==")))).isFalse();
        assertThat(schema.accepts(Json.toTree(Map.of("url", "https://x/", "headers", Map.of("Bad Name", "v"))))).isFalse();
        assertThat(schema.accepts(Json.toTree(Map.of("url", "https://x/", "unknown", 1)))).isFalse();
    }

    @Test
    void closeStopsTheDeadlineThread() {
        HttpRequestCollector own = HttpRequestCollector.create(HttpOptions.defaults());
        java.util.Set<Thread> before = deadlineThreads();
        own.collect(Request.builder(HttpRequestCollector.NAME).params(Map.of("url", server.url("/status"))).build(),
                TestContext.loopback());
        // this collector's own: a count of all would also see an earlier test's thread still ending after its close
        java.util.Set<Thread> made = new java.util.HashSet<>(deadlineThreads());
        made.removeAll(before);
        assertThat(made).hasSize(1);
        own.close();
        // close joins for a bounded time: on a loaded machine the thread may end just after it returns
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> made.stream().noneMatch(Thread::isAlive));
    }

    private static java.util.Set<Thread> deadlineThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("outpost-http-deadline-"))
                .collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void theResultSerialisesAsPlainJson() {
        HttpResult r = call(Map.of("url", server.url("/status")));
        JsonNode json = Json.toTree(r);
        assertThat(json.path("status").asInt()).isEqualTo(418);
        assertThat(json.path("headers").path("x-test").get(1).asText()).isEqualTo("b");
        assertThat(json.path("body").asText()).isEqualTo("short and stout");
        assertThat(json.path("tls").isNull()).isTrue();
        assertThat(json.has("elapsedMs")).isTrue();
    }
}
