package dev.outpost.core;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** core's README examples ({@code // File: X.java} blocks), compiled and run exactly as printed. */
class ReadmeExampleTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n// File: (\\S+)\\.java\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    @Test
    void theExactlyOnceExampleCompilesAndChargesOnce() throws Exception {
        Map<String, String> files = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(Files.readString(Path.of("README.md")));
        while (m.find()) {
            files.put(m.group(1), m.group(2));
        }
        assertThat(files).containsKey("Payments");
        // before: the example imported the in-memory transport, and nothing on the page said to add it
        String readme = Files.readString(Path.of("README.md"));
        String before = readme.substring(Math.max(0, readme.indexOf("// File: Payments.java") - 600),
                readme.indexOf("// File: Payments.java"));
        if (files.get("Payments").contains("import dev.outpost.inmemory.")) {
            assertThat(before).as("the paragraph before Payments.java names every artifact it needs beyond outpost-core")
                    .contains("`outpost-transport-inmemory`");
        }
        Path source = dir.resolve("Payments.java");
        Files.writeString(source, files.get("Payments"));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, errors, errors, List.of("-d", dir.toString(), "-cp", cp.replace(File.pathSeparator
                + File.pathSeparator, File.pathSeparator), "-proc:none", source.toString()).toArray(String[]::new));
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass("Payments").getMethod("main", String[].class);
            PrintStream original = System.out;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            try {
                main.invoke(null, (Object) new String[] {dir.resolve("outbox").toString()});
            } finally {
                System.setOut(original);
            }
            assertThat(out.toString(StandardCharsets.UTF_8).strip())
                    .isEqualTo("{\"order\":\"1001\",\"cents\":2599,\"attempt\":1} true");
        }
    }
}
