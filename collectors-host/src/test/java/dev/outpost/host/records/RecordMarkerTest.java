package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.host.MutableClock;
import dev.outpost.host.internal.RecordFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A request id's marker is a second name of its record's file; markers of the former layout are still honoured. */
class RecordMarkerTest {
    private static final JsonNode DATA = Json.parse("[{\"pid\":1,\"name\":\"systemd\"}]");
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00.123456Z"));

    private RecordStore open() throws Exception {
        return RecordStore.builder(dir).clock(clock).build().start();
    }

    private Path marker(String day, String requestId) {
        return dir.resolve(".outpost/ids").resolve(day).resolve(RecordFiles.sha256(requestId));
    }

    @Test
    void theMarkerIsTheRecordsFileUnderASecondName() throws Exception {
        try (RecordStore store = open()) {
            String name = store.store("req-1", "web-01", DATA, Optional.empty()).fileName();
            Path record = dir.resolve(name);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(record));
            assertThat(Files.isSameFile(marker("2026-03-01", "req-1"), record)).isTrue();
            assertThat(Files.getAttribute(record, "unix:nlink")).isEqualTo(2);
            assertThat(store.read(name).requestId()).isEqualTo("req-1");
        }
        try (RecordStore store = open()) {
            assertThat(store.store("req-1", "web-01", DATA, Optional.empty()).duplicate()).as("across a restart").isTrue();
        }
    }

    @Test
    void aMarkerOfTheFormerLayoutStillMakesADuplicate() throws Exception {
        String name = "web-01_1772366000.000001.json";
        try (RecordStore store = open()) {
            store.store("warm", "web-01", DATA, Optional.empty()); // the directories exist
        }
        Path marker = marker("2026-03-01", "req-old");
        Files.writeString(marker, name, StandardCharsets.UTF_8); // as a former build wrote it: the record's name
        Files.writeString(dir.resolve(name), "{\"source\":\"web-01\",\"requestId\":\"req-old\",\"timestamp\":\"1772366000.000001\",\"data\":[]}");
        try (RecordStore store = open()) {
            StoreResult again = store.store("req-old", "web-01", DATA, Optional.empty());
            assertThat(again.duplicate()).isTrue();
            assertThat(again.fileName()).isEqualTo(name);
        }
    }

    @Test
    void aTornMarkerIsReplacedNeverWrittenThrough() throws Exception {
        try (RecordStore store = open()) {
            store.store("warm", "web-01", DATA, Optional.empty());
        }
        Path marker = marker("2026-03-01", "req-2");
        Path other = dir.resolve("other.txt");
        Files.writeString(other, "{\"sour"); // a torn marker that happens to be a second name of another file
        Files.createLink(marker, other);
        try (RecordStore store = open()) {
            StoreResult r = store.store("req-2", "web-01", DATA, Optional.empty());
            assertThat(r.duplicate()).isFalse();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve(r.fileName())));
            assertThat(Files.readString(other)).as("the other name keeps its content").isEqualTo("{\"sour");
            assertThat(Files.isSameFile(marker, dir.resolve(r.fileName()))).isTrue();
        }
    }

    @Test
    void aDaysMarkersGoOnceAllItsRecordsHave() throws Exception {
        try (RecordStore store = open()) {
            store.store("old", "web-01", DATA, Optional.empty());
            clock.advance(Duration.ofDays(7).plusSeconds(1)); // the record is past retention, the day's markers not yet
            assertThat(store.sweep()).isEqualTo(1);
            assertThat(marker("2026-03-01", "old")).as("kept while its day has records").exists();
            clock.advance(Duration.ofHours(12)); // 2026-03-09: every record of 2026-03-01 is past retention
            store.sweep();
            assertThat(dir.resolve(".outpost/ids/2026-03-01")).doesNotExist();
            assertThat(store.store("old", "web-01", DATA, Optional.empty()).duplicate()).isFalse();
        }
    }
}
