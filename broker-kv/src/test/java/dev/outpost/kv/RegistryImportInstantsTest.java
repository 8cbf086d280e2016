package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.spi.RegistryException;
import java.io.StringReader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An import line's instants are checked with the rest of the line: one that no store can hold (past
 * epoch milliseconds, which ISO-8601 and {@link java.time.Instant} still read) fails the import
 * naming its line, before anything is written, not as a store failure of the write.
 */
class RegistryImportInstantsTest {
    @TempDir
    Path dir;

    @Test
    void anExpiryPastWhatAStoreCanHoldIsABadLineAndNothingIsWritten() {
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            String lines = "{\"key\":\"svc/a\",\"value\":1}\n"
                    + "{\"key\":\"svc/b\",\"value\":2,\"expiresAt\":\"+300000000-01-01T00:00:00Z\"}\n";
            assertThatThrownBy(() -> RegistryImport.into(kv, new StringReader(lines), ImportMode.OVERWRITE))
                    .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("line 2")
                    .hasMessageContaining("expiresAt");
            assertThat(kv.get("svc/a")).isEmpty();
            assertThat(kv.get("svc/b")).isEmpty();
        }
    }

    @Test
    void anUpdateTimeBeforeWhatAStoreCanHoldIsABadLine() {
        String line = "{\"key\":\"svc/a\",\"value\":1,\"updatedAt\":\"-300000000-01-01T00:00:00Z\"}\n";
        assertThatThrownBy(() -> RegistryImport.read(new StringReader(line), 1024, java.time.Clock.systemUTC()))
                .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("line 1").hasMessageContaining("updatedAt");
    }

    @Test
    void farButHoldableInstantsStillImport() {
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            String line = "{\"key\":\"svc/a\",\"value\":1,\"expiresAt\":\"+100000-01-01T00:00:00Z\"}\n";
            assertThat(RegistryImport.into(kv, new StringReader(line), ImportMode.OVERWRITE)).isEqualTo(1);
            assertThat(kv.get("svc/a").orElseThrow().expiresAt()).contains(java.time.Instant.parse("+100000-01-01T00:00:00Z"));
        }
    }
}
