package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Slow, greedy and unauthenticated clients on 127.0.0.1 against the record API (issue 15). */
class RecordHttpServerAttackTest {
    private static final String TOKEN = "s3cr3t-token-for-tests-0123456789";
    @TempDir
    Path tmp;
    private RecordStore store;
    private RecordHttpServer server;
    private final List<Socket> sockets = new ArrayList<>();
    private final ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() throws Exception {
        drip.shutdownNow();
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
        store.close();
    }

    private void start(RecordHttpServer.Builder b) throws Exception {
        server = b.port(0).build().start();
    }

    private RecordHttpServer.Builder builder() throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
        return RecordHttpServer.builder(store, TOKEN);
    }

    private Socket open() throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.setSoTimeout(10_000);
        sockets.add(s);
        return s;
    }

    private HttpResponse<String> authorisedPost(String id) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1/record"))
                .timeout(Duration.ofSeconds(3)).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"uuid\":\"web-01\",\"id\":\"" + id + "\",\"data\":{\"a\":1}}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String readAll(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }

    @Test
    void dripFedHeadersDoNotStopAnAuthorisedPost() throws Exception {
        start(builder().maxConnectionsPerClient(40).headerTimeout(Duration.ofSeconds(30)));
        List<Socket> drippers = new ArrayList<>();
        for (int i = 0; i < 24; i++) { // six times the old server's four request threads
            Socket s = open();
            s.getOutputStream().write("POST /api/v1/record HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            drippers.add(s);
        }
        drip.scheduleAtFixedRate(() -> {
            for (Socket s : drippers) {
                try {
                    s.getOutputStream().write('a');
                    s.getOutputStream().flush();
                } catch (Exception ignored) {
                    // closed by the server: fine
                }
            }
        }, 0, 200, TimeUnit.MILLISECONDS);
        HttpResponse<String> r = authorisedPost("while-dripping");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(store.count()).isEqualTo(1);
    }

    @Test
    void aHeadThatDripsIsCutAtTheDeadlineHoweverSteadyTheDrip() throws Exception {
        start(builder().headerTimeout(Duration.ofMillis(700)));
        Socket s = open();
        s.getOutputStream().write("GET /api/test/count HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        drip.scheduleAtFixedRate(() -> {
            try {
                OutputStream out = s.getOutputStream();
                out.write("X-A: b\r\n".getBytes(StandardCharsets.US_ASCII)); // a byte well inside any per-read timeout
                out.flush();
            } catch (Exception ignored) {
                // closed by the server
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
        long t0 = System.nanoTime();
        String reply = readAll(s); // returns when the server closes the connection
        assertThat(reply).startsWith("HTTP/1.1 408");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.timedOutConnections() == 1);
    }

    @Test
    void aTlsHandshakeThatDripsIsCutAtTheHeadDeadline() throws Exception {
        start(builder().tls(serverTls).headerTimeout(Duration.ofMillis(700)));
        Socket s = open();
        // a TLS handshake record announcing 512 bytes, then one byte every 100 ms: the TLS layer reads on
        // until the record is whole, each read well inside any per-read timeout
        s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00});
        drip.scheduleAtFixedRate(() -> {
            try {
                s.getOutputStream().write(0x01);
                s.getOutputStream().flush();
            } catch (Exception ignored) {
                // closed by the server
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
        long t0 = System.nanoTime();
        try {
            readAll(s); // returns when the server closes the connection
        } catch (java.io.IOException reset) {
            // closed with a reset: as good
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.timedOutConnections() == 1);
    }

    @Test
    void aBodyThatNeverComesIsCutAtTheBodyDeadline() throws Exception {
        start(builder().bodyTimeout(Duration.ofMillis(500)));
        Socket s = open();
        s.getOutputStream().write(("POST /api/v1/record HTTP/1.1\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Length: 100\r\n\r\n{\"uuid\"").getBytes(StandardCharsets.US_ASCII));
        assertThat(readAll(s)).startsWith("HTTP/1.1 408");
        assertThat(store.count()).isZero();
    }

    @Test
    void theTokenIsCheckedBeforeABodyIsRead() throws Exception {
        start(builder().bodyTimeout(Duration.ofSeconds(60)));
        Socket s = open();
        s.getOutputStream().write(("POST /api/v1/record HTTP/1.1\r\nAuthorization: Bearer wrong-token-0123456789\r\n"
                + "Content-Length: 8000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.setSoTimeout(5000); // the body never comes: a 401 must not wait for it
        String reply = readAll(s);
        assertThat(reply).startsWith("HTTP/1.1 401").contains("WWW-Authenticate: Bearer").doesNotContain(TOKEN);
    }

    @Test
    void connectionsAreCappedPerClientAndInTotal() throws Exception {
        start(builder().maxConnectionsPerClient(3).maxConnections(5));
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            idle.add(open());
        }
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
            Socket extra = open();
            return readAll(extra).startsWith("HTTP/1.1 503");
        });
        assertThat(server.refusedConnections()).isGreaterThanOrEqualTo(1);
        for (Socket s : idle) {
            s.close();
        }
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> authorisedPost("after-release").statusCode() == 201);
    }

    @Test
    void aClientThatNeverReadsItsReplyDoesNotHoldItsConnectionForever() throws Exception {
        start(builder().maxConnections(1).bodyTimeout(Duration.ofMillis(500)));
        // a reply far larger than the two sockets' buffers: the server's write blocks until the client reads
        store.store("big", "web-01", com.fasterxml.jackson.databind.node.TextNode.valueOf("x".repeat(16 * 1024 * 1024)),
                java.util.Optional.empty());
        Socket stalled = new Socket();
        stalled.setReceiveBufferSize(4096);
        sockets.add(stalled);
        stalled.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        stalled.getOutputStream().write(("GET /api/test/latest HTTP/1.1\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        stalled.getOutputStream().flush();
        // it never reads: its one connection slot must come free once the reply is overdue
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> authorisedPost("after-stall").statusCode() == 201);
        assertThat(server.timedOutConnections()).isEqualTo(1);
    }

    private final okhttp3.tls.HeldCertificate cert = new okhttp3.tls.HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1").build();
    private final javax.net.ssl.SSLContext serverTls = new okhttp3.tls.HandshakeCertificates.Builder().heldCertificate(cert).build()
            .sslContext();
    private final javax.net.ssl.SSLContext clientTls = new okhttp3.tls.HandshakeCertificates.Builder()
            .addTrustedCertificate(cert.certificate()).build().sslContext();

    /** A TLS client that asks for a reply larger than both sockets' buffers and never reads it: the server's write blocks. */
    private void stallTlsWriter() throws Exception {
        store.store("big", "web-01", com.fasterxml.jackson.databind.node.TextNode.valueOf("x".repeat(16 * 1024 * 1024)),
                java.util.Optional.empty());
        Socket plain = new Socket();
        plain.setReceiveBufferSize(4096);
        sockets.add(plain);
        plain.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        javax.net.ssl.SSLSocket stalled = (javax.net.ssl.SSLSocket) clientTls.getSocketFactory()
                .createSocket(plain, "127.0.0.1", server.port(), true);
        sockets.add(stalled);
        stalled.startHandshake();
        stalled.getOutputStream().write(("GET /api/test/latest HTTP/1.1\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        stalled.getOutputStream().flush();
    }

    @Test
    void aTlsClientThatNeverReadsItsReplyDoesNotHoldItsConnectionForever() throws Exception {
        start(builder().tls(serverTls).maxConnections(1).bodyTimeout(Duration.ofMillis(500)));
        stallTlsWriter();
        // closing it must not wait for the blocked write (SSLSocket.close sends close_notify under the writer's lock)
        HttpClient https = HttpClient.newBuilder().sslContext(clientTls).connectTimeout(Duration.ofSeconds(3)).build();
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> https.send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + server.port() + "/api/test/count")).timeout(Duration.ofSeconds(3))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        assertThat(server.timedOutConnections()).isEqualTo(1);
    }

    private static boolean aConnectionIsBlockedWriting() {
        return Thread.getAllStackTraces().entrySet().stream().anyMatch(e -> e.getKey().getName().contains("records-http")
                && e.getKey().getName().contains("connection") && java.util.Arrays.stream(e.getValue())
                        .anyMatch(f -> f.getClassName().equals("sun.nio.ch.NioSocketImpl") && f.getMethodName().equals("implWrite")));
    }

    @Test
    void shutdownIsNotHeldByATlsWriteThatBlocks() throws Exception {
        start(builder().tls(serverTls).bodyTimeout(Duration.ofSeconds(60)));
        stallTlsWriter();
        await().atMost(Duration.ofSeconds(10)).until(RecordHttpServerAttackTest::aConnectionIsBlockedWriting);
        dev.outpost.ShutdownResult r = server.shutdown().get(15, TimeUnit.SECONDS);
        assertThat(r.clean()).isTrue();
    }

    @Test
    void aConnectionAdmittedUnderTheCapIsServedEvenWhileTheLastOneIsFinishing() throws Exception {
        start(builder().maxConnections(1));
        // one client at a time, never over the cap: each next request arrives while the previous
        // connection's thread may still be on its way back to the pool
        for (int i = 0; i < 300; i++) {
            Socket s = open();
            s.getOutputStream().write(("GET /api/test/count HTTP/1.1\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(readAll(s)).as("request %d", i).startsWith("HTTP/1.1 200");
            s.close();
        }
    }

    @Test
    void connectionsThatFoundNoThreadDoNotKeepTheirSlot() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean noThreads = new java.util.concurrent.atomic.AtomicBoolean();
        start(builder().maxConnections(2).threadFactory(r -> {
            if (noThreads.get()) {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource limits reached");
            }
            return new Thread(r);
        }));
        noThreads.set(true); // the process is out of threads for a while: each connection is closed unserved
        for (int i = 0; i < 3; i++) {
            readAll(open());
        }
        noThreads.set(false);
        assertThat(authorisedPost("after-the-thread-shortage").statusCode()).isEqualTo(201);
    }

    @Test
    void aClientOverTheCapReadsAWellFormed503() throws Exception {
        start(builder().maxConnectionsPerClient(1));
        open(); // holds the one slot this address has (accepted first: connections are accepted in order)
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/api/test/count")).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(dev.outpost.Json.parse(r.body()).path("status").asText()).isEqualTo("error");
    }

    @Test
    void malformedHeadsGetAClearRefusal() throws Exception {
        start(builder());
        String[] heads = {"GET /api/test/count HTTP/1.1\r\nBad Header\r\n\r\n", "GET http://x/ HTTP/1.1\r\n\r\n",
                "POST /api/v1/record HTTP/1.1\r\nAuthorization: Bearer " + TOKEN + "\r\nTransfer-Encoding: chunked\r\n\r\n",
                "GET /api/test/count HTTP/1.1\r\nX: " + "a".repeat(20_000) + "\r\n\r\n", "GET / HTTP/2.0\r\n\r\n"};
        int[] expected = {400, 400, 411, 431, 505};
        for (int i = 0; i < heads.length; i++) {
            Socket s = open();
            try {
                s.getOutputStream().write(heads[i].getBytes(StandardCharsets.US_ASCII));
            } catch (java.io.IOException e) {
                // the server answered and closed before everything was sent (the oversized head)
            }
            assertThat(readAll(s)).as(heads[i].substring(0, Math.min(20, heads[i].length()))).startsWith("HTTP/1.1 " + expected[i]);
        }
    }
}
