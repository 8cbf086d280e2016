package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.host.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record store against interrupts, an operator working behind its back, and records caught in the files thread's gathering. */
class RecordStoreAttackTest {
    private static final JsonNode DATA = Json.parse("{\"load\":0.5}");
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00.123456Z"));

    private RecordStore open() throws Exception {
        // files are written by the files thread alone: the journal's retirement comes only after an hour
        return RecordStore.builder(dir).clock(clock).fileSyncDelay(Duration.ofHours(1)).build().start();
    }

    /** The store's files thread: the newest live thread of that role (each store numbers its threads). */
    private static Thread filesThread() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().contains("records-store") && t.getName().endsWith("files"))
                .max(java.util.Comparator.comparing(Thread::getId)).orElseThrow();
    }

    @Test
    void anInterruptedFilesThreadStillWritesRecordFiles() throws Exception {
        try (RecordStore store = open()) {
            filesThread().interrupt();
            StoreResult r = store.store("req-1", "web-01", DATA, Optional.empty());
            store.sweep(); // returns once the files thread has handled every durable record
            assertThat(dir.resolve(r.fileName())).exists();
            StoreResult s = store.store("req-2", "web-01", DATA, Optional.empty());
            store.sweep();
            assertThat(dir.resolve(s.fileName())).exists();
        }
    }
}
