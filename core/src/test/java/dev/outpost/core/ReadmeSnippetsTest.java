package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
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
    Stream<DynamicTest> everyJavaSnippetCompiles() {
        List<ReadmeCode.Block> snippets = ReadmeCode.read(Path.of("README.md")).snippets();
        assertThat(snippets).as("java blocks in README.md").isNotEmpty();
        return snippets.stream().map(b -> DynamicTest.dynamicTest(b.where(), () -> {
            // the prelude has the README's imports: a snippet's code goes into the method as printed
            String code = b.code().replaceAll("(?m)^\\s*\\.\\.\\.\\s*$", "// ...");
            Path source = JavaSources.write(dir, b.className() + ".java", PRELUDE.formatted(b.className(), code));
            JavaSources.Compilation javac = JavaSources.compile(dir, source);
            assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();
        }));
    }
}
