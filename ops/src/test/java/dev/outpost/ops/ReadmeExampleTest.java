package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** This module's README example, compiled and run exactly as printed; its output is the one the README shows. */
class ReadmeExampleTest {
    private static final Pattern PRINTS = Pattern.compile("It prints:\\n\\n```\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    @Test
    void theExampleCompilesAndPrintsWhatTheReadmeSays() throws Exception {
        ReadmeCode readme = ReadmeCode.read(Path.of("README.md"));
        Map.Entry<String, String> file = readme.files().entrySet().stream().findFirst()
                .orElseThrow(() -> new AssertionError("a '// File: X.java' block in README.md"));
        Path source = JavaSources.write(dir, file.getKey(), file.getValue());
        Path classes = dir.resolve("classes");
        JavaSources.Compilation javac = JavaSources.compile(classes, source);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();

        String out = JavaSources.runMain(classes, "OpsExample");
        Matcher p = PRINTS.matcher(readme.text());
        assertThat(p.find()).isTrue();
        // the test classpath's log provider writes INFO lines to standard output; the README shows what the program prints
        String printed = out.replaceAll("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d+ \\[.*\\n", "");
        assertThat(printed).isEqualTo(p.group(1));
    }
}
