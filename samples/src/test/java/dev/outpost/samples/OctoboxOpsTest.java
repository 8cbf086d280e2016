package dev.outpost.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ops sample as a user runs it: its own JVM, commands piped to standard input. */
class OctoboxOpsTest {
    @Test
    void theBotAnswersAndTheRulesActOnWhatItSees(@TempDir Path dir) throws Exception {
        Path work = Files.createDirectory(dir.resolve("work"));
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx256m", "-Djava.io.tmpdir=" + tmp, OctoboxOps.class.getName())
                .directory(work.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try {
            try (OutputStream in = p.getOutputStream()) {
                in.write("list servers\nrun auth.failures on tag:web\nrun malware.scan on web-1\nhelth\nquit\n"
                        .getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            assertThat(out).contains("2 servers\n  fw-1 [firewall]\n  web-1 [eu, web]",
                    "web-1 ok: {\"count\":7,\"ip\":\"203.0.113.9\",\"severity\":\"high\"}",
                    "[rules] rule block-ip on web-1: call firewall.block on tag:firewall with {\"ip\":\"203.0.113.9\"}",
                    "[rules] rule quarantine on web-1: write ops/quarantine/web-1",
                    "did you mean: health");
            // written under the temporary directory, and said where: a sample leaves nothing in the working directory
            try (var left = Files.list(work)) {
                assertThat(left).isEmpty();
            }
            java.util.regex.Matcher where = java.util.regex.Pattern.compile("results journal: (.+)\n").matcher(out);
            assertThat(where.find()).as(out).isTrue();
            Path journal = Path.of(where.group(1));
            assertThat(journal.getParent()).isEqualTo(tmp);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(journal))).isEqualTo("rwx------");
            try (var days = Files.list(journal)) {
                assertThat(days).singleElement().satisfies(f -> {
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
                    assertThat(Files.readString(f)).contains("\"collector\":\"auth.failures\"", "\"collector\":\"firewall.block\"");
                });
            }
        } finally {
            p.destroyForcibly();
        }
    }
}
