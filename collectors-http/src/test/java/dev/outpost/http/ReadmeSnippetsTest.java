package dev.outpost.http;

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
 * Every Java snippet of this module's README that is not a whole file compiles where a user would
 * put it: in a method, its own imports at the top of the file, the names the README leaves to the
 * user ({@code transport}, {@code myResolver}, {@code sslSocketFactory}, {@code trustManager}, {@code myThreadFactory}) in scope, a line that is only {@code ...} standing for the user's code.
 */
class ReadmeSnippetsTest {
    private static final String PRELUDE = """
            import dev.outpost.*;
            import dev.outpost.core.*;
            import dev.outpost.http.*;
            import dev.outpost.spi.Transport;
            import java.time.Duration;
            import java.util.*;
            import java.util.concurrent.ThreadFactory;
            import javax.net.ssl.SSLSocketFactory;
            import javax.net.ssl.X509TrustManager;
            %3$s

            abstract class %1$s {
                Transport transport;
                Resolver myResolver;
                SSLSocketFactory sslSocketFactory;
                X509TrustManager trustManager;
                ThreadFactory myThreadFactory;

                void snippet() throws Exception {
            %2$s
                }
            }
            """;

    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicTest> everyJavaSnippetCompiles() {
        // whole files: compiled and run by ReadmeExampleTest
        List<ReadmeCode.Block> snippets = ReadmeCode.read(Path.of("README.md")).snippets();
        assertThat(snippets).as("java snippets in README.md").hasSizeGreaterThanOrEqualTo(1);
        return snippets.stream().map(b -> DynamicTest.dynamicTest(b.where(), () -> {
            Path source = JavaSources.write(dir, b.className() + ".java", b.inPrelude(PRELUDE));
            JavaSources.Compilation javac = JavaSources.compile(dir, source);
            assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();
        }));
    }
}
