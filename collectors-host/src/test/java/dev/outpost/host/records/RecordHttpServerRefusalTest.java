package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request answered before its body is read gets its answer, then the end of the stream: not a
 * TCP reset, which a client still sending (Java's HttpClient, curl) reports as a broken connection
 * instead of the 401 or 413 it was sent.
 */
class RecordHttpServerRefusalTest {
    private static final String TOKEN = "s3cr3t-token-for-tests-0123456789";
    /** Far more than both sockets' buffers hold: the client's write ends only if the server takes it all. */
    private static final int UNREAD = 16 * 1024 * 1024;
    @TempDir
    Path tmp;
    private RecordStore store;
    private RecordHttpServer server;

    @BeforeEach
    void start() throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
        server = RecordHttpServer.builder(store, TOKEN).port(0).maxBodyBytes(1024)
                .headerTimeout(Duration.ofMinutes(1)).bodyTimeout(Duration.ofMinutes(1)).build().start(); // time to take it all
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    /**
     * Sends {@code head} and {@link #UNREAD} bytes of body in one write, as a client does that sends its request before
     * it reads (a reset fails that write), and reads to the end of the stream.
     */
    private String refused(String head) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(10_000);
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            byte[] request = new byte[h.length + UNREAD];
            System.arraycopy(h, 0, request, 0, h.length);
            java.util.Arrays.fill(request, h.length, request.length, (byte) 'x');
            OutputStream out = s.getOutputStream();
            out.write(request); // a reset throws here
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aRefusedBodyIsFollowedByTheEndOfTheStreamNotAReset() throws Exception {
        assertThat(refused("POST /api/v1/record HTTP/1.1\r\nAuthorization: Bearer wrong-token-0123456789\r\nContent-Length: "
                + UNREAD + "\r\n\r\n")).startsWith("HTTP/1.1 401");
        assertThat(refused("POST /api/v1/record HTTP/1.1\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Length: " + UNREAD
                + "\r\n\r\n")).startsWith("HTTP/1.1 413");
        assertThat(refused("POST /api/v1/nope HTTP/1.1\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Length: " + UNREAD
                + "\r\n\r\n")).startsWith("HTTP/1.1 404");
        assertThat(refused("GET /api/test/count HTTP/1.1\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Length: " + UNREAD
                + "\r\n\r\n")).as("a GET's body, never read").startsWith("HTTP/1.1 200");
        assertThat(store.count()).isZero();
    }
}
