package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outpost.CollectorException;
import dev.outpost.ErrorInfo;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.http.internal.Fetcher;
import dev.outpost.inmemory.InMemoryTransport;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What goes back to a remote caller: an egress refusal of a host name names the name, not what it
 * resolved to (that would let a caller map internal DNS; the operator's log has it), and redirect
 * URLs and response headers spend the same {@code maxBytes} budget as the body.
 */
class RemoteFacingResultsTest {
    private static final Map<String, String> LOOPBACK = Map.of(EgressPolicy.ALLOW_CIDRS, "127.0.0.1/32");

    private TestServer server;
    private InMemoryTransport transport;
    private Worker worker;
    private Client client;

    private static List<InetAddress> resolve(String host) throws UnknownHostException {
        return switch (host) {
            case "service.test" -> List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
            case "db.internal.test" -> List.of(InetAddress.getByAddress(host, new byte[] {10, 20, 30, 40}));
            default -> throw new UnknownHostException(host);
        };
    }

    @BeforeEach
    void start() throws Exception {
        server = TestServer.http()
                .handle("/ok", ex -> TestServer.text(ex, 200, "x".repeat(1000)))
                .handle("/far", ex -> TestServer.redirect(ex, 302, "/ok?" + "a".repeat(3000)))
                .handle("/fat", ex -> {
                    ex.getResponseHeaders().set("X-Padding", "p".repeat(5000));
                    TestServer.text(ex, 200, "body");
                })
                .start();
        transport = InMemoryTransport.create();
        worker = Worker.builder(transport).collector(HttpRequestCollector.create(HttpOptions.builder()
                        .resolver(RemoteFacingResultsTest::resolve).build()))
                .settings(HttpRequestCollector.NAME, LOOPBACK).maxAttempts(1).pollWait(Duration.ofMillis(50)).build().start();
        client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        worker.close();
        transport.close();
        server.close();
    }

    private Response call(Map<String, Object> params) throws Exception {
        return client.call(Request.builder(HttpRequestCollector.NAME).params(params).build(), Duration.ofSeconds(20))
                .get(30, TimeUnit.SECONDS);
    }

    @Test
    void aRefusedResolvedAddressIsNotToldToTheCallerButIsLoggedForTheOperator() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Fetcher.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            Response r = call(Map.of("url", "http://db.internal.test:" + server.port() + "/ok"));
            ErrorInfo error = r.error().orElseThrow();
            assertThat(error.code()).isEqualTo("egress-denied");
            assertThat(error.message()).contains("'db.internal.test'").contains("resolves to a refused address range")
                    .doesNotContain("10.20.30.40").doesNotContain("private");
            assertThat(logged.list).anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).contains("db.internal.test").contains("10.20.30.40");
            });
        } finally {
            logger.detachAppender(logged);
        }
        // an address the caller wrote itself is still named, with why
        Response literal = call(Map.of("url", "http://10.20.30.40/"));
        assertThat(literal.error().orElseThrow().message()).contains("10.20.30.40").contains("private");
        assertThat(server.served()).isEmpty();
    }

    @Test
    void aConnectFailureNamesTheHostAndPortTheCallerSentNotTheAddressItResolvedTo() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Fetcher.class);
        Level before = logger.getLevel();
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        logger.setLevel(Level.DEBUG);
        try {
            // service.test resolves to 127.0.0.1 (allowed): the HTTP client's exception says "service.test/127.0.0.1:PORT"
            Response r = call(Map.of("url", "http://service.test:" + closed + "/ok"));
            ErrorInfo error = r.error().orElseThrow();
            assertThat(error.code()).isEqualTo("connect-failed");
            assertThat(error.message()).contains("service.test:" + closed).contains("refused").doesNotContain("127.0.0.1")
                    .doesNotContain("/ok");
            assertThat(logged.list).as("the exception's text is for the operator").anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.DEBUG);
                assertThat(e.getFormattedMessage()).contains("service.test:" + closed);
                assertThat(e.getThrowableProxy().getMessage()).contains("127.0.0.1");
            });
        } finally {
            logger.detachAppender(logged);
            logger.setLevel(before);
        }
    }

    @Test
    void redirectUrlsCountAgainstMaxBytesWithATypedRefusalWhenTheyAloneExceedIt() throws Exception {
        Response r = call(Map.of("url", server.url("/far"), "maxBytes", 2000));
        assertThat(r.error().map(ErrorInfo::code)).contains("too-large");
        assertThat(r.error().orElseThrow().message()).contains("redirect URLs").contains("maxBytes 2000");
        // with room for them, the body gets what is left
        Response ok = call(Map.of("url", server.url("/far"), "maxBytes", 4000));
        assertThat(ok.isOk()).as(ok.toString()).isTrue();
        long redirectBytes = ok.result().orElseThrow().path("redirects").get(0).path("url").asText().length()
                + ok.result().orElseThrow().path("redirects").get(0).path("location").asText().length();
        assertThat(redirectBytes).isGreaterThan(3000);
        assertThat(ok.result().orElseThrow().path("size").asLong()).isLessThanOrEqualTo(4000 - redirectBytes);
        assertThat(ok.result().orElseThrow().path("truncated").asBoolean()).isTrue();
    }

    @Test
    void responseHeadersCountAgainstMaxBytesToo() throws Exception {
        Response r = call(Map.of("url", server.url("/fat"), "maxBytes", 2000));
        assertThat(r.error().map(ErrorInfo::code)).contains("too-large");
        assertThat(r.error().orElseThrow().message()).contains("response headers");
        Response ok = call(Map.of("url", server.url("/ok"), "maxBytes", 600));
        long headerBytes = ok.result().orElseThrow().path("reason").asText().length();
        var headers = ok.result().orElseThrow().path("headers");
        for (var it = headers.fields(); it.hasNext(); ) {
            var h = it.next();
            for (var v : h.getValue()) {
                headerBytes += h.getKey().length() + v.asText().length();
            }
        }
        assertThat(headerBytes).isPositive();
        assertThat(ok.result().orElseThrow().path("size").asLong()).isEqualTo(600 - headerBytes);
        assertThat(ok.result().orElseThrow().path("truncated").asBoolean()).isTrue();
    }

    @Test
    void theCollectorCalledDirectlyThrowsTheTypedRefusal() {
        try (HttpRequestCollector http = HttpRequestCollector.create(HttpOptions.defaults())) {
            assertThatThrownBy(() -> http.collect(Request.builder(HttpRequestCollector.NAME)
                    .params(Map.of("url", server.url("/fat"), "maxBytes", 2000)).build(), TestContext.of(LOOPBACK)))
                    .isInstanceOfSatisfying(CollectorException.class, e -> {
                        assertThat(e.code()).isEqualTo("too-large");
                        assertThat(e.isRetryable()).isFalse();
                    });
        }
    }

    @Test
    void aLongReasonPhraseCountsAgainstMaxBytesToo() throws Exception {
        // a hostile server puts its payload in the status line, which OkHttp accepts up to 256 KiB
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                HttpRequestCollector http = HttpRequestCollector.create(HttpOptions.defaults())) {
            Thread serving = new Thread(() -> {
                try (java.net.Socket c = s.accept()) {
                    java.io.InputStream in = c.getInputStream();
                    for (int last = 0, b; (b = in.read()) >= 0; ) {
                        last = (last << 8 | b) & 0xffffffff;
                        if (last == 0x0d0a0d0a) {
                            break;
                        }
                    }
                    c.getOutputStream().write(("HTTP/1.1 200 " + "r".repeat(5000)
                            + "\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                } catch (java.io.IOException e) {
                    // the test's assertion says what went wrong
                }
            });
            serving.start();
            assertThatThrownBy(() -> http.collect(Request.builder(HttpRequestCollector.NAME)
                    .params(Map.of("url", "http://127.0.0.1:" + s.getLocalPort() + "/", "maxBytes", 2000)).build(),
                    TestContext.of(LOOPBACK)))
                    .isInstanceOfSatisfying(CollectorException.class, e -> {
                        assertThat(e.code()).isEqualTo("too-large");
                        assertThat(e.getMessage()).doesNotContain("rrrr");
                    });
            serving.join();
        }
    }
}
