package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java snippet of this module's README that is not a whole file compiles where a user would
 * put it: in a method, its own imports at the top of the file, the names the README leaves to the
 * user ({@code codec}, {@code registry}) in scope, a line that is only {@code ...} standing for the user's code.
 */
class ReadmeSnippetsTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final String PRELUDE = """
            import dev.outpost.*;
            import dev.outpost.nacl.*;
            import dev.outpost.spi.Registry;
            import java.nio.file.Path;
            import java.time.Duration;
            import java.util.*;
            %3$s

            abstract class %1$s {
                SealedCodec codec;
                Registry registry;

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
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .replace(File.pathSeparator + File.pathSeparator, File.pathSeparator);
        List<DynamicTest> tests = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            if (m.group(1).startsWith("// File: ")) {
                continue; // whole files: compiled and run by ReadmeExampleTest
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
                        "-d", dir.toString(), "-cp", cp, "-proc:none", source.toString());
                assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
            }));
        }
        assertThat(tests).as("java snippets in README.md").hasSizeGreaterThanOrEqualTo(2);
        return tests.stream();
    }
}
