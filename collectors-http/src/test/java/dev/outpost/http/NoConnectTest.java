package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.CollectorException;
import dev.outpost.Request;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A refused destination is never connected to: a listener on 127.0.0.1 counts the connections it
 * accepts, so an open port cannot be told from a closed one. And TLS failures do not reveal the
 * peer certificate.
 */
class NoConnectTest {
    private ServerSocket listener;
    private final AtomicInteger accepted = new AtomicInteger();
    private Thread acceptor;

    @BeforeEach
    void listen() throws IOException {
        listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!listener.isClosed()) {
                try (Socket s = listener.accept()) {
                    accepted.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        }, "test-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @AfterEach
    void close() throws Exception {
        listener.close();
        acceptor.join(5000);
    }

    private static HttpResult get(HttpRequestCollector collector, String url, Map<String, String> settings) {
        return collector.collect(Request.builder(HttpRequestCollector.NAME).params(Map.of("url", url)).build(), TestContext.of(settings));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http:127.0.0.1:%d//[::ffff:8.8.8.8]/", "https:127.0.0.1:%d//[::ffff:8.8.8.8]/",
        "http:127.0.0.1:%d//8.8.8.8/", "http:/127.0.0.1:%d/", "http:\\\\127.0.0.1:%d\\", "http://[::ffff:127.0.0.1]:%d/"})
    void aUrlWhoseRealHostIsInternalIsRefusedBeforeConnecting(String form) {
        String url = String.format(form, listener.getLocalPort());
        try (HttpRequestCollector collector = HttpRequestCollector.create(HttpOptions.defaults())) {
            assertThatThrownBy(() -> get(collector, url, Map.of()))
                    .isInstanceOfSatisfying(EgressDeniedException.class, e -> {
                        assertThat(e.reason()).isEqualTo("loopback address");
                        assertThat(e.host()).isEqualTo("127.0.0.1");
                    });
        }
        assertThat(accepted).hasValue(0);
    }

    @Test
    void anAllowedHostNameIsConnectedWhateverItResolvesTo() {
        // The socket check sees the name the Dns answered for, so allow-hosts holds at the connect too.
        try (HttpRequestCollector collector = HttpRequestCollector.create(HttpOptions.builder()
                .resolver(host -> java.util.List.of(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))).build())) {
            assertThatThrownBy(() -> get(collector, "http://inside.test:" + listener.getLocalPort() + "/",
                    Map.of(EgressPolicy.ALLOW_HOSTS, "inside.test")))
                    .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isNotEqualTo("egress-denied"));
        }
        org.awaitility.Awaitility.await().untilAsserted(() -> assertThat(accepted).hasValue(1));
    }

    @Test
    void aTlsFailureDoesNotRevealThePeerCertificate() throws Exception {
        HeldCertificate internal = new HeldCertificate.Builder().commonName("db.internal.corp")
                .addSubjectAlternativeName("db.internal.corp").addSubjectAlternativeName("vault.internal.corp").build();
        HandshakeCertificates serverSide = new HandshakeCertificates.Builder().heldCertificate(internal).build();
        HandshakeCertificates trusting = new HandshakeCertificates.Builder().addTrustedCertificate(internal.certificate()).build();
        try (TestServer server = TestServer.https(serverSide.sslContext()).handle("/", ex -> TestServer.text(ex, 200, "hi")).start();
             HttpRequestCollector mismatch = HttpRequestCollector.create(HttpOptions.builder()
                     .tls(trusting.sslSocketFactory(), trusting.trustManager()).build());
             HttpRequestCollector untrusted = HttpRequestCollector.create(HttpOptions.defaults())) {
            for (HttpRequestCollector c : new HttpRequestCollector[] {mismatch, untrusted}) {
                assertThatThrownBy(() -> get(c, server.url("/"), Map.of(EgressPolicy.ALLOW_CIDRS, "127.0.0.1/32")))
                        .isInstanceOfSatisfying(CollectorException.class, e -> {
                            assertThat(e.code()).isEqualTo("tls-failed");
                            assertThat(e.getMessage()).contains("127.0.0.1").doesNotContain("internal.corp").doesNotContain("CN=")
                                    .doesNotContain("sha256/");
                        });
            }
        }
    }
}
