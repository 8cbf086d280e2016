package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** core's README examples ({@code // File: X.java} blocks), compiled and run exactly as printed. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void theExactlyOnceExampleCompilesAndChargesOnce() throws Exception {
        ReadmeCode readme = ReadmeCode.read(Path.of("README.md"));
        assertThat(readme.files()).containsKey("Payments.java");
        String payments = readme.file("Payments.java");
        // before: the example imported the in-memory transport, and nothing on the page said to add it
        String text = readme.text();
        String before = text.substring(Math.max(0, text.indexOf("// File: Payments.java") - 600),
                text.indexOf("// File: Payments.java"));
        if (payments.contains("import dev.outpost.inmemory.")) {
            assertThat(before).as("the paragraph before Payments.java names every artifact it needs beyond outpost-core")
                    .contains("`outpost-transport-inmemory`");
        }
        Path source = JavaSources.write(dir, "Payments.java", payments);
        JavaSources.Compilation javac = JavaSources.compile(dir, source);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();
        String out = JavaSources.runMain(dir, "Payments", dir.resolve("outbox").toString());
        assertThat(out.strip()).isEqualTo("{\"order\":\"1001\",\"cents\":2599,\"attempt\":1} true");
    }
}
