package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecordStoreTest {
    private static final JsonNode DATA = Json.parse("[{\"pid\":1,\"name\":\"systemd\"}]");
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00.123456Z"));

    private RecordStore open() throws Exception {
        return RecordStore.builder(dir).clock(clock).build().start();
    }

    private long files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
        }
    }

    @Test
    void storesOncePerRequestIdWithNamesItBuilds() throws Exception {
        try (RecordStore store = open()) {
            StoreResult a = store.store("req-1", "a9201032-1e1f-40a2-8995-8472a76dd7d2", DATA, Optional.empty());
            assertThat(a.fileName()).isEqualTo("a9201032-1e1f-40a2-8995-8472a76dd7d2_1772366400.123456.json");
            assertThat(a.duplicate()).isFalse();
            clock.advance(Duration.ofSeconds(5));
            StoreResult again = store.store("req-1", "a9201032-1e1f-40a2-8995-8472a76dd7d2", DATA, Optional.empty());
            assertThat(again.duplicate()).isTrue();
            assertThat(again.fileName()).isEqualTo(a.fileName());
            StoreResult b = store.store("req-2", "a9201032-1e1f-40a2-8995-8472a76dd7d2", DATA, Optional.empty());
            StoreResult sameInstant = store.store("req-3", "a9201032-1e1f-40a2-8995-8472a76dd7d2", DATA, Optional.empty());
            assertThat(sameInstant.fileName()).isNotEqualTo(b.fileName()).endsWith("1772366405.123457.json");
            assertThat(store.count()).isEqualTo(3);
            // the files follow the journal's fsync, written by the store's own thread
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(files()).isEqualTo(3));
            StoredRecord latest = store.latest().orElseThrow();
            assertThat(latest.fileName()).isEqualTo(sameInstant.fileName());
            assertThat(latest.data()).isEqualTo(DATA);
            assertThat(latest.requestId()).isEqualTo("req-3");
        }
        try (RecordStore reopened = open()) {
            assertThat(reopened.count()).isEqualTo(3);
            assertThat(reopened.store("req-1", "a9201032-1e1f-40a2-8995-8472a76dd7d2", DATA, Optional.empty()).duplicate())
                    .as("exactly once across restarts").isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../etc/cron.d/x", "..", ".hidden", "a/b", "a\\b", "/abs", "a_b", "a\u0000b", "host name", "", "a%2f..",
            "é"})
    void pathTraversalAndOddSourcesAreRefusedBeforeAnythingIsWritten(String source) throws Exception {
        try (RecordStore store = open()) {
            assertThatThrownBy(() -> store.store("r", source, DATA, Optional.empty()))
                    .isInstanceOfSatisfying(RecordRejectedException.class, e -> assertThat(e.field()).isEqualTo("source"));
            assertThat(store.count()).isZero();
        }
        // the parent is shared (/tmp): other processes' files come and go while it is walked; a traversal
        // lands near the store, so a few levels are walked, not every file other programs left there
        java.util.List<Path> cron = new java.util.ArrayList<>();
        Files.walkFileTree(dir.getParent(), java.util.Set.of(), 5, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                if (file.getFileName().toString().contains("cron")) {
                    cron.add(file);
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, java.io.IOException e) {
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        assertThat(cron).isEmpty();
    }

    @Test
    void requestIdsNeverReachAPath() throws Exception {
        try (RecordStore store = open()) {
            StoreResult r = store.store("../../../../tmp/evil", "web-01", DATA, Optional.empty());
            assertThat(r.fileName()).startsWith("web-01_");
            assertThat(Path.of("/tmp/evil")).doesNotExist();
            assertThatThrownBy(() -> store.store("x".repeat(513), "web-01", DATA, Optional.empty()))
                    .isInstanceOf(RecordRejectedException.class);
        }
    }

    @Test
    void retentionRemovesOnlyOldRecords() throws Exception {
        try (RecordStore store = open()) {
            store.store("old-1", "web-01", DATA, Optional.empty());
            store.store("old-2", "web-02", DATA, Optional.empty());
            clock.advance(Duration.ofDays(6));
            StoreResult recent = store.store("recent", "web-01", DATA, Optional.empty());
            clock.advance(Duration.ofDays(1)); // the old ones are now exactly 7 days old: kept
            assertThat(store.sweep()).isZero();
            clock.advance(Duration.ofSeconds(1));
            assertThat(store.sweep()).isEqualTo(2);
            assertThat(store.count()).isEqualTo(1);
            assertThat(files()).isEqualTo(1);
            assertThat(store.latest().orElseThrow().fileName()).isEqualTo(recent.fileName());
            clock.advance(Duration.ofDays(6));
            store.store("later", "web-01", DATA, Optional.empty()); // a store a minute after the last sweep sweeps
            assertThat(store.count()).isEqualTo(1);
            assertThat(store.latest().orElseThrow().requestId()).isEqualTo("later");
        }
    }

    @Test
    void aCrashBetweenMarkerAndRecordIsCompletedByTheRetry() throws Exception {
        String name;
        try (RecordStore store = open()) {
            name = store.store("req-9", "web-01", DATA, Optional.empty()).fileName();
        }
        // the crash: the record never reached its place, a temporary file is left behind
        Files.delete(dir.resolve(name));
        Files.writeString(dir.resolve(".outpost/tmp/partial.json"), "{\"trunc");
        try (RecordStore store = open()) {
            assertThat(store.count()).isZero();
            assertThat(dir.resolve(".outpost/tmp/partial.json")).doesNotExist();
            StoreResult retry = store.store("req-9", "web-01", DATA, Optional.empty());
            assertThat(retry.duplicate()).isFalse();
            assertThat(retry.fileName()).isEqualTo(name);
            assertThat(store.count()).isEqualTo(1);
        }
    }

    @Test
    void recordsWhoseFilesTheDiskKeepsRefusingAreBoundedInMemoryAndLaterStoresRefusedSayingWhy() throws Exception {
        String prefix = RecordFiles.sha256("bulk-0").substring(0, 2);
        Path folder = dir.resolve(".outpost/ids").resolve(prefix);
        JsonNode big = Json.object().put("blob", "x".repeat(1 << 20));
        int stored = 0;
        java.io.IOException refused = null;
        try (RecordStore store = open()) {
            Files.delete(folder); // made at start: a file in its place makes every write of these records fail
            Files.writeString(folder, "in the way");
            for (int i = 0; refused == null && stored < 200; i++) {
                String id = "bulk-" + i;
                if (RecordFiles.sha256(id).startsWith(prefix)) {
                    try {
                        store.store(id, "web-01", big, Optional.empty());
                        stored++;
                    } catch (java.io.IOException e) {
                        refused = e;
                    }
                }
            }
            Files.delete(folder);
        }
        // before: every refused record stayed in memory, and stores went on being taken without end
        assertThat(refused).as("refused once about 64 MiB wait for the disk").isNotNull()
                .hasMessageContaining("wait for files the disk refuses");
        assertThat(stored).isBetween(60, 100);
    }

    @Test
    void aRecordWhoseFileCannotBeWrittenYetIsReadCountedAndADuplicateAndWrittenByItsRetirement() throws Exception {
        Path day = dir.resolve(".outpost/ids").resolve(RecordFiles.sha256("req-7").substring(0, 2));
        String name;
        try (RecordStore store = open()) {
            // the files thread cannot write record files (a file where their marker folder should be; root ignores permissions)
            Files.delete(day); // made at start
            Files.writeString(day, "in the way");
            StoreResult r = store.store("req-7", "web-01", DATA, Optional.empty());
            name = r.fileName();
            assertThat(store.read(name).requestId()).as("answered from memory").isEqualTo("req-7");
            assertThat(store.store("req-7", "web-01", DATA, Optional.empty()).duplicate()).isTrue();
            assertThat(store.count()).isEqualTo(1);
            assertThat(store.latest().orElseThrow().fileName()).isEqualTo(name);
            assertThat(dir.resolve(name)).doesNotExist();
            Files.delete(day);
        } // the shutdown retires the journal: what the files thread could not write is written now
        assertThat(dir.resolve(name)).exists();
        try (RecordStore store = open()) {
            assertThat(store.read(name).requestId()).isEqualTo("req-7");
            assertThat(store.store("req-7", "web-01", DATA, Optional.empty()).duplicate()).isTrue();
        }
    }

    @Test
    void oneStorePerDirectory() throws Exception {
        try (RecordStore store = open()) {
            assertThatThrownBy(this::open).hasMessageContaining("already open");
        }
    }

    @Test
    void everyMarkerFolderIsMadeAtStartAndFollowedByAnFsyncOfItsParent() throws Exception {
        java.util.List<Path> synced = new java.util.concurrent.CopyOnWriteArrayList<>();
        dev.outpost.host.internal.DurableFiles.observeDirectorySyncs(synced::add);
        Path ids = dir.resolve(".outpost/ids").toAbsolutePath().normalize();
        try (RecordStore store = open()) {
            try (java.util.stream.Stream<Path> s = Files.list(ids)) {
                assertThat(s.filter(Files::isDirectory).count()).as("all 256, before the first record").isEqualTo(256);
            }
            assertThat(synced).as("the ids folder, once its marker folders were made").contains(ids);
            synced.clear();
            String first = store.store("id-1", "web-01", DATA, Optional.empty()).fileName();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve(first)));
            assertThat(synced).as("no folder to make while storing").doesNotContain(ids);
        } finally {
            dev.outpost.host.internal.DurableFiles.observeDirectorySyncs(p -> { });
        }
    }

    @Test
    void aFileWhereAMarkerFolderBelongsIsRefusedAtStartNamingIt() throws Exception {
        try (RecordStore store = open()) {
            store.store("id-1", "web-01", DATA, Optional.empty());
        }
        Path folder = dir.resolve(".outpost/ids/7f");
        try (java.util.stream.Stream<Path> s = Files.list(folder)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(folder);
        Files.writeString(folder, "not a folder");
        assertThatThrownBy(this::open).hasMessageContaining(folder.toString()).hasMessageContaining("is a file; move it away");
        Files.delete(folder);
        try (RecordStore store = open()) { // moved away: the store starts, and makes the folder again
            assertThat(folder).isDirectory();
        }
    }

    @Test
    void aMarkerFolderRemovedWhileRunningIsMadeAgainAndFollowedByAnFsyncOfItsParent() throws Exception {
        java.util.List<Path> synced = new java.util.concurrent.CopyOnWriteArrayList<>();
        dev.outpost.host.internal.DurableFiles.observeDirectorySyncs(synced::add);
        Path ids = dir.resolve(".outpost/ids").toAbsolutePath().normalize();
        Path folder = ids.resolve(RecordFiles.sha256("id-1").substring(0, 2));
        try (RecordStore store = open()) {
            Files.delete(folder);
            synced.clear();
            String first = store.store("id-1", "web-01", DATA, Optional.empty()).fileName();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(dir.resolve(first)).exists();
                assertThat(folder.resolve(RecordFiles.sha256("id-1"))).exists();
                assertThat(synced).as("the ids folder, after the marker folder was made again").contains(ids);
            });
        } finally {
            dev.outpost.host.internal.DurableFiles.observeDirectorySyncs(p -> { });
        }
    }

    @Test
    void filesAndDirectoriesAreOwnerOnly() throws Exception {
        try (RecordStore store = open()) {
            String name = store.store("r-1", "web-01", DATA, Optional.empty()).fileName();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve(name)));
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))))
                    .isEqualTo("rw-------");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(".outpost/ids"))))
                    .isEqualTo("rwx------");
        }
    }

    @Test
    void nothingTouchesTheDiskBeforeStartAndShutdownIsIdempotent() throws Exception {
        RecordStore store = RecordStore.builder(dir.resolve("later")).clock(clock).build();
        assertThat(dir.resolve("later")).doesNotExist();
        assertThatThrownBy(() -> store.store("r", "web-01", DATA, Optional.empty())).isInstanceOf(IllegalStateException.class);
        store.start();
        assertThatThrownBy(store::start).isInstanceOf(IllegalStateException.class);
        var stop = store.shutdown();
        assertThat(store.shutdown()).isSameAs(stop);
        assertThat(stop.join().clean()).isTrue();
        assertThatThrownBy(() -> store.store("r", "web-01", DATA, Optional.empty())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void configurationIsBoundAndExplicitCallsWin() throws Exception {
        dev.outpost.core.config.OutpostConfig config = dev.outpost.core.config.OutpostConfig.builder()
                .set("outpost.records.dir", dir.resolve("configured").toString()).set("outpost.records.retention", "2d").build();
        try (RecordStore store = RecordStore.builder().configure(config).retention(Duration.ofDays(3)).build().start()) {
            assertThat(store.directory()).isEqualTo(dir.resolve("configured").toAbsolutePath());
            assertThat(store.retention()).isEqualTo(Duration.ofDays(3));
        }
        dev.outpost.core.config.OutpostConfig bad = dev.outpost.core.config.OutpostConfig.builder()
                .set("outpost.records.retention", "-1d").build();
        assertThatThrownBy(() -> RecordStore.builder().configure(bad).build())
                .isInstanceOfSatisfying(dev.outpost.ConfigException.class, e -> assertThat(e.problems())
                        .extracting(dev.outpost.ConfigException.Problem::key)
                        .containsExactlyInAnyOrder("outpost.records.dir", "outpost.records.retention"));
    }

    @Test
    void aDurationTooLargeForADurationIsAConfigurationProblem() {
        dev.outpost.core.config.OutpostConfig huge = dev.outpost.core.config.OutpostConfig.builder()
                .set("outpost.records.dir", dir.resolve("huge").toString())
                .set("outpost.records.retention", "100000000000000000d").build(); // 10^17 days: past Duration's seconds
        assertThatThrownBy(() -> RecordStore.builder().configure(huge).build())
                .isInstanceOfSatisfying(dev.outpost.ConfigException.class, e -> assertThat(e.problems())
                        .extracting(dev.outpost.ConfigException.Problem::key).containsExactly("outpost.records.retention"));
    }

    // a request id's marker is a second name of its record's file; markers of the former layout are still honoured

    private Path marker(String requestId) {
        String hash = RecordFiles.sha256(requestId);
        return dir.resolve(".outpost/ids").resolve(hash.substring(0, 2)).resolve(hash);
    }

    @Test
    void theMarkerIsTheRecordsFileUnderASecondName() throws Exception {
        try (RecordStore store = open()) {
            String name = store.store("req-1", "web-01", DATA, Optional.empty()).fileName();
            Path record = dir.resolve(name);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(record));
            assertThat(Files.isSameFile(marker("req-1"), record)).isTrue();
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
        Path marker = dir.resolve(".outpost/ids/2026-03-01").resolve(RecordFiles.sha256("req-old"));
        Files.createDirectories(marker.getParent());
        Files.writeString(marker, name, StandardCharsets.UTF_8); // as a former build wrote it, in a folder per day: the record's name
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
        Path marker = marker("req-2");
        Files.createDirectories(marker.getParent());
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
    void retentionRemovesARecordsMarkerWithIt() throws Exception {
        try (RecordStore store = open()) {
            String name = store.store("old", "web-01", DATA, Optional.empty()).fileName();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve(name)));
            assertThat(marker("old")).exists();
            clock.advance(Duration.ofDays(7).plusSeconds(1));
            assertThat(store.sweep()).isEqualTo(1);
            assertThat(marker("old")).as("the file's second name, holding its space").doesNotExist();
            assertThat(store.store("old", "web-01", DATA, Optional.empty()).duplicate()).as("past retention").isFalse();
        }
    }

    @Test
    void aFormerDayFolderOfMarkersGoesOnceAllItsRecordsHave() throws Exception {
        Path day = dir.resolve(".outpost/ids/2026-03-01");
        try (RecordStore store = open()) {
            store.store("warm", "web-01", DATA, Optional.empty());
        }
        Files.createDirectories(day);
        Files.writeString(day.resolve(RecordFiles.sha256("req-old")), "web-01_1772366000.000001.json");
        try (RecordStore store = open()) {
            clock.advance(Duration.ofDays(7).plusSeconds(1));
            store.sweep();
            assertThat(day).as("a record of that day is still kept").exists();
            clock.advance(Duration.ofHours(12));
            store.sweep();
            assertThat(day).doesNotExist();
        }
    }
}
