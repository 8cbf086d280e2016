package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ConfigException;
import dev.outpost.core.config.OutpostConfig;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's memory is bounded, not only each request's: bodies being read and parsed at once
 * share a budget (4 × maxBodyBytes by default); a body that would exceed it is refused 503 with
 * Retry-After, and gets in once the others are done.
 */
class RecordHttpServerBodyBudgetTest {
    private static final String TOKEN = "s3cr3t-token-for-tests-0123456789";
    private static final int MAX_BODY = 100;
    @TempDir
    Path tmp;
    private RecordStore store;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        store.close();
    }

    /** A record body of exactly {@link #MAX_BODY} bytes. */
    private static byte[] body(int n) {
        String start = "{\"uuid\":\"src-" + n + "\",\"timestamp\":\"1593338576.5\",\"data\":\"";
        String b = start + "x".repeat(MAX_BODY - start.length() - 2) + "\"}";
        assertThat(b).hasSize(MAX_BODY);
        return b.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] head(int length) {
        return ("POST /api/v1/record HTTP/1.1\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Length: " + length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends the head and the first 10 bytes of body {@code n}: the server reads the rest until it comes. */
    private Socket held(RecordHttpServer server, int n) throws Exception {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(head(MAX_BODY));
        s.getOutputStream().write(body(n), 0, 10);
        s.getOutputStream().flush();
        return s;
    }

    private static String finish(Socket s, int n) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(body(n), 10, MAX_BODY - 10);
        out.flush();
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    private String post(RecordHttpServer server, int n) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(head(MAX_BODY));
            out.write(body(n));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aBodyPastTheServersBudgetIsRefused503UntilTheOthersAreDone() throws Exception {
        try (RecordHttpServer server = RecordHttpServer.builder(store, TOKEN).port(0).maxBodyBytes(MAX_BODY)
                .bodyTimeout(Duration.ofMinutes(1)).build().start()) {
            CountDownLatch reading = new CountDownLatch(4);
            server.bodyAdmitted = reading::countDown;
            List<Socket> four = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                four.add(held(server, i));
            }
            assertThat(reading.await(10, TimeUnit.SECONDS)).as("four bodies being read: the default budget, 4 × 100").isTrue();

            String refused = post(server, 9);
            assertThat(refused).startsWith("HTTP/1.1 503").containsIgnoringCase("\r\nRetry-After: ").contains("\"status\":\"error\"");

            assertThat(finish(four.get(0), 0)).startsWith("HTTP/1.1 201");
            assertThat(post(server, 9)).as("a body's share is returned once it was stored").startsWith("HTTP/1.1 201");
            for (int i = 1; i < 4; i++) {
                assertThat(finish(four.get(i), i)).startsWith("HTTP/1.1 201");
            }
            assertThat(store.count()).isEqualTo(5);
        }
    }

    @Test
    void theBudgetIsConfiguredAndMustHoldTheLargestBody() throws Exception {
        OutpostConfig one = OutpostConfig.builder().set("outpost.records.http.max-body-bytes-in-flight", "100").build();
        try (RecordHttpServer server = RecordHttpServer.builder(store, TOKEN).configure(one).port(0).maxBodyBytes(MAX_BODY)
                .bodyTimeout(Duration.ofMinutes(1)).build().start()) {
            CountDownLatch reading = new CountDownLatch(1);
            server.bodyAdmitted = reading::countDown;
            Socket first = held(server, 0);
            assertThat(reading.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(post(server, 1)).startsWith("HTTP/1.1 503");
            assertThat(finish(first, 0)).startsWith("HTTP/1.1 201");
            assertThat(post(server, 1)).startsWith("HTTP/1.1 201");
        }
        OutpostConfig small = OutpostConfig.builder().set("outpost.records.http.max-body-bytes-in-flight", "99").build();
        assertThatThrownBy(() -> RecordHttpServer.builder(store, TOKEN).configure(small).maxBodyBytes(MAX_BODY).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(p -> {
                    assertThat(p.key()).isEqualTo("outpost.records.http.max-body-bytes-in-flight");
                    assertThat(p.message()).contains("at least max-body-bytes (100)");
                }));
        assertThatThrownBy(() -> RecordHttpServer.builder(store, TOKEN).maxBodyBytesInFlight(0)).isInstanceOf(ConfigException.class);
    }
}
