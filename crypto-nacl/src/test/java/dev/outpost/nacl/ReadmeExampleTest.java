package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** This module's README example, compiled and run exactly as printed. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    private Path compile() throws Exception {
        ReadmeCode readme = ReadmeCode.read(Path.of("README.md"));
        assertThat(readme.files().keySet()).as("the '// File: X.java' blocks in README.md").first().isEqualTo("SealedPing.java");
        Path source = JavaSources.write(dir, "SealedPing.java", readme.file("SealedPing.java"));
        Path classes = dir.resolve("classes");
        JavaSources.Compilation javac = JavaSources.compile(classes, source);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();
        return classes;
    }

    @Test
    void runWithoutItsFolderItPrintsItsUsageAndExits2() throws Exception {
        // before: an ArrayIndexOutOfBoundsException's stack trace, exit 1
        JavaSources.Exit java = JavaSources.java(compile(), "SealedPing").run(Duration.ofSeconds(60));
        assertThat(java.exitCode()).isEqualTo(2);
        assertThat(java.stderr()).startsWith("usage: java SealedPing KEY_FOLDER").doesNotContain("Exception");
    }

    @Test
    void theSealedPingExampleCompilesAndRuns() throws Exception {
        Path classes = compile();
        Path keys = Files.createDirectory(dir.resolve("keys"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        String out = JavaSources.runMain(classes, "SealedPing", keys.toString());
        assertThat(out.trim()).isEqualTo("OK from a worker that obeyed 1 known sender(s)");
    }
}
