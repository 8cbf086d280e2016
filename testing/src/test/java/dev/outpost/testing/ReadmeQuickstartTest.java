package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.CompiledTests;
import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** The README's quickstart, and this module's README examples testing its collector, compiled and run exactly as printed. */
class ReadmeQuickstartTest {
    @TempDir
    Path dir;

    @Test
    void quickstartCompilesRunsAndItsTestsPass() throws Exception {
        Map<String, String> files = ReadmeCode.read(Path.of("..", "README.md")).files();
        assertThat(files).containsOnlyKeys("Uptime.java", "App.java", "UptimeTest.java");

        // Uptime and App go in src/main: they must compile without the test-scoped artifacts
        compile(dir, files, List.of("Uptime.java", "App.java"), mainClassPath());
        compile(dir, files, List.of("UptimeTest.java"), JavaSources.classpath() + File.pathSeparator + dir);

        String out = JavaSources.runMain(dir, "App");
        assertThat(out).matches("(?s)OK Result\\[uptime=\\d+, unit=s\\]\\s*");

        TestExecutionSummary summary = CompiledTests.run(dir, "UptimeTest");
        assertThat(summary.getFailures()).as("failures of the README's UptimeTest")
                .extracting(f -> f.getException().toString()).isEmpty();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
    }

    @Test
    void theQuickstartRunsAppWithTheExecPluginTheBuildPins() throws Exception {
        // before: "mvn compile exec:java": the prefix needs the plugin group's metadata (fails offline with
        // NoPluginFoundForPrefixException) and then takes the newest release
        String pom = Files.readString(Path.of("..", "pom.xml"));
        Matcher pinned = Pattern.compile("<artifactId>exec-maven-plugin</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertThat(pinned.find()).as("pom.xml pins exec-maven-plugin").isTrue();
        Matcher run = Pattern.compile("(?m)^mvn compile (\\S+) -Dexec\\.mainClass=App$").matcher(Files.readString(Path.of("..", "README.md")));
        assertThat(run.find()).as("README.md's command that runs App").isTrue();
        assertThat(run.group(1)).isEqualTo("org.codehaus.mojo:exec-maven-plugin:" + pinned.group(1) + ":java");
    }

    @Test
    void thisModulesExamplesCompileAsPrintedAndPassAgainstTheQuickstartsCollector() throws Exception {
        Map<String, String> quickstart = ReadmeCode.read(Path.of("..", "README.md")).files();
        assertThat(quickstart.keySet()).as("the quickstart's whole files").first().isEqualTo("Uptime.java");
        String collector = quickstart.get("Uptime.java");
        Map<String, String> examples = new LinkedHashMap<>();
        for (ReadmeCode.Block b : ReadmeCode.read(Path.of("README.md")).blocks("java")) {
            if (b.code().contains("new Uptime()")) {
                examples.put(b.code().contains("CollectorTester.of") ? "CollectorTester" : "OutpostExtension", b.code());
            }
        }
        assertThat(examples).containsOnlyKeys("OutpostExtension", "CollectorTester");
        for (Map.Entry<String, String> example : examples.entrySet()) {
            String code = example.getValue();
            // before: the CollectorTester example set "unit-default", which the quickstart's Uptime never reads
            if (code.contains(".settings(")) {
                assertThat(collector.contains("settings()")).as(example.getKey() + "'s example sets settings Uptime never reads")
                        .isTrue();
            }
            Matcher name = Pattern.compile("(?m)^class (\\w+)").matcher(code);
            // before: the CollectorTester example was a bare method, which compiles nowhere as printed
            assertThat(name.find()).as(example.getKey() + "'s example is a test class:\n" + code).isTrue();
            Path out = Files.createDirectory(dir.resolve(example.getKey()));
            Map<String, String> files = Map.of("Uptime.java", collector, name.group(1) + ".java", code);
            compile(out, files, List.of("Uptime.java", name.group(1) + ".java"), JavaSources.classpath());
            TestExecutionSummary summary = CompiledTests.run(out, name.group(1));
            assertThat(summary.getFailures()).as("failures of the " + example.getKey() + " example")
                    .extracting(f -> f.getException().toString()).isEmpty();
            assertThat(summary.getTestsSucceededCount()).as(example.getKey()).isEqualTo(1);
        }
    }

    private static void compile(Path dir, Map<String, String> files, List<String> names, String classPath) throws IOException {
        List<Path> sources = new ArrayList<>();
        for (String name : names) {
            sources.add(JavaSources.write(dir, name, files.get(name)));
        }
        JavaSources.Compilation javac = JavaSources.compile(dir, classPath, sources);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();
    }

    /** The test class path without what only tests have: the README's step 1 minus its test-scoped artifacts. */
    private static String mainClassPath() {
        List<String> kept = new ArrayList<>();
        for (String entry : JavaSources.classpath().split(File.pathSeparator)) {
            String e = entry.replace('\\', '/');
            boolean testOnly = e.contains("junit") || e.contains("opentest4j") || e.contains("apiguardian")
                    || e.contains("assertj") || e.contains("awaitility") || e.contains("hamcrest") || e.contains("mockito")
                    || e.contains("test-classes") || e.contains("/testing/target/") || e.contains("outpost-testing")
                    || e.contains("test-support");
            if (!testOnly && !e.isBlank()) {
                kept.add(entry);
            }
        }
        return String.join(File.pathSeparator, kept);
    }
}
