package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.CompiledTests;
import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The README's {@code TestFleet} example, taken from README.md, compiled and run as the JUnit test
 * it is: its assertions are the outcomes the README names.
 */
class ReadmeTestFleetTest {
    @TempDir
    Path dir;

    @Test
    void theExampleCompilesAndItsTestPasses() throws Exception {
        String code = ReadmeCode.read(Path.of("README.md")).file("FleetOutcomesTest.java");
        Path source = JavaSources.write(dir, "FleetOutcomesTest.java", code);
        JavaSources.Compilation javac = JavaSources.compile(dir, source);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();

        TestExecutionSummary summary = CompiledTests.run(dir, "FleetOutcomesTest");
        assertThat(summary.getFailures()).as("failures of the README's FleetOutcomesTest")
                .extracting(f -> f.getException().toString()).isEmpty();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
    }
}
