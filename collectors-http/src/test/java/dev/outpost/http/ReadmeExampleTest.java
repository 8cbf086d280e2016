package dev.outpost.http;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** This module's README example, compiled and run exactly as printed. */
class ReadmeExampleTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n// File: (\\S+\\.java)\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    @Test
    void theFetchTitleExampleCompilesAndRuns() throws Exception {
        Matcher m = BLOCK.matcher(Files.readString(Path.of("README.md")));
        assertThat(m.find()).as("a '// File: X.java' block in README.md").isTrue();
        assertThat(m.group(1)).isEqualTo("FetchTitle.java");
        Path classes = Files.createDirectory(dir.resolve("classes"));
        Path source = dir.resolve(m.group(1));
        Files.writeString(source, m.group(2));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .replace(File.pathSeparator + File.pathSeparator, File.pathSeparator);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors,
                "-d", classes.toString(), "-cp", cp, "-proc:none", source.toString());
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass("FetchTitle").getMethod("main", String[].class);
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(original);
        }
        // the test's logger writes to standard output too
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).contains("OK Hello [\"42\"]");
    }
}
