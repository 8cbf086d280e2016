package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README as a user meets it: each complete program ({@code // File: X.java}) is taken from
 * README.md, compiled and run; every other Java snippet compiles in a method with the README's
 * names in scope (its own imports moved to the top of the file, where a user puts them).
 */
class ReadmeExamplesTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final String PRELUDE = """
            import dev.outpost.*;
            import dev.outpost.kv.*;
            import java.net.InetSocketAddress;
            import java.nio.file.Path;
            import java.time.Duration;
            import java.util.*;
            %3$s

            abstract class %1$s {
                SqliteRegistry store;

                void snippet() throws Exception {
            %2$s
                }
            }
            """;

    @TempDir
    Path dir;

    private static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .replace(File.pathSeparator + File.pathSeparator, File.pathSeparator);
    }

    /** Compiles README.md's {@code // File: NAME.java} block into {@code dir/classes}. */
    private Path compileProgram(String name) throws Exception {
        Matcher m = Pattern.compile("```java\\n// File: " + name + "\\.java\\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(Path.of("README.md")));
        assertThat(m.find()).as("README.md has the complete " + name + ".java").isTrue();
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path source = dir.resolve(name + ".java");
        Files.writeString(source, m.group(1));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors, "-d", classes.toString(), "-proc:none",
                "-cp", classpath(), source.toString());
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
        return classes;
    }

    /** Compiled and run exactly as printed: before, it was statements without a class, which compile nowhere. */
    @Test
    void sqliteRegistryIsACompleteProgram() throws Exception {
        Path classes = compileProgram("KvExample");
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass("KvExample").getMethod("main", String[].class)
                    .invoke(null, (Object) new String[] {dir.resolve("kv-data").toString()});
        } finally {
            System.setOut(original);
        }
        assertThat(out.toString(StandardCharsets.UTF_8).lines())
                .contains("svc/billing = {\"queue\":\"billing-requests\",\"healthy\":true}");
        assertThat(dir.resolve("kv-data/kv.db")).exists();
    }

    /** Run as a user runs it: its own JVM, the write key in its environment. */
    @Test
    void theBrokerAndAHostPrintWhatTheReadmeSays() throws Exception {
        Path classes = compileProgram("KvBroker");
        Path db = dir.resolve("kv.db");
        Process java = java(classes, Map.of("SVC_WRITE_KEY", "svc-write-secret-0123456789"), db.toString());
        String stdout = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(java.exitValue()).as(stdout).isZero();
        assertThat(stdout.lines()).contains("{\"queue\":\"billing\"} by billing-host-3 via access-key:svc");
        try (SqliteRegistry store = SqliteRegistry.open(db)) {
            // the host removed its own entry on its way out: a second run registers it again
            assertThat(store.get("svc/billing")).isEmpty();
        }
    }

    @Test
    void withoutTheKeyTheBrokerPrintsItsUsage() throws Exception {
        Path classes = compileProgram("KvBroker");
        Process java = java(classes, Map.of(), dir.resolve("kv.db").toString());
        String stderr = new String(java.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(java.exitValue()).isEqualTo(2);
        assertThat(stderr).startsWith("usage: SVC_WRITE_KEY=... java KvBroker DATABASE_FILE");
        assertThat(dir.resolve("kv.db")).doesNotExist();
    }

    private static Process java(Path classes, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classes + File.pathSeparator + classpath(), "KvBroker"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("SVC_WRITE_KEY");
        pb.environment().putAll(env);
        return pb.redirectError(env.isEmpty() ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(env.isEmpty() ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.PIPE)
                .start();
    }

    @TestFactory
    Stream<DynamicTest> everyOtherJavaSnippetCompiles() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<DynamicTest> tests = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            if (m.group(1).startsWith("// File: ")) {
                continue;
            }
            int line = (int) readme.substring(0, m.start()).lines().count() + 1;
            String name = "Snippet" + line;
            String imports = m.group(1).lines().filter(l -> l.startsWith("import ")).collect(Collectors.joining("\n"));
            String code = m.group(1).lines().filter(l -> !l.startsWith("import ")).collect(Collectors.joining("\n"));
            tests.add(DynamicTest.dynamicTest("README.md line " + line, () -> {
                Path source = dir.resolve(name + ".java");
                Files.writeString(source, PRELUDE.formatted(name, code, imports));
                ByteArrayOutputStream errors = new ByteArrayOutputStream();
                int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors, "-d", dir.toString(), "-proc:none",
                        "-cp", classpath(), source.toString());
                assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
            }));
        }
        assertThat(tests).as("java snippets in README.md").hasSizeGreaterThanOrEqualTo(2);
        return tests.stream();
    }

    /** The discovery snippet's calls, run on loopback (the README's addresses are a LAN's). */
    @Test
    void discovery() throws Exception {
        // once, on the broker: the private key file (0600) and the public key's text, for the hosts
        String publicKey = DiscoveryKeys.generate(dir.resolve("discovery.key"));
        try (SqliteRegistry store = SqliteRegistry.open(dir.resolve("kv.db"));
                DiscoveryResponder discovery = DiscoveryResponder.builder(store, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .signingKeyFile(dir.resolve("discovery.key")).discoverable("svc").brokerId("broker-1").reach(Map.of("transport", "sqs", "requests", "kv-requests"))
                        .build().start()) {
            store.register("svc/billing", Json.parse("1"), Optional.empty());
            Optional<DiscoveryClient.Found> found = DiscoveryClient.find(discovery.address(), "svc/billing",
                    DiscoveryKeys.publicKey(publicKey), Duration.ofSeconds(2));
            assertThat(found).map(DiscoveryClient.Found::broker).contains("broker-1");
        }
    }
}
