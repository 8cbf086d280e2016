package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.testkit.TestClock;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15's broker-kv findings against the SQLite registry, each as an attacker or a crash would meet it. */
class SqliteHardeningTest {
    @TempDir
    Path dir;

    private static JsonNode json(String s) {
        return Json.parse(s);
    }

    @Test
    void anImportedVersionIsBoundedAndAWriteNeverWrapsAVersion() throws Exception {
        Path db = dir.resolve("kv.db");
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            String line = "{\"key\":\"svc/a\",\"value\":1,\"version\":" + Long.MAX_VALUE + "}\n";
            assertThatThrownBy(() -> RegistryImport.into(kv, new StringReader(line), ImportMode.OVERWRITE))
                    .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("line 1").hasMessageContaining("version");
            assertThat(kv.get("svc/a")).isEmpty();
            String top = "{\"key\":\"svc/a\",\"value\":1,\"version\":" + RegistryImport.MAX_VERSION + "}\n";
            RegistryImport.into(kv, new StringReader(top), ImportMode.OVERWRITE);
            assertThat(kv.update("svc/a", json("{\"x\":1}")).version()).isEqualTo(RegistryImport.MAX_VERSION + 1);
        }
        // a store at the largest version there is (written by hand: no import gets there)
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE entries SET version = " + Long.MAX_VALUE + " WHERE key = 'svc/a'");
        }
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            assertThatThrownBy(() -> kv.update("svc/a", json("{\"y\":1}"))).isInstanceOf(RegistryException.InvalidValue.class)
                    .hasMessageContaining("cannot grow");
            assertThat(kv.get("svc/a").orElseThrow().version()).isEqualTo(Long.MAX_VALUE);
            assertThat(kv.list("svc/")).hasSize(1);
        }
    }

    @Test
    void addModeLeavesExistingKeysUntouched() throws Exception {
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            RegistryEntry mine = kv.register("svc/a", json("{\"mine\":true}"), Optional.empty());
            String lines = "{\"key\":\"svc/a\",\"value\":{\"theirs\":true},\"version\":7}\n{\"key\":\"svc/b\",\"value\":2}\n";
            assertThat(RegistryImport.into(kv, new StringReader(lines), ImportMode.ADD)).isEqualTo(1);
            assertThat(kv.get("svc/a").orElseThrow()).isEqualTo(mine);
            assertThat(kv.get("svc/b").orElseThrow().value()).isEqualTo(json("2"));
        }
    }

    @Test
    void theFileItsSidecarsAndBackupsAreOwnerOnly() throws Exception {
        Path db = dir.resolve("data/kv.db");
        Path backups = dir.resolve("backups");
        try (SqliteRegistry kv = SqliteRegistry.builder(db).backups(backups).build().start()) {
            kv.register("svc/a", json("1"), Optional.empty());
            Path backup = kv.backups().orElseThrow().backupNow();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db.resolveSibling("kv.db-wal")))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backup))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backups))).isEqualTo("rwx------");
            Path copy = dir.resolve("copy.db");
            kv.backupTo(copy);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy))).isEqualTo("rw-------");
        }
        Path restored = dir.resolve("restored.db");
        SqliteRegistry.restore(dir.resolve("copy.db"), restored);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(restored))).isEqualTo("rw-------");
    }

    @Test
    void retentionRemovesWhatAnInterruptedBackupLeft() throws Exception {
        TestClock clock = TestClock.create();
        Path backups = dir.resolve("backups");
        try (SqliteRegistry kv = SqliteRegistry.builder(dir.resolve("kv.db")).clock(clock).backups(backups).backupKeep(2)
                .build().start()) {
            kv.register("svc/a", json("1"), Optional.empty());
            Files.createDirectories(backups);
            Path leftover = backups.resolve("kv-20250101T000000000Z.db.tmp"); // a backup killed half-way
            Files.writeString(leftover, "half a database");
            Path foreign = backups.resolve("notes.txt");
            Files.writeString(foreign, "not ours");
            kv.backups().orElseThrow().backupNow();
            assertThat(leftover).doesNotExist();
            assertThat(foreign).exists();
        }
    }

    @Test
    void aWatchAddedAfterAWriteReturnedNeverReceivesThatWrite() throws Exception {
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            List<String> wrong = new CopyOnWriteArrayList<>();
            List<AutoCloseable> watches = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 300; i++) {
                String key = "svc/k" + i + "/e";
                RegistryEntry written = kv.register(key, json("1"), Optional.empty());
                watches.add(kv.watch("svc/k" + i + "/", change -> {
                    if (change.version() <= written.version() && !change.deleted()) {
                        wrong.add(change.key() + " v" + change.version());
                    }
                }));
            }
            // a later write to each key is heard, so the watches are live
            List<String> heard = new CopyOnWriteArrayList<>();
            watches.add(kv.watch("svc/", change -> heard.add(change.key())));
            for (int i = 0; i < 300; i++) {
                kv.update("svc/k" + i + "/e", json("{\"x\":1}"));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.size() == 300);
            assertThat(wrong).as("changes committed before watch() returned").isEmpty();
            for (AutoCloseable w : watches) {
                w.close();
            }
        }
    }

    @Test
    void oldTombstonesAreCompactedAndVersionsStillNeverRepeat() throws Exception {
        TestClock clock = TestClock.create();
        Path db = dir.resolve("kv.db");
        try (SqliteRegistry kv = SqliteRegistry.builder(db).clock(clock).ticker(clock.ticker()).expirySweep(Duration.ofSeconds(1))
                .tombstoneRetention(Duration.ofDays(1)).build().start()) {
            RegistryEntry e = kv.register("svc/gone", json("1"), Optional.empty());
            e = kv.replace("svc/gone", json("2"), e.version());
            kv.delete("svc/gone", e.version());
            clock.advance(Duration.ofDays(2));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rows(kv) == 0);
            assertThat(kv.register("svc/gone", json("3"), Optional.empty()).version())
                    .as("above the compacted tombstone's version 2").isEqualTo(3);
        }
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            assertThat(kv.register("svc/new", json("1"), Optional.empty()).version()).as("the floor survives a restart").isEqualTo(3);
        }
    }

    private long rows(SqliteRegistry kv) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + kv.file()); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*) FROM entries")) {
            return rs.getLong(1);
        }
    }
}
