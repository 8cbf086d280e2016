package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.ConfigException;
import dev.outpost.core.config.OutpostConfig;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A token the server takes is one a client can present: else the server is refused at build, naming the token. */
class RecordHttpServerTokenTest {
    @TempDir
    Path tmp;
    private RecordStore store;

    @BeforeEach
    void open() throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
    }

    @AfterEach
    void close() {
        store.close();
    }

    /** Builds with {@code token}: refused naming it, or served to a client that sends it (as UTF-8, what curl sends). */
    private void refusedOrUsable(String token, Supplier<RecordHttpServer.Builder> builder) throws Exception {
        RecordHttpServer server;
        try {
            server = builder.get().port(0).build().start();
        } catch (ConfigException refused) {
            assertThat(refused.problems()).singleElement().satisfies(p -> assertThat(p.key()).contains("token"))
                    .satisfies(p -> assertThat(p.message()).doesNotContain(token.strip()));
            return;
        }
        try (server; Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /api/test/count HTTP/1.1\r\nAuthorization: Bearer " + token + "\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(reply).as("token %s was accepted at build", token).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void aTokenNoClientCanPresentIsRefusedAtBuild() throws Exception {
        for (String token : new String[] {"pässwörd-for-tests-0123456789", "tab\tinside-for-tests-0123456789"}) {
            refusedOrUsable(token, () -> RecordHttpServer.builder(store, token));
            refusedOrUsable(token, () -> RecordHttpServer.builder(store).configure(OutpostConfig.builder()
                    .set("outpost.records.http.token", token).build()));
        }
        String padded = " s3cr3t-token-for-tests-0123456789 "; // the header's value is trimmed: these spaces never match
        refusedOrUsable(padded, () -> RecordHttpServer.builder(store, padded));
    }
}
