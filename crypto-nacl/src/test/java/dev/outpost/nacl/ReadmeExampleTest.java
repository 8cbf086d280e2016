package dev.outpost.nacl;

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
import java.util.concurrent.TimeUnit;
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

    private static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .replace(File.pathSeparator + File.pathSeparator, File.pathSeparator);
    }

    private Path compile() throws Exception {
        Matcher m = BLOCK.matcher(Files.readString(Path.of("README.md")));
        assertThat(m.find()).as("a '// File: X.java' block in README.md").isTrue();
        assertThat(m.group(1)).isEqualTo("SealedPing.java");
        Path classes = Files.createDirectory(dir.resolve("classes"));
        Path source = dir.resolve(m.group(1));
        Files.writeString(source, m.group(2));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors,
                "-d", classes.toString(), "-cp", classpath(), "-proc:none", source.toString());
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
        return classes;
    }

    @Test
    void runWithoutItsFolderItPrintsItsUsageAndExits2() throws Exception {
        // before: an ArrayIndexOutOfBoundsException's stack trace, exit 1
        Path classes = compile();
        Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classes + File.pathSeparator + classpath(), "SealedPing")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String stderr = new String(java.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(java.exitValue()).isEqualTo(2);
        assertThat(stderr).startsWith("usage: java SealedPing KEY_FOLDER").doesNotContain("Exception");
    }

    @Test
    void theSealedPingExampleCompilesAndRuns() throws Exception {
        Path classes = compile();
        Path keys = Files.createDirectory(dir.resolve("keys"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass("SealedPing").getMethod("main", String[].class);
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[] {keys.toString()});
        } finally {
            System.setOut(original);
        }
        assertThat(out.toString(StandardCharsets.UTF_8).trim()).isEqualTo("OK from a worker that obeyed 1 known sender(s)");
    }
}
