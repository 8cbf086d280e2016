package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's start() when it cannot have its threads. */
class RecordHttpServerHardeningTest {
    private static final String TOKEN = "s3cr3t-token-for-tests-0123456789";
    @TempDir
    Path tmp;
    private RecordStore store;

    @AfterEach
    void stop() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void aStartThatFindsNoThreadLeavesNoSocketListening() throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
        RecordHttpServer server = RecordHttpServer.builder(store, TOKEN).port(0).threadFactory(r -> {
            throw new IllegalStateException("no threads (test)");
        }).build();
        // start() throws: try-with-resources never closes it, so start() itself must not leave the port bound
        assertThatThrownBy(server::start).hasMessageContaining("no threads (test)");
        int port = server.port();
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress("127.0.0.1", port));
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
        assertThat(server.shutdown()).succeedsWithin(Duration.ofSeconds(10));
    }

    @Test
    void aConnectionAdmittedAsTheClientsLastOneEndsStillCountsAgainstItsCap() throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
        try (RecordHttpServer server = RecordHttpServer.builder(store, TOKEN).port(0).maxConnectionsPerClient(1)
                .headerTimeout(Duration.ofSeconds(30)).build().start();
             Socket a = new Socket(); Socket b = new Socket(); Socket c = new Socket()) {
            AtomicInteger admitted = new AtomicInteger();
            server.beforeCounting = () -> {
                if (admitted.incrementAndGet() == 2) {
                    try { // b's client is looked up, not counted yet: a, the client's only connection, ends right now
                        a.getOutputStream().write("GET /api/test/count HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        a.getInputStream().readAllBytes(); // to the server's close, which comes after a's release
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
            for (Socket s : List.of(a, b, c)) {
                s.setSoTimeout(10_000);
            }
            a.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            b.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            c.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            // b is open and counted: c is one too many for this client
            String reply = new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(reply).startsWith("HTTP/1.1 503");
            assertThat(server.refusedConnections()).isEqualTo(1);
        }
    }

    @Test
    void aShutdownWhileStartIsUnderWayLeavesNoSocketListening() throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
        AtomicReference<RecordHttpServer> server = new AtomicReference<>();
        // the user's TLS context is asked for its factory while start() is under way: the whole shutdown runs right there
        SSLContext tls = TlsStub.serving(() -> {
            assertThat(server.get().shutdown()).succeedsWithin(Duration.ofSeconds(10));
            return (SSLServerSocketFactory) SSLServerSocketFactory.getDefault();
        });
        server.set(RecordHttpServer.builder(store, TOKEN).port(0).tls(tls).build());
        try {
            server.get().start();
        } catch (IllegalStateException shutDownMeanwhile) {
            // either way, nothing may stay open
        }
        int port = server.get().port();
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress("127.0.0.1", port));
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }
}
