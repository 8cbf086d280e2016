package dev.outpost.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README examples, compiled and run exactly as printed; each prints "counted". */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void theExamplesCompileAndCount() throws Exception {
        Map<String, String> files = ReadmeCode.read(Path.of("README.md")).files();
        int examples = 0;
        for (Map.Entry<String, String> file : files.entrySet()) {
            runExample(file.getKey(), file.getValue(), dir.resolve("example-" + examples++));
        }
        assertThat(examples).as("'// File: X.java' blocks in README.md").isEqualTo(2);
    }

    private void runExample(String fileName, String code, Path exampleDir) throws Exception {
        Path source = JavaSources.write(exampleDir, fileName, code);
        Path classes = exampleDir.resolve("classes");
        JavaSources.Compilation javac = JavaSources.compile(classes, source);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();
        String out = JavaSources.runMain(classes, fileName.replace(".java", ""));
        assertThat(out.trim()).endsWith("counted"); // log lines may come first
    }
}
