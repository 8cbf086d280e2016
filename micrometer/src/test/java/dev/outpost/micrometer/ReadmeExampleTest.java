package dev.outpost.micrometer;

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

/** The README examples, compiled and run exactly as printed; each prints "counted". */
class ReadmeExampleTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n// File: (\\S+\\.java)\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    @Test
    void theExamplesCompileAndCount() throws Exception {
        Matcher m = BLOCK.matcher(Files.readString(Path.of("README.md")));
        int examples = 0;
        while (m.find()) {
            runExample(m, Files.createDirectory(dir.resolve("example-" + examples++)));
        }
        assertThat(examples).as("'// File: X.java' blocks in README.md").isEqualTo(2);
    }

    private void runExample(Matcher m, Path exampleDir) throws Exception {
        Path classes = Files.createDirectory(exampleDir.resolve("classes"));
        Path source = exampleDir.resolve(m.group(1));
        Files.writeString(source, m.group(2));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors, "-d", classes.toString(), "-cp", cp,
                "-proc:none", source.toString());
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass(m.group(1).replace(".java", "")).getMethod("main", String[].class);
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(original);
        }
        assertThat(out.toString(StandardCharsets.UTF_8).trim()).endsWith("counted"); // log lines may come first
    }
}
