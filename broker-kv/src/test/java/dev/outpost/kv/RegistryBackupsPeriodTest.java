package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.registry.InMemoryRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backup periods and names: a period must not overflow, and no backup's name is another's. */
class RegistryBackupsPeriodTest {
    @TempDir
    Path dir;

    @Test
    void aPeriodPastALongOfMillisecondsStartsAndBacksUpOnDemand() throws Exception {
        try (InMemoryRegistry kv = InMemoryRegistry.create()) {
            RegistryBackups backups = RegistryBackups.builder(kv, dir.resolve("backups")).prefixes("svc/")
                    .every(Duration.ofSeconds(Long.MAX_VALUE)).build();
            backups.start(); // threw 'long overflow' with the backups already marked started
            assertThat(backups.backupNow()).exists();
            assertThat(backups.shutdown().get(30, TimeUnit.SECONDS).clean()).isTrue();
        }
    }

    @Test
    void backupsWithinOneMillisecondGetNamesOfTheirOwn() throws Exception {
        Clock fast = new Clock() { // 300 µs a read: three backups inside one millisecond of the name's stamp
            private Instant now = Instant.parse("2026-12-06T21:31:41.541100Z");

            @Override
            public synchronized Instant instant() {
                Instant at = now;
                now = now.plusNanos(300_000);
                return at;
            }

            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                throw new UnsupportedOperationException();
            }
        };
        try (InMemoryRegistry kv = InMemoryRegistry.create()) {
            kv.register("svc/a", dev.outpost.Json.parse("1"), Optional.empty());
            try (RegistryBackups backups = RegistryBackups.builder(kv, dir.resolve("backups")).prefixes("svc/").keep(5)
                    .clock(fast).build().start()) {
                Set<Path> made = new HashSet<>();
                for (int i = 0; i < 3; i++) {
                    made.add(backups.backupNow()); // the second overwrote the first, named for the same millisecond
                }
                assertThat(made).hasSize(3);
                assertThat(backups.list()).hasSize(3);
            }
        }
    }
}
