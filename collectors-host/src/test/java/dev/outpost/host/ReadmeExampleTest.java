package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
    private static final Pattern PRINTS = Pattern.compile("It prints \\(the count of processes is your host's\\):\\n\\n```\\n(.*?)```",
            Pattern.DOTALL);

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

    private ReadmeCode readme;
    private Path classes;

    @BeforeEach
    void compileTheExample() throws Exception {
        readme = ReadmeCode.read(Path.of("README.md"));
        assertThat(readme.files().keySet()).as("the '// File: X.java' blocks in README.md").first().isEqualTo("HostWorker.java");
        Path source = JavaSources.write(dir, "HostWorker.java", readme.file("HostWorker.java"));
        classes = dir.resolve("classes");
        JavaSources.Compilation javac = JavaSources.compile(classes, source);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();
    }

    @Test
    void theExamplePrintsWhatTheReadmeSays() throws Exception {
        Path state = Files.createDirectory(dir.resolve("commands"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String out = JavaSources.runMain(classes, "HostWorker", state.toString());
        Matcher p = PRINTS.matcher(readme.text());
        assertThat(p.find()).as("README.md shows what the example prints").isTrue();
        // the test classpath's log provider writes to standard output too; the README shows what the program prints
        List<String> printed = out.lines()
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
        JavaSources.Exit java = JavaSources.java(classes, "HostWorker").run(Duration.ofSeconds(60));
        assertThat(java.exitCode()).isEqualTo(2);
        assertThat(java.stderr()).startsWith("usage: java HostWorker STATE_DIR");
    }

    @TestFactory
    Stream<DynamicTest> everyOtherJavaSnippetCompiles() {
        List<ReadmeCode.Block> snippets = readme.snippets();
        assertThat(snippets).as("java snippets in README.md").hasSizeGreaterThanOrEqualTo(3);
        return snippets.stream().map(b -> DynamicTest.dynamicTest(b.where(), () -> {
            Path source = JavaSources.write(dir, b.className() + ".java", b.inPrelude(PRELUDE));
            JavaSources.Compilation javac = JavaSources.compile(dir, source);
            assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();
        }));
    }
}
