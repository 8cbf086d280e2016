package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** The README's quickstart, and this module's README examples testing its collector, compiled and run exactly as printed. */
class ReadmeQuickstartTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n// File: (\\S+\\.java)\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    @Test
    void quickstartCompilesRunsAndItsTestsPass() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Map<String, String> files = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            files.put(m.group(1), m.group(2));
        }
        assertThat(files).containsOnlyKeys("Uptime.java", "App.java", "UptimeTest.java");

        // Uptime and App go in src/main: they must compile without the test-scoped artifacts
        compile(files, List.of("Uptime.java", "App.java"), mainClassPath());
        compile(files, List.of("UptimeTest.java"), classPath() + File.pathSeparator + dir);

        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass("App").getMethod("main", String[].class);
            PrintStream original = System.out;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            try {
                main.invoke(null, (Object) new String[0]);
            } finally {
                System.setOut(original);
            }
            assertThat(out.toString(StandardCharsets.UTF_8)).matches("(?s)OK Result\\[uptime=\\d+, unit=s\\]\\s*");

            Launcher launcher = LauncherFactory.create();
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            ClassLoader previous = Thread.currentThread().getContextClassLoader();
            Thread.currentThread().setContextClassLoader(loader);
            try {
                launcher.execute(LauncherDiscoveryRequestBuilder.request()
                        .selectors(selectClass(loader.loadClass("UptimeTest"))).build(), listener);
            } finally {
                Thread.currentThread().setContextClassLoader(previous);
            }
            TestExecutionSummary summary = listener.getSummary();
            assertThat(summary.getFailures()).as("failures of the README's UptimeTest")
                    .extracting(f -> f.getException().toString()).isEmpty();
            assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
        }
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
        Matcher uptime = BLOCK.matcher(Files.readString(Path.of("..", "README.md")));
        assertThat(uptime.find()).isTrue();
        assertThat(uptime.group(1)).isEqualTo("Uptime.java");
        String collector = uptime.group(2);
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(Path.of("README.md")));
        Map<String, String> examples = new LinkedHashMap<>();
        while (m.find()) {
            if (m.group(1).contains("new Uptime()")) {
                examples.put(m.group(1).contains("CollectorTester.of") ? "CollectorTester" : "OutpostExtension", m.group(1));
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
            compile(out, files, List.of("Uptime.java", name.group(1) + ".java"), classPath());
            try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
                SummaryGeneratingListener listener = new SummaryGeneratingListener();
                ClassLoader previous = Thread.currentThread().getContextClassLoader();
                Thread.currentThread().setContextClassLoader(loader);
                try {
                    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                            .selectors(selectClass(loader.loadClass(name.group(1)))).build(), listener);
                } finally {
                    Thread.currentThread().setContextClassLoader(previous);
                }
                TestExecutionSummary summary = listener.getSummary();
                assertThat(summary.getFailures()).as("failures of the " + example.getKey() + " example")
                        .extracting(f -> f.getException().toString()).isEmpty();
                assertThat(summary.getTestsSucceededCount()).as(example.getKey()).isEqualTo(1);
            }
        }
    }

    private void compile(Map<String, String> files, List<String> names, String classPath) throws IOException {
        compile(dir, files, names, classPath);
    }

    private void compile(Path dir, Map<String, String> files, List<String> names, String classPath) throws IOException {
        List<String> args = new ArrayList<>(List.of("-d", dir.toString(), "-cp", classPath, "-proc:none"));
        for (String name : names) {
            Path source = dir.resolve(name);
            Files.writeString(source, files.get(name));
            args.add(source.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, errors, errors, args.toArray(String[]::new));
        assertThat(rc).as(names + " against " + classPath + ":\n" + errors.toString(StandardCharsets.UTF_8)).isZero();
    }

    /** The test class path without what only tests have: the README's step 1 minus its test-scoped artifacts. */
    private static String mainClassPath() throws IOException {
        List<String> kept = new ArrayList<>();
        for (String entry : classPath().split(File.pathSeparator)) {
            String e = entry.replace('\\', '/');
            boolean testOnly = e.contains("junit") || e.contains("opentest4j") || e.contains("apiguardian")
                    || e.contains("assertj") || e.contains("awaitility") || e.contains("hamcrest") || e.contains("mockito")
                    || e.contains("test-classes") || e.contains("/testing/target/") || e.contains("outpost-testing");
            if (!testOnly && !e.isBlank()) {
                kept.add(entry);
            }
        }
        return String.join(File.pathSeparator, kept);
    }

    private static String classPath() throws IOException {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        return cp.replace(File.pathSeparator + File.pathSeparator, File.pathSeparator);
    }
}
