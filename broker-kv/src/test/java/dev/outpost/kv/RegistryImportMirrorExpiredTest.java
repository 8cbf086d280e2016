package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.Registry;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirror import makes the registry hold exactly the file's live entries: a key whose line has
 * already expired is absent from the file's state, so a live entry of that key is deleted. It used
 * to be counted as named by the file and kept, with the value the file no longer holds.
 */
class RegistryImportMirrorExpiredTest {
    private static final String LINES = "{\"key\":\"svc/a\",\"value\":\"new\"}\n"
            + "{\"key\":\"svc/b\",\"value\":\"gone\",\"expiresAt\":\"2000-01-01T00:00:00Z\"}\n";

    @TempDir
    Path dir;

    private static void check(Registry kv) {
        kv.register("svc/a", Json.parse("\"old\""), Optional.empty());
        kv.register("svc/b", Json.parse("\"stale\""), Optional.empty());
        assertThat(RegistryImport.into(kv, new StringReader(LINES), ImportMode.MIRROR)).isEqualTo(1);
        assertThat(kv.get("svc/a").orElseThrow().value()).isEqualTo(Json.parse("\"new\""));
        assertThat(kv.get("svc/b")).as("a key whose only line has expired").isEmpty();
    }

    @Test
    void intoSqliteAnExpiredLineDeletesItsLiveKey() {
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            check(kv);
        }
    }

    @Test
    void intoAnyOtherRegistryAnExpiredLineDeletesItsLiveKey() {
        try (InMemoryRegistry kv = InMemoryRegistry.create()) {
            check(kv);
        }
    }
}
