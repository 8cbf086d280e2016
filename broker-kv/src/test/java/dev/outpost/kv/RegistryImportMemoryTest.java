package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An import's memory does not grow with the size of the file: its checked lines wait on disk. */
class RegistryImportMemoryTest {
    @TempDir
    Path tmp;

    @Test
    void anImportLargerThanTheHeapFits() throws Exception {
        // 600 lines of 100 KB: 60 MB of values, twice the 32 MB heap of the process that imports them
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx32m", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + tmp,
                ImportUnderSmallHeapMain.class.getName(), "600").redirectErrorStream(true);
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = out.toString(StandardCharsets.UTF_8);
        // before: every checked line was held in one list until the writes began (OutOfMemoryError)
        assertThat(text).doesNotContain("OutOfMemoryError");
        assertThat(p.exitValue()).as(text).isZero();
        assertThat(text.strip()).endsWith("600");
        try (var left = Files.list(tmp)) {
            assertThat(left.toList()).as("the spool is deleted").isEmpty();
        }
    }
}
