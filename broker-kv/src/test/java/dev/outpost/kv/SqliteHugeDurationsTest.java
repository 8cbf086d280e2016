package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.testkit.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
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

    @Test
    void aTombstoneRetentionPastALongOfMillisecondsStillSweepsExpiries() throws Exception {
        TestClock clock = TestClock.create();
        List<RegistryEntry> heard = new CopyOnWriteArrayList<>();
        try (SqliteRegistry kv = SqliteRegistry.builder(dir.resolve("kv.db")).clock(clock).ticker(clock.ticker())
                .expirySweep(Duration.ofSeconds(1)).tombstoneRetention(Duration.ofSeconds(Long.MAX_VALUE)).build().start();
                AutoCloseable watch = kv.watch("svc/", heard::add)) {
            kv.register("svc/lease", Json.parse("1"), Optional.of(Duration.ofSeconds(5)));
            clock.advance(Duration.ofSeconds(10));
            // each sweep overflowed while computing the tombstones' cut-off and rolled back: expiries never reached a watch
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> heard.stream().anyMatch(RegistryEntry::deleted));
        }
    }
}
