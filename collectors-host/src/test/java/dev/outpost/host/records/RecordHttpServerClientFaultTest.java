package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What a client does to its own connection is its fault: no error in the server's log for it. */
class RecordHttpServerClientFaultTest {
    private static final String TOKEN = "s3cr3t-token-for-tests-0123456789";
    @TempDir
    Path tmp;
    private RecordStore store;
    private RecordHttpServer server;
    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.outpost.host");
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void stop() {
        logger.detachAppender(logged);
        if (server != null) {
            server.close();
        }
        store.close();
    }

    private void start(java.util.function.UnaryOperator<RecordHttpServer.Builder> b) throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
        server = b.apply(RecordHttpServer.builder(store, TOKEN)).maxConnections(1).port(0).build().start();
    }

    /** With one connection allowed, a served request proves the one before it is over, its logging included. */
    private void awaitTheSlot(HttpClient http, String scheme) {
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(
                URI.create(scheme + "://127.0.0.1:" + server.port() + "/api/test/count")).timeout(Duration.ofSeconds(3))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    }

    private void assertNoWarningOrError() {
        assertThat(logged.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }

    @Test
    void aClientThatResetsItsConnectionMidHeadIsNotAServerError() throws Exception {
        start(b -> b);
        for (int i = 0; i < 3; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            OutputStream out = s.getOutputStream();
            out.write("POST /api/v1/record HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.setSoLinger(true, 0); // the close is a reset
            s.close();
            awaitTheSlot(HttpClient.newHttpClient(), "http");
        }
        assertNoWarningOrError();
    }

    private final okhttp3.tls.HeldCertificate cert = new okhttp3.tls.HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1").build();

    @Test
    void plainTextToTheTlsPortIsNotAServerError() throws Exception {
        start(b -> b.tls(new okhttp3.tls.HandshakeCertificates.Builder().heldCertificate(cert).build().sslContext()));
        for (int i = 0; i < 3; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET /api/test/count HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                try {
                    s.getInputStream().readAllBytes(); // to the server's close
                } catch (java.io.IOException reset) {
                    // as good
                }
            }
            awaitTheSlot(HttpClient.newBuilder().sslContext(new okhttp3.tls.HandshakeCertificates.Builder()
                    .addTrustedCertificate(cert.certificate()).build().sslContext()).build(), "https");
        }
        assertNoWarningOrError();
    }
}
