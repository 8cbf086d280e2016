package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import dev.outpost.spi.RegistryException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SqliteRegistry#backupTo} writes the registry's data only into the file it names: a target
 * that is a symbolic link (one planted in a shared folder) used to be followed, so the copy went
 * into whatever file the link pointed at, and that file was made owner-only on the way.
 */
class SqliteBackupTargetTest {
    @TempDir
    Path dir;

    @Test
    void aTargetThatIsASymbolicLinkIsRefusedAndWhatItPointsAtIsLeftAlone() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path victim = elsewhere.resolve("victim");
        Files.createFile(victim);
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-r--r--"));
        Path link = Files.createSymbolicLink(dir.resolve("copy.db"), victim);
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            kv.register("svc/secret", Json.parse("\"hunter2\""), Optional.empty());
            assertThatThrownBy(() -> kv.backupTo(link)).isInstanceOf(RegistryException.Unavailable.class)
                    .hasMessageContaining("symbolic link");
        }
        assertThat(Files.size(victim)).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victim))).isEqualTo("rw-r--r--");
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    @Test
    void anAbsentOrEmptyTargetStillTakesTheCopy() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.db"));
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            kv.register("svc/a", Json.parse("1"), Optional.empty());
            assertThat(kv.backupTo(dir.resolve("absent.db"))).isEqualTo(1);
            assertThat(kv.backupTo(empty)).isEqualTo(1);
        }
    }
}
