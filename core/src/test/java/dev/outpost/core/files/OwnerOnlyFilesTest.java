package dev.outpost.core.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnerOnlyFilesTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void everyMissingDirectoryIsOwnerOnlyAndExistingOnesAreLeftAlone() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path deep = OwnerOnlyFiles.createDirectories(dir.resolve("a/b/c"));
        assertThat(mode(dir.resolve("a"))).isEqualTo("rwx------");
        assertThat(mode(deep)).isEqualTo("rwx------");
        assertThat(mode(dir)).isEqualTo("rwxr-xr-x");
        assertThat(OwnerOnlyFiles.createDirectories(deep)).isEqualTo(deep); // twice: no error
    }

    @Test
    void aNewFileIsOwnerOnlyAndAnExistingOneIsNarrowedWithItsContentKept() throws Exception {
        Path fresh = OwnerOnlyFiles.createFile(dir.resolve("x/new.txt"));
        assertThat(mode(fresh)).isEqualTo("rw-------");
        assertThat(Files.size(fresh)).isZero();
        Path open = Files.writeString(dir.resolve("open.txt"), "kept");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        OwnerOnlyFiles.createFile(open);
        assertThat(mode(open)).isEqualTo("rw-------");
        assertThat(Files.readString(open)).isEqualTo("kept");
    }

    @Test
    void replaceWritesOwnerOnlyLeavesNoTemporaryFileAndNeverWritesThroughALinkLeftInItsPlace() throws Exception {
        Path target = dir.resolve("senders");
        Files.writeString(target, "old");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        Path elsewhere = Files.writeString(dir.resolve("elsewhere"), "untouched");
        Files.createSymbolicLink(dir.resolve(".senders.tmp"), elsewhere); // a leftover, or someone's trap
        OwnerOnlyFiles.replace(target, "new".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(target)).isEqualTo("new");
        assertThat(mode(target)).isEqualTo("rw-------");
        assertThat(Files.readString(elsewhere)).isEqualTo("untouched");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("senders", "elsewhere");
        }
    }

    @Test
    void aStreamedReplaceThatFailsLeavesTheOldFileWholeAndNoTemporaryFile() throws Exception {
        Path target = Files.writeString(dir.resolve("export.jsonl"), "old export\n");
        assertThatThrownBy(() -> OwnerOnlyFiles.replace(target, out -> {
            out.write("half of a new ex".getBytes(StandardCharsets.UTF_8));
            throw new IllegalStateException("the registry went away");
        })).isInstanceOf(IllegalStateException.class).hasMessage("the registry went away");
        assertThat(Files.readString(target)).isEqualTo("old export\n");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("export.jsonl");
        }

        long written = OwnerOnlyFiles.replace(target, out -> {
            out.write("new export\n".getBytes(StandardCharsets.UTF_8));
            return 1L;
        });
        assertThat(written).isEqualTo(1L);
        assertThat(Files.readString(target)).isEqualTo("new export\n");
        assertThat(mode(target)).isEqualTo("rw-------");
    }
}
