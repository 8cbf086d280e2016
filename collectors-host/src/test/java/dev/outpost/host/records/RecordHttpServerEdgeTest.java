package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.ShutdownResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's own threads under absurd settings and at the edge of its shutdown. */
class RecordHttpServerEdgeTest {
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
    void aHeaderTimeoutTooLongForMillisecondsDoesNotKillTheReaper() throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
        List<Throwable> died = new CopyOnWriteArrayList<>();
        RecordHttpServer server = RecordHttpServer.builder(store, TOKEN).port(0)
                .headerTimeout(Duration.ofDays(365L * 300_000_000)) // past Long.MAX_VALUE milliseconds
                .threadFactory(r -> new Thread(() -> {
                    try {
                        r.run();
                    } catch (Throwable t) {
                        died.add(t);
                    }
                })).build().start();
        // the shutdown waits for every thread: a reaper that died at its start has left its throwable by then
        ShutdownResult r = server.shutdown().get();
        assertThat(r.clean()).isTrue();
        assertThat(died).isEmpty();
    }
}
