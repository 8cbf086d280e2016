package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.CollectorException;
import dev.outpost.Request;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** http.request over TLS to a local server with a certificate made for the test. */
class HttpsTest {
    private static HeldCertificate certificate;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        certificate = new HeldCertificate.Builder()
                .commonName("outpost-test")
                .addSubjectAlternativeName("localhost")
                .addSubjectAlternativeName("127.0.0.1")
                .duration(1, java.util.concurrent.TimeUnit.DAYS)
                .build();
        HandshakeCertificates serverSide = new HandshakeCertificates.Builder().heldCertificate(certificate).build();
        server = TestServer.https(serverSide.sslContext())
                .handle("/", ex -> TestServer.text(ex, 200, "secure hello"))
                .handle("/redirect", ex -> TestServer.redirect(ex, 302, "/"))
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    private static HttpResult get(HttpRequestCollector collector, String path) {
        return collector.collect(Request.builder(HttpRequestCollector.NAME).params(Map.of("url", server.url(path))).build(),
                TestContext.loopback());
    }

    @Test
    void reportsProtocolCipherAndPeerCertificate() throws Exception {
        HandshakeCertificates trust = new HandshakeCertificates.Builder().addTrustedCertificate(certificate.certificate()).build();
        try (HttpRequestCollector collector = HttpRequestCollector.create(HttpOptions.builder()
                .tls(trust.sslSocketFactory(), trust.trustManager()).build())) {
            HttpResult r = get(collector, "/redirect");
            assertThat(r.body()).contains("secure hello");
            assertThat(r.redirects()).hasSize(1);
            TlsInfo tls = r.tls().orElseThrow();
            assertThat(tls.protocol()).startsWith("TLSv1.");
            assertThat(tls.cipherSuite()).startsWith("TLS_");
            CertificateInfo peer = tls.peerCertificate().orElseThrow();
            assertThat(peer.subject()).isEqualTo("CN=outpost-test");
            assertThat(peer.issuer()).isEqualTo("CN=outpost-test");
            assertThat(peer.subjectAltNames()).containsExactlyInAnyOrder("localhost", "127.0.0.1");
            assertThat(Duration.between(peer.notBefore(), peer.notAfter())).isEqualTo(Duration.ofDays(1));
            assertThat(peer.serialNumber()).isEqualTo(certificate.certificate().getSerialNumber().toString(16));
            assertThat(peer.sha256()).isEqualTo(HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(certificate.certificate().getEncoded())));
        }
    }

    @Test
    void anUntrustedCertificateIsAPermanentTlsFailure() {
        try (HttpRequestCollector collector = HttpRequestCollector.create(HttpOptions.defaults())) {
            assertThatThrownBy(() -> get(collector, "/"))
                    .isInstanceOfSatisfying(CollectorException.class, e -> {
                        assertThat(e.code()).isEqualTo("tls-failed");
                        assertThat(e.isRetryable()).isFalse();
                        assertThat(e.getMessage()).contains("127.0.0.1").contains("trust store");
                    });
        }
    }
}
