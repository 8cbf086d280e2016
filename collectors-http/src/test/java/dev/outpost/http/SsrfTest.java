package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.CollectorException;
import dev.outpost.Request;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF matrix against a real server on 127.0.0.1: each forbidden form refused when not allowed
 * (the server sees nothing), reached when explicitly allowed. Forbidden answers from the fake
 * resolver are loopback addresses outside the allowed 127.0.0.1/32 (127.0.0.2), so that even a
 * broken policy could not send a packet off this machine.
 */
class SsrfTest {
    private static final byte[] ALLOWED = {127, 0, 0, 1};
    private static final byte[] FORBIDDEN = {127, 0, 0, 2};

    private TestServer server;
    private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();
    private HttpRequestCollector collector;

    /** Fake DNS: service.test and other.test are 127.0.0.1, internal.test is 127.0.0.2, rebind.test flips. */
    private List<InetAddress> resolve(String host) throws UnknownHostException {
        int n = lookups.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
        return switch (host) {
            case "service.test", "other.test" -> List.of(InetAddress.getByAddress(host, ALLOWED));
            case "internal.test" -> List.of(InetAddress.getByAddress(host, FORBIDDEN));
            case "mixed.test" -> List.of(InetAddress.getByAddress(host, ALLOWED), InetAddress.getByAddress(host, FORBIDDEN));
            // First answer allowed ("public"), every later one forbidden: DNS rebinding.
            case "rebind.test" -> List.of(InetAddress.getByAddress(host, n == 1 ? ALLOWED : FORBIDDEN));
            default -> throw new UnknownHostException(host);
        };
    }

    @BeforeEach
    void start() throws IOException {
        server = TestServer.http()
                .handle("/ok", ex -> {
                    ex.getResponseHeaders().set("Connection", "close");
                    TestServer.text(ex, 200, "reached");
                })
                .handle("/to", ex -> {
                    // /to?<url>: redirect there, and close so that the next hop needs a new connection
                    ex.getResponseHeaders().set("Connection", "close");
                    TestServer.redirect(ex, 302, ex.getRequestURI().getRawQuery());
                })
                .start();
        collector = HttpRequestCollector.create(HttpOptions.builder().resolver(this::resolve).build());
    }

    @AfterEach
    void stop() throws InterruptedException {
        collector.close();
        server.close();
    }

    private HttpResult get(String url, Map<String, String> settings) {
        return collector.collect(Request.builder(HttpRequestCollector.NAME).params(Map.of("url", url)).build(), TestContext.of(settings));
    }

    private String at(String host) {
        return "http://" + host + ":" + server.port() + "/ok";
    }

    private static final Map<String, String> NONE = Map.of();
    private static final Map<String, String> LOOPBACK = Map.of(EgressPolicy.ALLOW_CIDRS, "127.0.0.1/32");

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "service.test"})
    void loopbackFormsAreRefusedByDefaultAndReachedWhenAllowed(String host) {
        assertThatThrownBy(() -> get(at(host), NONE))
                .isInstanceOfSatisfying(EgressDeniedException.class, e -> {
                    assertThat(e.code()).isEqualTo("egress-denied");
                    assertThat(e.reason()).contains("loopback");
                });
        assertThat(server.served()).isEmpty();

        assertThat(get(at(host), LOOPBACK).body()).contains("reached");
        assertThat(server.served()).containsExactly("/ok");
    }

    @Test
    void ipv6LoopbackIsRefused() {
        assertThatThrownBy(() -> get(at("[::1]"), LOOPBACK))
                .isInstanceOfSatisfying(EgressDeniedException.class, e -> assertThat(e.reason()).isEqualTo("loopback address"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2130706433", "0177.0.0.1", "0x7f.1", "0x7f000001", "127.1", "127.0.0.1.", "service.test."})
    void oddEncodingsAreRefusedEvenWhenTheAddressIsAllowed(String host) {
        for (Map<String, String> settings : List.of(NONE, LOOPBACK, Map.of(EgressPolicy.ALLOW_CIDRS, "0.0.0.0/0"))) {
            assertThatThrownBy(() -> get(at(host), settings))
                    .isInstanceOfSatisfying(EgressDeniedException.class,
                            e -> assertThat(e.reason()).containsAnyOf("ambiguous numeric host", "trailing dot"));
        }
        assertThat(server.served()).isEmpty();
        assertThat(lookups).isEmpty();
    }

    @Test
    void aHostAllowanceReachesThatHostOnly() {
        Map<String, String> settings = Map.of(EgressPolicy.ALLOW_HOSTS, "service.test");
        assertThat(get(at("service.test"), settings).status()).isEqualTo(200);
        assertThatThrownBy(() -> get(at("other.test"), settings)).isInstanceOf(EgressDeniedException.class);
        assertThatThrownBy(() -> get(at("127.0.0.1"), settings)).isInstanceOf(EgressDeniedException.class);
        assertThat(server.served()).containsExactly("/ok");
    }

    @Test
    void aNameWithAnyForbiddenAnswerIsRefusedBeforeConnecting() {
        assertThatThrownBy(() -> get(at("internal.test"), LOOPBACK))
                .isInstanceOfSatisfying(EgressDeniedException.class, e -> {
                    assertThat(e.host()).isEqualTo("internal.test");
                    assertThat(e.address()).contains("127.0.0.2");
                });
        assertThatThrownBy(() -> get(at("mixed.test"), LOOPBACK))
                .isInstanceOfSatisfying(EgressDeniedException.class, e -> assertThat(e.address()).contains("127.0.0.2"));
        assertThat(server.served()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/",
        "http://[::ffff:10.0.0.1]/", "http://2130706433/", "http://192.168.0.1:8080/admin", "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO"})
    void aRedirectToAForbiddenAddressIsRefused(String target) {
        assertThatThrownBy(() -> get(server.url("/to?" + target), LOOPBACK))
                .isInstanceOf(EgressDeniedException.class);
        assertThat(server.served()).containsExactly("/to");
    }

    @Test
    void urlsThatMakeTheUrlParserThrowAreBadUrlsNotCrashes() {
        // Found by EgressUrlFuzzTest: OkHttp 4.12's HttpUrl throws ArrayIndexOutOfBoundsException on nine IPv6 groups.
        String nineGroups = "http://[2010:0:46:e378:0:46:e378::1]/";
        assertThatThrownBy(() -> get(nineGroups, LOOPBACK))
                .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isEqualTo("bad-url"));
        assertThatThrownBy(() -> get(server.url("/to?" + nineGroups), LOOPBACK))
                .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isEqualTo("bad-redirect"));
        assertThat(server.served()).containsExactly("/to");
    }

    @Test
    void aRedirectToANameThatResolvesForbiddenIsRefused() {
        assertThatThrownBy(() -> get(server.url("/to?http://internal.test:" + server.port() + "/ok"), LOOPBACK))
                .isInstanceOfSatisfying(EgressDeniedException.class, e -> assertThat(e.address()).contains("127.0.0.2"));
        assertThat(server.served()).containsExactly("/to");
    }

    @Test
    void aResolverThatAnswersAllowedThenForbiddenIsRefusedOnTheSecondConnection() {
        assertThat(get(at("rebind.test"), LOOPBACK).body()).contains("reached");
        assertThatThrownBy(() -> get(at("rebind.test"), LOOPBACK))
                .isInstanceOfSatisfying(EgressDeniedException.class, e -> {
                    assertThat(e.host()).isEqualTo("rebind.test");
                    assertThat(e.address()).contains("127.0.0.2");
                });
        assertThat(server.served()).containsExactly("/ok");
        assertThat(lookups.get("rebind.test").get()).isEqualTo(2);
    }

    @Test
    void rebindingBetweenRedirectHopsIsRefused() {
        String hop2 = "http://rebind.test:" + server.port() + "/ok";
        assertThatThrownBy(() -> get("http://rebind.test:" + server.port() + "/to?" + hop2, LOOPBACK))
                .isInstanceOfSatisfying(EgressDeniedException.class, e -> assertThat(e.address()).contains("127.0.0.2"));
        assertThat(server.served()).containsExactly("/to");
    }

    @Test
    void anAllowedRedirectChainIsFollowed() {
        String hop2 = "http://service.test:" + server.port() + "/ok";
        HttpResult r = get(server.url("/to?" + hop2), LOOPBACK);
        assertThat(r.finalUrl()).isEqualTo(hop2);
        assertThat(r.redirects()).extracting(Redirect::location).containsExactly(hop2);
    }

    @Test
    void theDefaultCollectorRefusesTheTestServer() {
        try (HttpRequestCollector fromServiceLoader = new HttpRequestCollector()) {
            assertThatThrownBy(() -> fromServiceLoader.collect(
                    Request.builder(HttpRequestCollector.NAME).params(Map.of("url", server.url("/ok"))).build(), TestContext.of(NONE)))
                    .isInstanceOfSatisfying(CollectorException.class, e -> {
                        assertThat(e.code()).isEqualTo("egress-denied");
                        assertThat(e.isRetryable()).isFalse();
                        assertThat(e.getMessage()).contains("127.0.0.1").contains("loopback").doesNotContain("/ok");
                    });
        }
        assertThat(server.served()).isEmpty();
        List<String> names = new ArrayList<>();
        java.util.ServiceLoader.load(dev.outpost.spi.Collector.class).forEach(c -> names.add(c.name()));
        assertThat(names).contains("http.request", "http.html");
    }
}
