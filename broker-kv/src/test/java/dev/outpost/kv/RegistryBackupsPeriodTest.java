package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.registry.InMemoryRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backup period the builder takes must not overflow when the timer starts. */
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
}
