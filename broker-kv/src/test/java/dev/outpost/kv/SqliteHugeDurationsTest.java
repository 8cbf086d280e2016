package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durations the builder takes must not overflow inside the writer. */
class SqliteHugeDurationsTest {
    @TempDir
    Path dir;

    @Test
    void anExpirySweepOfAMillionDaysStarts() throws Exception {
        try (SqliteRegistry kv = SqliteRegistry.builder(dir.resolve("kv.db")).expirySweep(Duration.ofDays(1_000_000)).build().start()) {
            assertThat(kv.register("svc/a", Json.parse("1"), Optional.empty()).version()).isEqualTo(1);
        }
    }
}
