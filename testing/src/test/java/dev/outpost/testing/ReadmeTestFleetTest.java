package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The README's {@code TestFleet} example, taken from README.md, compiled and run as the JUnit test
 * it is: its assertions are the outcomes the README names.
 */
class ReadmeTestFleetTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n// File: FleetOutcomesTest\\.java\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    @Test
    void theExampleCompilesAndItsTestPasses() throws Exception {
        Matcher m = BLOCK.matcher(Files.readString(Path.of("README.md")));
        assertThat(m.find()).as("README.md has the complete FleetOutcomesTest.java").isTrue();
        Path source = dir.resolve("FleetOutcomesTest.java");
        Files.writeString(source, m.group(1));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .replace(File.pathSeparator + File.pathSeparator, File.pathSeparator);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors,
                "-d", dir.toString(), "-cp", cp, "-proc:none", source.toString());
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();

        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            ClassLoader previous = Thread.currentThread().getContextClassLoader();
            Thread.currentThread().setContextClassLoader(loader);
            try {
                LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                        .selectors(selectClass(loader.loadClass("FleetOutcomesTest"))).build(), listener);
            } finally {
                Thread.currentThread().setContextClassLoader(previous);
            }
            TestExecutionSummary summary = listener.getSummary();
            assertThat(summary.getFailures()).as("failures of the README's FleetOutcomesTest")
                    .extracting(f -> f.getException().toString()).isEmpty();
            assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
        }
    }
}
