package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restoring a registry file onto itself (named directly, or through a link) is refused before
 * anything moves: the live file used to be moved aside first, the copy then found no backup to
 * read, and the registry was gone from its path with an error that did not say where it went.
 */
class SqliteRestoreOntoItselfTest {
    @TempDir
    Path dir;

    @Test
    void aBackupThatIsTheRegistryFileItselfIsRefusedAndTheFileStays() throws Exception {
        Path db = dir.resolve("kv.db");
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            kv.register("svc/a", Json.parse("1"), Optional.empty());
        }
        Path link = Files.createSymbolicLink(dir.resolve("link.db"), db);
        for (Path backup : new Path[] {db, link, dir.resolve("sub/../kv.db")}) {
            Files.createDirectories(dir.resolve("sub"));
            assertThatThrownBy(() -> SqliteRegistry.restore(backup, db)).as(backup.toString())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same file");
            assertThat(db).as(backup.toString()).exists();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("before-restore"));
        }
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            assertThat(kv.get("svc/a")).isPresent();
        }
    }
}
