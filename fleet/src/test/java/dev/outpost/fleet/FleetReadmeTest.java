package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's example, compiled and run exactly as printed, printing what the README says. */
class FleetReadmeTest {
    @TempDir
    Path dir;

    @Test
    void theExampleCompilesRunsAndPrintsWhatTheReadmeShows() throws Exception {
        ReadmeCode readme = ReadmeCode.read(Path.of("README.md"));
        Map.Entry<String, String> file = readme.files().entrySet().stream().findFirst()
                .orElseThrow(() -> new AssertionError("a // File: block in fleet/README.md"));
        Path source = JavaSources.write(dir, file.getKey(), file.getValue());
        JavaSources.Compilation javac = JavaSources.compile(dir, source);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();

        String printed = JavaSources.runMain(dir, file.getKey().replace(".java", ""));
        Matcher expected = Pattern.compile("It prints[^\\n]*:\\n\\n```\\n(.*?)```", Pattern.DOTALL).matcher(readme.text());
        assertThat(expected.find()).isTrue();
        // log lines (the test classpath has logback on the console) are not the example's output
        assertThat(printed.lines().filter(l -> !l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d+ \\[.*")).sorted().toList()).isEqualTo(expected.group(1).lines().sorted().toList());
    }
}
