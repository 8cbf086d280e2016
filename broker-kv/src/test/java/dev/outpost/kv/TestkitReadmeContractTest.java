package dev.outpost.kv;

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
 * testkit's README example, taken from testkit/README.md, compiled and run: it is how
 * {@code SqliteRegistry} runs testkit's {@code RegistryContract}, so the README's class is the one
 * a user copies and the one that passes (before, this module ran its own copy of it).
 */
class TestkitReadmeContractTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n// File: SqliteRegistryContractTest\\.java\\n(.*?)```",
            Pattern.DOTALL);

    @TempDir
    Path dir;

    @Test
    void sqliteRegistryPassesTheContractAsTheTestkitReadmeRunsIt() throws Exception {
        Matcher m = BLOCK.matcher(Files.readString(Path.of("..", "testkit", "README.md")));
        assertThat(m.find()).as("testkit/README.md has the complete SqliteRegistryContractTest.java").isTrue();
        Path source = dir.resolve("SqliteRegistryContractTest.java");
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
                        .selectors(selectClass(loader.loadClass("SqliteRegistryContractTest"))).build(), listener);
            } finally {
                Thread.currentThread().setContextClassLoader(previous);
            }
            TestExecutionSummary summary = listener.getSummary();
            assertThat(summary.getFailures()).as("contract tests that failed")
                    .extracting(f -> f.getTestIdentifier().getDisplayName() + ": " + f.getException())
                    .isEmpty();
            assertThat(summary.getTestsFoundCount()).as("contract tests found").isPositive();
            assertThat(summary.getTestsSucceededCount()).as("contract tests passed").isEqualTo(summary.getTestsFoundCount());
        }
    }
}
