package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.CompiledTests;
import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * testkit's README example, taken from testkit/README.md, compiled and run: it is how
 * {@code SqliteRegistry} runs testkit's {@code RegistryContract}, so the README's class is the one
 * a user copies and the one that passes (before, this module ran its own copy of it).
 */
class TestkitReadmeContractTest {
    @TempDir
    Path dir;

    @Test
    void sqliteRegistryPassesTheContractAsTheTestkitReadmeRunsIt() throws Exception {
        String code = ReadmeCode.read(Path.of("..", "testkit", "README.md")).file("SqliteRegistryContractTest.java");
        Path source = JavaSources.write(dir, "SqliteRegistryContractTest.java", code);
        JavaSources.Compilation javac = JavaSources.compile(dir, source);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();

        TestExecutionSummary summary = CompiledTests.run(dir, "SqliteRegistryContractTest");
        assertThat(summary.getFailures()).as("contract tests that failed")
                .extracting(f -> f.getTestIdentifier().getDisplayName() + ": " + f.getException())
                .isEmpty();
        assertThat(summary.getTestsFoundCount()).as("contract tests found").isPositive();
        assertThat(summary.getTestsSucceededCount()).as("contract tests passed").isEqualTo(summary.getTestsFoundCount());
    }
}
