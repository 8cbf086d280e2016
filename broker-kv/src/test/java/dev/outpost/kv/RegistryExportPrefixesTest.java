package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.testkit.TestClock;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prefixes that overlap ({@code svc/} and {@code svc/app/}, or one given twice) export each entry
 * once: an export that wrote a key twice was refused whole by {@link RegistryImport} ("repeats the
 * key"), so every scheduled backup of such a registry failed its verification.
 */
class RegistryExportPrefixesTest {
    @TempDir
    Path dir;

    @Test
    void overlappingPrefixesExportEachEntryOnceAndTheExportImports() {
        try (InMemoryRegistry kv = InMemoryRegistry.create()) {
            kv.register("svc/app/a", Json.parse("1"), Optional.empty());
            kv.register("svc/b", Json.parse("2"), Optional.empty());
            kv.register("cfg/c", Json.parse("3"), Optional.empty());
            StringWriter out = new StringWriter();
            assertThat(RegistryExport.write(kv, out, "svc/app/", "svc/", "cfg/", "svc/")).isEqualTo(3);
            List<RegistryEntry> read = RegistryImport.read(new StringReader(out.toString()), 1024, Clock.systemUTC());
            assertThat(read).extracting(RegistryEntry::key).containsExactlyInAnyOrder("svc/app/a", "svc/b", "cfg/c");
        }
    }

    @Test
    void aBackupOfOverlappingPrefixesIsWritten() {
        TestClock clock = TestClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        try (InMemoryRegistry kv = InMemoryRegistry.create();
                RegistryBackups backups = RegistryBackups.builder(kv, dir.resolve("backups")).prefixes("svc/", "svc/app/")
                        .clock(clock).build()) {
            kv.register("svc/app/a", Json.parse("1"), Optional.empty());
            assertThat(backups.backupNow()).exists();
        }
    }
}
