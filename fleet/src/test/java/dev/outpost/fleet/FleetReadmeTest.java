package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's example, compiled and run exactly as printed, printing what the README says. */
class FleetReadmeTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n// File: (\\S+)\\.java\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    @Test
    void theExampleCompilesRunsAndPrintsWhatTheReadmeShows() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = BLOCK.matcher(readme);
        assertThat(m.find()).as("a // File: block in fleet/README.md").isTrue();
        Path source = dir.resolve(m.group(1) + ".java");
        Files.writeString(source, m.group(2));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, null, errors, "-d", dir.toString(), "-cp", System.getProperty("java.class.path"), source.toString());
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();

        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass(m.group(1)).getMethod("main", String[].class);
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(original);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        Matcher expected = Pattern.compile("It prints[^\\n]*:\\n\\n```\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(expected.find()).isTrue();
        // log lines (the test classpath has logback on the console) are not the example's output
        assertThat(printed.lines().filter(l -> !l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d+ \\[.*")).sorted().toList()).isEqualTo(expected.group(1).lines().sorted().toList());
    }
}
