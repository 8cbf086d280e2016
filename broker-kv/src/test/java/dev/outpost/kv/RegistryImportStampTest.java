package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.spi.RegistryException;
import java.io.StringReader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An import line's {@code updatedBy} with a broken surrogate pair ({@code "\ud800"}) is a bad line:
 * SQLite stores UTF-8, which has no form for it, and the import kept {@code ?} in its place.
 */
class RegistryImportStampTest {
    @TempDir
    Path dir;

    @Test
    void anUpdatedByUtf8CannotCarryIsABadLineAndNothingIsWritten() {
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            String lines = "{\"key\":\"svc/a\",\"value\":1}\n{\"key\":\"svc/b\",\"value\":2,\"updatedBy\":\"ops\\ud800\"}\n";
            assertThatThrownBy(() -> RegistryImport.into(kv, new StringReader(lines), ImportMode.OVERWRITE))
                    .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("line 2").hasMessageContaining("updatedBy");
            assertThat(kv.get("svc/a")).isEmpty();
            assertThat(kv.get("svc/b")).isEmpty();
            String fine = "{\"key\":\"svc/c\",\"value\":3,\"updatedBy\":\"ops \\ud83d\\ude00\"}\n";
            RegistryImport.into(kv, new StringReader(fine), ImportMode.OVERWRITE);
            assertThat(kv.get("svc/c").orElseThrow().updatedBy()).contains("ops \ud83d\ude00");
        }
    }
}
