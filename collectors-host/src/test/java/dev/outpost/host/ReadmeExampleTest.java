package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * This module's README example, taken from README.md, compiled and run exactly as printed: it
 * prints what the README says it prints. It never calls {@code allow} (ufw under sudo), so it runs
 * on any Linux host; reverts are tested by {@link RevertAcrossRestartTest}. Every other Java
 * snippet compiles where a user would put it: in a method, its imports at the top of the file, the
 * names the README leaves to the user ({@code transport}, {@code config}, {@code sslContext}) in
 * scope, a line that is only {@code ...} standing for the user's code.
 */
class ReadmeExampleTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n// File: (\\S+)\\.java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern PRINTS = Pattern.compile("It prints \\(the count of processes is your host's\\):\\n\\n```\\n(.*?)```",
            Pattern.DOTALL);

    private static final Pattern SNIPPET = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final String PRELUDE = """
            import dev.outpost.*;
            import dev.outpost.core.*;
            import dev.outpost.core.config.OutpostConfig;
            import dev.outpost.host.*;
            import dev.outpost.spi.Transport;
            import java.nio.file.Path;
            import java.time.Duration;
            import java.util.*;
            import javax.net.ssl.SSLContext;
            %3$s

            abstract class %1$s {
                Transport transport;
                OutpostConfig config;
                SSLContext sslContext;

                void snippet() throws Exception {
            %2$s
                }
            }
            """;

    @TempDir
    Path dir;

    private String readme;
    private Path classes;
    private String classpath;

    @BeforeEach
    void compileTheExample() throws Exception {
        readme = Files.readString(Path.of("README.md"));
        Matcher m = BLOCK.matcher(readme);
        assertThat(m.find()).as("a '// File: X.java' block in README.md").isTrue();
        assertThat(m.group(1)).isEqualTo("HostWorker");
        classes = Files.createDirectory(dir.resolve("classes"));
        Path source = dir.resolve("HostWorker.java");
        Files.writeString(source, m.group(2));
        classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .replace(File.pathSeparator + File.pathSeparator, File.pathSeparator);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors,
                "-d", classes.toString(), "-cp", classpath, "-proc:none", source.toString());
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void theExamplePrintsWhatTheReadmeSays() throws Exception {
        Path state = Files.createDirectory(dir.resolve("commands"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass("HostWorker").getMethod("main", String[].class);
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[] {state.toString()});
        } finally {
            System.setOut(original);
        }
        Matcher p = PRINTS.matcher(readme);
        assertThat(p.find()).as("README.md shows what the example prints").isTrue();
        // the test classpath's log provider writes to standard output too; the README shows what the program prints
        List<String> printed = out.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d+ \\[.*|^\\[.*\\] (INFO|WARN|DEBUG) .*")).toList();
        List<String> shown = p.group(1).lines().toList();
        assertThat(printed).hasSameSizeAs(shown);
        for (int i = 0; i < shown.size(); i++) {
            String expected = shown.get(i);
            if (expected.startsWith("processes: ")) {
                assertThat(printed.get(i)).matches("processes: 3 of \\d+");
            } else {
                assertThat(printed.get(i)).isEqualTo(expected);
            }
        }
    }

    @Test
    void withoutItsFolderItPrintsItsUsage() throws Exception {
        Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classes + File.pathSeparator + classpath, "HostWorker")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String stderr = new String(java.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(java.exitValue()).isEqualTo(2);
        assertThat(stderr).startsWith("usage: java HostWorker STATE_DIR");
    }

    @TestFactory
    Stream<DynamicTest> everyOtherJavaSnippetCompiles() {
        List<DynamicTest> tests = new ArrayList<>();
        Matcher m = SNIPPET.matcher(readme);
        while (m.find()) {
            if (m.group(1).startsWith("// File: ")) {
                continue;
            }
            int line = (int) readme.substring(0, m.start()).lines().count() + 1;
            String name = "Snippet" + line;
            String imports = m.group(1).lines().filter(l -> l.startsWith("import ")).collect(Collectors.joining("\n"));
            String code = m.group(1).lines().filter(l -> !l.startsWith("import "))
                    .map(l -> l.strip().equals("...") ? "// ..." : l).collect(Collectors.joining("\n"));
            tests.add(DynamicTest.dynamicTest("README.md line " + line, () -> {
                Path source = dir.resolve(name + ".java");
                Files.writeString(source, PRELUDE.formatted(name, code, imports));
                ByteArrayOutputStream errors = new ByteArrayOutputStream();
                int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors,
                        "-d", dir.toString(), "-cp", classpath, "-proc:none", source.toString());
                assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
            }));
        }
        assertThat(tests).as("java snippets in README.md").hasSizeGreaterThanOrEqualTo(3);
        return tests.stream();
    }
}
