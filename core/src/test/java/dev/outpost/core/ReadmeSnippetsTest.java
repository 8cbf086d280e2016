package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java snippet in core's README compiles where a user would put it: in a method of their
 * own class, with the README's imports, a {@code transport} and their own collectors in scope. A
 * line that is only {@code ...} stands for the user's code. Whole files ({@code // File: X.java})
 * are compiled and run by {@link ReadmeExampleTest}.
 */
class ReadmeSnippetsTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final String PRELUDE = """
            import dev.outpost.*;
            import dev.outpost.core.*;
            import dev.outpost.core.audit.*;
            import dev.outpost.core.config.*;
            import dev.outpost.core.lifecycle.*;
            import dev.outpost.spi.*;
            import java.nio.file.Path;
            import java.time.Duration;
            import java.util.*;
            import java.util.concurrent.*;

            abstract class %1$s {
                Transport transport;
                ExecutorService pool;

                abstract void store(Message message);

                static final class Uptime implements Collector {
                    public String name() { return "host.uptime"; }
                    public Object collect(Request request, CollectorContext context) { return 1; }
                }

                static final class DiskUsage implements Collector {
                    public String name() { return "host.disk"; }
                    public Object collect(Request request, CollectorContext context) { return 1; }
                }

                void snippet() throws Exception {
            %2$s
                }
            }
            """;

    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicTest> everyJavaSnippetCompiles() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<DynamicTest> tests = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            if (m.group(1).startsWith("// File: ")) {
                continue;
            }
            int line = (int) readme.substring(0, m.start()).lines().count() + 1;
            String code = m.group(1).replaceAll("(?m)^\\s*\\.\\.\\.\\s*$", "// ...");
            tests.add(DynamicTest.dynamicTest("README.md line " + line, () -> compiles("Snippet" + line, code)));
        }
        assertThat(tests).as("java blocks in README.md").isNotEmpty();
        return tests.stream();
    }

    private void compiles(String name, String code) throws Exception {
        Path source = dir.resolve(name + ".java");
        Files.writeString(source, PRELUDE.formatted(name, code));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors, "-d", dir.toString(), "-cp", cp, "-proc:none",
                source.toString());
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
    }
}
