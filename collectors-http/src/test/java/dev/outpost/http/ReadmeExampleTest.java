package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** This module's README example, compiled and run exactly as printed. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void theFetchTitleExampleCompilesAndRuns() throws Exception {
        ReadmeCode readme = ReadmeCode.read(Path.of("README.md"));
        assertThat(readme.files().keySet()).as("the '// File: X.java' blocks in README.md").first().isEqualTo("FetchTitle.java");
        Path source = JavaSources.write(dir, "FetchTitle.java", readme.file("FetchTitle.java"));
        Path classes = dir.resolve("classes");
        JavaSources.Compilation javac = JavaSources.compile(classes, source);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();

        String out = JavaSources.runMain(classes, "FetchTitle");
        // the test's logger writes to standard output too
        assertThat(out.lines()).contains("OK Hello [\"42\"]");
    }
}
