package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.host.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

    /** What {@code rm -rf} does to a folder the running store keeps changing (files it renames or adds meanwhile). */
    private static void deleteTree(Path p) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                java.nio.file.Files.walkFileTree(p, new java.nio.file.SimpleFileVisitor<>() {
                    @Override
                    public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a)
                            throws java.io.IOException {
                        java.nio.file.Files.deleteIfExists(f);
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }

                    @Override
                    public java.nio.file.FileVisitResult visitFileFailed(Path f, java.io.IOException e) {
                        return java.nio.file.FileVisitResult.CONTINUE; // gone meanwhile
                    }

                    @Override
                    public java.nio.file.FileVisitResult postVisitDirectory(Path d, java.io.IOException e) throws java.io.IOException {
                        java.nio.file.Files.deleteIfExists(d);
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }
                });
                return;
            } catch (java.nio.file.DirectoryNotEmptyException | java.nio.file.NoSuchFileException e) {
                if (attempt == 10) {
                    throw e; // a file added meanwhile: rm -rf again
                }
            }
        }
    }

    @Test
    void aLinkWhereTheStoreKeepsItsOwnFoldersIsRefused() throws Exception {
        Path elsewhere = java.nio.file.Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-elsewhere"));
        try {
            open().close();
            for (String own : List.of("ids/7f", "tmp", "journal", "ids")) {
                Path folder = dir.resolve(".outpost").resolve(own);
                Path moved = java.nio.file.Files.move(folder, elsewhere.resolve(own.replace('/', '-')));
                java.nio.file.Files.createSymbolicLink(folder, moved);
                assertThatThrownBy(this::open).as(own).isInstanceOf(java.io.IOException.class)
                        .hasMessageContaining(folder.toString()).hasMessageContaining("symbolic link");
                java.nio.file.Files.delete(folder);
                java.nio.file.Files.move(moved, folder);
            }
            open().close();
        } finally {
            deleteTree(elsewhere);
        }
    }

    @Test
    void markerFoldersRemovedBehindItsBackAreMadeAgain() throws Exception {
        java.util.List<StoreResult> stored = new java.util.ArrayList<>();
        try (RecordStore store = open()) {
            stored.add(store.store("req-0", "web-01", DATA, Optional.empty()));
            store.sweep();
            deleteTree(dir.resolve(".outpost").resolve("ids"));
            for (int i = 1; i < 300; i++) {
                stored.add(store.store("req-" + i, "web-01", DATA, Optional.empty()));
            }
            store.sweep();
            for (StoreResult r : stored.subList(1, stored.size())) {
                assertThat(dir.resolve(r.fileName())).exists();
            }
        }
        try (RecordStore store = open()) {
            for (int i = 1; i < 300; i++) {
                assertThat(store.store("req-" + i, "web-01", DATA, Optional.empty()).duplicate()).isTrue();
            }
        }
    }

    @Test
    void aRetryAfterTheClockJumpedPastRetentionIsStoredAnewNotUnderTheSweptName() throws Exception {
        try (RecordStore store = RecordStore.builder(dir).clock(clock).retention(Duration.ofDays(1)).fileSyncDelay(Duration.ofHours(1)).build().start()) {
            StoreResult first = store.store("req-1", "web-01", DATA, Optional.empty());
            clock.advance(Duration.ofDays(2));
            assertThat(store.sweep()).isEqualTo(1);
            // a retry of the same request id, its record gone with the retention: stored again, and kept
            StoreResult again = store.store("req-1", "web-01", DATA, Optional.empty());
            assertThat(again.duplicate()).isFalse();
            assertThat(again.fileName()).isNotEqualTo(first.fileName());
            clock.advance(Duration.ofMinutes(2));
            assertThat(store.sweep()).isZero();
            assertThat(store.read(again.fileName()).requestId()).isEqualTo("req-1");
            assertThat(dir.resolve(again.fileName())).exists();
            assertThat(store.store("req-1", "web-01", DATA, Optional.empty()).duplicate()).isTrue();
        }
    }

    @Test
    void recordsStoredJustBeforeCloseHaveTheirFiles() throws Exception {
        java.util.List<StoreResult> stored = new java.util.ArrayList<>();
        try (RecordStore store = open()) {
            for (int i = 0; i < 10; i++) {
                stored.add(store.store("req-" + i, "web-01", DATA, Optional.empty()));
            }
        }
        for (StoreResult r : stored) {
            assertThat(dir.resolve(r.fileName())).exists();
        }
        assertThat(dir.resolve(".outpost").resolve("journal")).isDirectory();
    }

    @Test
    void manyThreadsStoringTheSameIdsGetOneRecordEachAcrossTheGatherWindow() throws Exception {
        int ids = 200;
        java.util.concurrent.ConcurrentHashMap<String, java.util.Set<String>> names = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger firsts = new java.util.concurrent.atomic.AtomicInteger();
        try (RecordStore store = open()) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < ids; i++) {
                        StoreResult r = store.store("req-" + i, "web-01", DATA, Optional.empty());
                        names.computeIfAbsent("req-" + i, k -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(r.fileName());
                        if (!r.duplicate()) {
                            firsts.incrementAndGet();
                        }
                        assertThat(store.read(r.fileName()).requestId()).isEqualTo("req-" + i);
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            assertThat(firsts.get()).isEqualTo(ids);
            assertThat(names.values()).allSatisfy(n -> assertThat(n).hasSize(1));
            assertThat(store.count()).isEqualTo(ids);
        }
        try (RecordStore store = open()) {
            assertThat(store.count()).isEqualTo(ids);
        }
    }

    @Test
    void everyRecordAcknowledgedWhileTheStoreClosesIsThereAfterwards() throws Exception {
        java.util.List<StoreResult> acked = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        RecordStore store = open();
        java.util.concurrent.CountDownLatch going = new java.util.concurrent.CountDownLatch(4);
        java.util.List<Thread> writers = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int me = t;
            Thread w = new Thread(() -> {
                going.countDown();
                for (int i = 0; ; i++) {
                    try {
                        acked.add(store.store("w" + me + "-" + i, "web-01", DATA, Optional.empty()));
                    } catch (Exception | Error e) {
                        return; // shut down: refused, not acknowledged
                    }
                }
            });
            w.start();
            writers.add(w);
        }
        going.await();
        org.awaitility.Awaitility.await().until(() -> acked.size() > 200);
        store.close();
        for (Thread w : writers) {
            w.join();
        }
        try (RecordStore again = open()) {
            for (StoreResult r : List.copyOf(acked)) {
                assertThat(again.read(r.fileName()).fileName()).isEqualTo(r.fileName());
            }
            assertThat(again.count()).isEqualTo(acked.size());
        }
    }

    @Test
    void theCountStaysRightWhenASweepRecountsWhileRecordsAreStored() throws Exception {
        try (RecordStore store = RecordStore.builder(dir).clock(clock).retention(Duration.ofDays(1)).fileSyncDelay(Duration.ofHours(1)).build().start()) {
            java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
            for (int round = 0; round < 30; round++) {
                for (int i = 0; i < 20; i++) {
                    store.store("old-" + n.incrementAndGet(), "web-01", DATA, Optional.empty());
                }
                clock.advance(Duration.ofDays(2));
                java.util.concurrent.atomic.AtomicBoolean go = new java.util.concurrent.atomic.AtomicBoolean(true);
                java.util.List<Thread> writers = new java.util.ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    Thread w = new Thread(() -> {
                        while (go.get()) {
                            try {
                                store.store("new-" + n.incrementAndGet(), "web-01", DATA, Optional.empty());
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    });
                    w.start();
                    writers.add(w);
                }
                store.sweep();
                go.set(false);
                for (Thread w : writers) {
                    w.join();
                }
                store.sweep(); // drained: every file written
                long onDisk;
                try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
                    onDisk = s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
                }
                assertThat(store.count()).as("round %d", round).isEqualTo(onDisk);
            }
        }
    }

    @Test
    void aJournalFolderRemovedBehindItsBackIsMadeAgain() throws Exception {
        java.util.List<StoreResult> acked = new java.util.ArrayList<>();
        try (RecordStore store = RecordStore.builder(dir).clock(clock).fileSyncDelay(Duration.ZERO).build().start()) {
            acked.add(store.store("req-0", "web-01", DATA, Optional.empty()));
            deleteTree(dir.resolve(".outpost").resolve("journal"));
            int failed = 0;
            for (int i = 1; i <= 10; i++) {
                try {
                    acked.add(store.store("req-" + i, "web-01", DATA, Optional.empty()));
                } catch (java.io.IOException e) {
                    failed++; // the batch written to the removed segment: not acknowledged
                }
            }
            assertThat(failed).as("only the batch that went to the removed segment fails").isLessThanOrEqualTo(1);
            // the segments closed since retire again (fsynced files, the journal dropped)
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir.resolve(".outpost").resolve("journal"))) {
                    assertThat(s.filter(p -> p.getFileName().toString().endsWith(".journal")).count()).isLessThanOrEqualTo(1);
                }
            });
        }
        try (RecordStore store = open()) {
            for (StoreResult r : acked) {
                assertThat(store.read(r.fileName()).fileName()).isEqualTo(r.fileName());
            }
        }
    }

    @Test
    void theTemporaryFolderRemovedBehindItsBackIsMadeAgainWhenARecordIsRewritten() throws Exception {
        try (RecordStore store = RecordStore.builder(dir).clock(clock).fileSyncDelay(Duration.ofMillis(200)).build().start()) {
            StoreResult r = store.store("req-1", "web-01", DATA, Optional.empty());
            store.sweep(); // its files are written
            // an operator removes the temporary folder, and the record's file before the journal let it go
            deleteTree(dir.resolve(".outpost").resolve("tmp"));
            java.nio.file.Files.delete(dir.resolve(r.fileName()));
            // the journal's retirement writes what it holds again (under a temporary name, renamed)
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(dir.resolve(r.fileName())).exists());
            assertThat(store.read(r.fileName()).requestId()).isEqualTo("req-1");
        }
    }

    @Test
    void theWholeStateFolderRemovedBehindItsBack() throws Exception {
        java.util.List<StoreResult> acked = new java.util.ArrayList<>();
        try (RecordStore store = RecordStore.builder(dir).clock(clock).fileSyncDelay(Duration.ZERO).build().start()) {
            acked.add(store.store("req-0", "web-01", DATA, Optional.empty()));
            store.sweep();
            deleteTree(dir.resolve(".outpost"));
            int failed = 0;
            for (int i = 1; i <= 10; i++) {
                try {
                    acked.add(store.store("req-" + i, "web-01", DATA, Optional.empty()));
                } catch (java.io.IOException e) {
                    failed++;
                }
            }
            assertThat(failed).isLessThanOrEqualTo(1);
            store.sweep();
            for (StoreResult r : acked) {
                assertThat(dir.resolve(r.fileName())).exists();
            }
        }
        try (RecordStore store = open()) {
            for (StoreResult r : acked) {
                assertThat(store.read(r.fileName()).fileName()).isEqualTo(r.fileName());
            }
            assertThat(store.store("req-5", "web-01", DATA, Optional.empty()).duplicate()).isTrue();
        }
    }

    @Test
    void anInterruptedCallerDoesNotFailTheJournalWriteItLeads() throws Exception {
        // A server's shutdownNow() interrupts its handler threads; the one that leads a group commit
        // writes the batch of every writer waiting with it, on a channel an interrupt would close.
        try (RecordStore store = open()) {
            store.store("req-0", "web-01", DATA, Optional.empty());
            long syncs = store.journalSyncs();
            Thread.currentThread().interrupt();
            StoreResult r;
            try {
                r = store.store("req-1", "web-01", DATA, Optional.empty());
            } finally {
                assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
            }
            assertThat(store.journalSyncs()).isEqualTo(syncs + 1);
            assertThat(store.store("req-2", "web-01", DATA, Optional.empty()).duplicate()).isFalse();
            assertThat(store.read(r.fileName()).requestId()).isEqualTo("req-1");
        }
    }
}
