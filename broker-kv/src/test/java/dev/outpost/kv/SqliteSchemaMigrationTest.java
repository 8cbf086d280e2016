package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.spi.RegistryEntry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store written by the previous schema (rows in key order) is moved to the current one when a registry opens it, losing nothing. */
class SqliteSchemaMigrationTest {
    @TempDir
    Path dir;

    @Test
    void aSchemaOneStoreIsMovedToSchemaTwoWithEveryRowVersionAndTombstone() throws Exception {
        Path db = dir.resolve("kv.db");
        long future = System.currentTimeMillis() + 3_600_000;
        // exactly what the previous release created
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE outpost_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID");
            s.executeUpdate("CREATE TABLE entries (key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL,"
                    + " updated_at INTEGER NOT NULL, updated_by TEXT, expires_at INTEGER, deleted INTEGER NOT NULL) WITHOUT ROWID");
            s.executeUpdate("CREATE INDEX entries_expiry ON entries (expires_at) WHERE deleted = 0 AND expires_at IS NOT NULL");
            s.executeUpdate("INSERT INTO outpost_meta (k, v) VALUES ('format', 'outpost-kv'), ('schema', '1'), ('revision', '7')");
            s.executeUpdate("INSERT INTO entries VALUES ('svc/a', '{\"q\":\"a\"}', 3, 1000, 'ops', NULL, 0)");
            s.executeUpdate("INSERT INTO entries VALUES ('svc/b', '{\"q\":\"b\"}', 2, 1000, NULL, " + future + ", 0)");
            s.executeUpdate("INSERT INTO entries VALUES ('svc/gone', 'null', 5, 1000, NULL, NULL, 1)");
        }
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            RegistryEntry a = kv.get("svc/a").orElseThrow();
            assertThat(a.value()).isEqualTo(Json.parse("{\"q\":\"a\"}"));
            assertThat(a.version()).isEqualTo(3);
            assertThat(a.updatedBy()).contains("ops");
            assertThat(kv.get("svc/b").orElseThrow().expiresAt()).isPresent();
            assertThat(kv.get("svc/gone")).isEmpty();
            assertThat(kv.revision()).isEqualTo(7);
            // the tombstone still holds its version: the key continues above it
            assertThat(kv.register("svc/gone", Json.parse("1"), Optional.empty()).version()).isEqualTo(6);
            assertThat(kv.replace("svc/a", Json.parse("2"), 3).version()).isEqualTo(4);
            assertThat(kv.list("svc/")).extracting(RegistryEntry::key).containsExactly("svc/a", "svc/b", "svc/gone");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT v FROM outpost_meta WHERE k = 'schema'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("2");
        }
        assertThat(SqliteRegistry.verify(db)).isEqualTo(3);
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            assertThat(kv.get("svc/a").orElseThrow().version()).isEqualTo(4);
        }
    }
}
