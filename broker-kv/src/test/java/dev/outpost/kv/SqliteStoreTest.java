package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.testkit.TestClock;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files: backups, restore, export/import, refusing foreign and damaged files, durability across reopen. */
class SqliteStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void backupsTakenWhileWritersRunAreConsistentAndRestorable() throws Exception {
        TestClock clock = TestClock.create();
        Path db = dir.resolve("kv.db");
        Path backups = dir.resolve("backups");
        Map<String, Long> acked = new ConcurrentHashMap<>();
        List<Path> taken = new ArrayList<>();
        try (SqliteRegistry kv = SqliteRegistry.builder(db).clock(clock).backups(backups).backupKeep(3).build().start()) {
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                writers.add(pool.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String key = "bk/t" + id + "-" + (i % 50);
                        RegistryEntry e = kv.get(key).isPresent() ? kv.update(key, json("{\"i\":" + i + "}"))
                                : kv.register(key, json("{\"i\":" + i + "}"), Optional.empty());
                        acked.merge(key, e.version(), Math::max);
                    }
                    return null;
                }));
            }
            for (int b = 0; b < 5; b++) {
                while (acked.size() < 20 * (b + 1) && acked.size() < 200) {
                    Thread.onSpinWait();
                }
                clock.advance(Duration.ofHours(1));
                taken.add(kv.backups().orElseThrow().backupNow());
            }
            stop.set(true);
            for (Future<?> f : writers) {
                f.get(1, TimeUnit.MINUTES);
            }
            pool.shutdown();

            // retention: exactly the newest 3, named by the clock's time, newest first
            List<Path> kept = kv.backups().orElseThrow().list();
            assertThat(kept).containsExactly(taken.get(4), taken.get(3), taken.get(2));
            assertThat(kept.get(0).getFileName().toString()).isEqualTo("kv-20260101T050000000Z.db");
            try (var files = Files.list(backups)) {
                assertThat(files.count()).isEqualTo(3); // no temporary files left behind
            }

            // each backup is a healthy store whose versions never exceed what writers were told later
            for (Path p : kept) {
                assertThat(SqliteRegistry.verify(p)).isPositive();
            }
        }
        // restore the newest backup over the live file: the live one is kept aside, not deleted
        Path newest = taken.get(4);
        Optional<Path> aside = SqliteRegistry.restore(newest, db);
        assertThat(aside).isPresent();
        assertThat(aside.get()).exists();
        try (SqliteRegistry restored = SqliteRegistry.open(db)) {
            List<RegistryEntry> all = restored.list("bk/");
            assertThat(all).isNotEmpty();
            for (RegistryEntry e : all) {
                assertThat(e.version()).isLessThanOrEqualTo(acked.get(e.key()));
                assertThat(e.value().has("i")).isTrue();
            }
            assertThat(restored.revision()).isPositive();
        }
    }

    @Test
    void everyWriteIncludingDeleteIsThereAfterReopen() throws Exception {
        Path db = dir.resolve("kv.db");
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            kv.register("svc/a", json("1"), Optional.empty());
            kv.register("svc/b", json("1"), Optional.empty());
            kv.update("svc/a", json("{\"x\":1}"));
            kv.delete("svc/b");
        }
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            assertThat(kv.get("svc/a").orElseThrow().version()).isEqualTo(2);
            assertThat(kv.get("svc/b")).isEmpty(); // bpbroker resurrected deleted keys on restart
            assertThat(kv.register("svc/b", json("2"), Optional.empty()).version()).isEqualTo(2);
            assertThat(kv.revision()).isEqualTo(5);
        }
    }

    @Test
    void groupCommitSharesTransactionsBetweenConcurrentWriters() throws Exception {
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            dev.outpost.testkit.RegistryContract.runConcurrently(16, i -> {
                for (int n = 0; n < 30; n++) {
                    kv.register("gc/" + i + "-" + n, json("1"), Optional.empty());
                }
            });
            assertThat(kv.writeCount()).isEqualTo(480);
            assertThat(kv.commitCount()).isLessThan(kv.writeCount());
        }
    }

    @Test
    void aForeignFileIsRefusedAndLeftUntouched() throws Exception {
        Path text = dir.resolve("notes.db");
        Files.writeString(text, "these are my notes, not a database\n");
        assertThatThrownBy(() -> SqliteRegistry.open(text)).isInstanceOf(CorruptStoreException.class)
                .hasMessageContaining("not a SQLite database").hasMessageContaining("not changed");
        assertThat(Files.readString(text)).isEqualTo("these are my notes, not a database\n");

        Path other = dir.resolve("other.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + other); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
            s.executeUpdate("INSERT INTO customers (name) VALUES ('ada')");
        }
        byte[] before = Files.readAllBytes(other);
        assertThatThrownBy(() -> SqliteRegistry.open(other)).isInstanceOf(CorruptStoreException.class)
                .hasMessageContaining("another program");
        assertThat(Files.readAllBytes(other)).isEqualTo(before);
        assertThat(dir.resolve("other.db-wal")).doesNotExist();
    }

    @Test
    void aDamagedFileIsRefusedAndLeftUntouched() throws Exception {
        Path db = dir.resolve("kv.db");
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            for (int i = 0; i < 500; i++) {
                kv.register("svc/k" + i, json("{\"pad\":\"" + "x".repeat(100) + "\"}"), Optional.empty());
            }
        }
        byte[] bytes = Files.readAllBytes(db);
        for (int i = 4096; i < bytes.length; i += 4096) { // scribble over the b-tree header of every page after the first
            for (int j = 0; j < 16; j++) {
                bytes[i + j] = (byte) 0xA5;
            }
        }
        Files.write(db, bytes);
        assertThatThrownBy(() -> SqliteRegistry.open(db)).isInstanceOf(CorruptStoreException.class)
                .hasMessageContaining("kv.db");
        assertThat(Files.readAllBytes(db)).isEqualTo(bytes);
        assertThatThrownBy(() -> SqliteRegistry.restore(db, dir.resolve("copy.db"))).isInstanceOf(CorruptStoreException.class);
        assertThat(dir.resolve("copy.db")).doesNotExist();
    }

    @Test
    void exportAndImportOverwriteOrMirror() throws Exception {
        StringWriter out = new StringWriter();
        try (SqliteRegistry a = SqliteRegistry.open(dir.resolve("a.db"))) {
            a.register("svc/a", json("{\"n\":1}"), Optional.empty());
            a.update("svc/a", json("{\"n\":2}"));
            a.register("svc/b", json("\"b\""), Optional.of(Duration.ofHours(1)));
            assertThat(RegistryExport.write(a, out)).isEqualTo(2);
        }
        String lines = out.toString();
        assertThat(lines.lines()).hasSize(2);
        try (SqliteRegistry b = SqliteRegistry.open(dir.resolve("b.db"))) {
            b.register("svc/c", json("1"), Optional.empty());
            b.register("svc/a", json("0"), Optional.empty());
            b.replace("svc/a", json("0"), 1);
            b.replace("svc/a", json("0"), 2);
            assertThat(RegistryImport.into(b, new StringReader(lines), ImportMode.OVERWRITE)).isEqualTo(2);
            assertThat(b.get("svc/a").orElseThrow().value()).isEqualTo(json("{\"n\":2}"));
            assertThat(b.get("svc/a").orElseThrow().version()).isEqualTo(4); // never back to the exported 2
            assertThat(b.get("svc/b").orElseThrow().expiresAt()).isPresent();
            assertThat(b.get("svc/c")).isPresent();

            assertThat(RegistryImport.into(b, new StringReader(lines), ImportMode.MIRROR)).isEqualTo(2);
            assertThat(b.get("svc/c")).isEmpty();
            assertThat(b.list("svc/")).extracting(RegistryEntry::key).containsExactly("svc/a", "svc/b");

            String bad = lines + "{\"key\":\"svc/d\",\"value\":1}\n{\"key\":\"nonamespace\",\"value\":1}\n";
            long revision = b.revision();
            assertThatThrownBy(() -> RegistryImport.into(b, new StringReader(bad), ImportMode.ADD))
                    .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("line 4");
            assertThat(b.get("svc/d")).isEmpty();
            assertThat(b.revision()).isEqualTo(revision);
        }
        assertThat(new String(lines.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).contains("\"version\":2");
    }

    @Test
    void aLiveDatabaseWithItsWriteAheadLogIsRefusedAsABackupForItsFileAloneHoldsLessThanWasChecked() throws Exception {
        Path live = dir.resolve("live.db");
        Path restored = dir.resolve("restored.db");
        try (SqliteRegistry kv = SqliteRegistry.open(live)) {
            kv.register("svc/a", dev.outpost.Json.parse("1"), Optional.empty());
            assertThat(live.resolveSibling("live.db-wal")).isNotEmptyFile(); // the write is in the log, not yet in the file
            assertThatThrownBy(() -> SqliteRegistry.restore(live, restored)).isInstanceOf(CorruptStoreException.class)
                    .hasMessageContaining("live.db-wal").hasMessageContaining("not a backup");
            assertThat(restored).doesNotExist();
        }
        // closed, its log is folded into the file: a whole copy, accepted
        SqliteRegistry.restore(live, restored);
        try (SqliteRegistry kv = SqliteRegistry.open(restored)) {
            assertThat(kv.get("svc/a")).isPresent();
        }
    }
}
