package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
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
}
