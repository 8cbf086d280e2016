package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher script ({@code src/main/dist/bin/outpost}), run with a stand-in java that records what it was given. */
class LauncherTest {
    @TempDir
    Path dir;

    @Test
    void theLaunchersOwnVariablesDoNotReachTheCommandAsConfiguration() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
        Path bin = Files.createDirectories(dir.resolve("outpost/bin"));
        Files.createDirectories(dir.resolve("outpost/lib"));
        Path launcher = Files.copy(Path.of("src/main/dist/bin/outpost"), bin.resolve("outpost"));
        Path java = dir.resolve("java");
        Files.writeString(java, "#!/bin/sh\nenv > \"$(dirname \"$0\")/env.txt\"\nprintf '%s\\n' \"$@\" > \"$(dirname \"$0\")/args.txt\"\n");
        for (Path p : List.of(launcher, java)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
        // install-service's units set OUTPOST_JAVA_OPTS=, and OUTPOST_* variables are configuration to the
        // command: outpost.java.opts, an unknown key, stopped every daemon such a unit started (exit 78)
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "worker", "--config", "w.yaml");
        pb.environment().put("JAVA", java.toString());
        pb.environment().put("OUTPOST_JAVA_OPTS", "-Xmx64m -Xss1m");
        pb.environment().put("OUTPOST_CDS", "off");
        pb.environment().put("OUTPOST_WORKER_ID", "kept");
        Process p = pb.inheritIO().start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();

        assertThat(Files.readAllLines(dir.resolve("args.txt")))
                .containsSubsequence("-Xmx64m", "-Xss1m", "dev.outpost.cli.Outpost", "worker", "--config", "w.yaml");
        List<String> env = Files.readAllLines(dir.resolve("env.txt"));
        assertThat(env).noneMatch(l -> l.startsWith("OUTPOST_JAVA_OPTS=") || l.startsWith("OUTPOST_CDS="))
                .contains("OUTPOST_WORKER_ID=kept");
    }

    @Test
    void theLauncherTellsTheCommandWhereItIsSoInstallServiceNamesIt() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
        Path bin = Files.createDirectories(dir.resolve("outpost/bin"));
        Files.createDirectories(dir.resolve("outpost/lib"));
        Path launcher = Files.copy(Path.of("src/main/dist/bin/outpost"), bin.resolve("outpost"));
        Path java = dir.resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$(dirname \"$0\")/args.txt\"\n");
        for (Path p : List.of(launcher, java)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
        // called through a link on the PATH, as the README suggests: the unit must name the real script beside lib/
        Path link = Files.createSymbolicLink(dir.resolve("outpost-link"), launcher);
        ProcessBuilder pb = new ProcessBuilder(link.toString(), "install-service", "worker", "--dry-run");
        pb.environment().put("JAVA", java.toString());
        pb.environment().put("OUTPOST_CDS", "off");
        Process p = pb.inheritIO().start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // before: nothing, and install-service's units started /usr/local/bin/outpost, wherever this one was
        List<String> args = Files.readAllLines(dir.resolve("args.txt"));
        Path real = launcher.toRealPath();
        String property = args.stream().filter(a -> a.endsWith("=" + real)).findFirst().orElseThrow();
        assertThat(args).containsSubsequence(property, "dev.outpost.cli.Outpost", "install-service");
        // what the JVM is given is read as the launcher, and is no configuration key (outpost.* would stop every command: 78)
        String key = property.substring(2, property.indexOf('='));
        System.setProperty(key, launcher.toRealPath().toString());
        try {
            CliTest.Run unit = CliTest.run("install-service", "worker", "--dry-run");
            assertThat(unit.out()).as(unit.err()).contains("ExecStart=" + launcher.toRealPath() + " worker ");
            Path config = Files.writeString(dir.resolve("client.yaml"), "outpost:\n  client:\n    reply-to: r\n  sqs:\n"
                    + "    region: us-east-1\n    endpoint: http://127.0.0.1:1\n    access-key-id: a\n    secret-access-key: b\n");
            CliTest.Run ping = CliTest.run("ping", "--timeout", "1s", "--config", config.toString());
            assertThat(ping.code()).as(ping.err()).isEqualTo(ExitCodes.UNAVAILABLE);
        } finally {
            System.clearProperty(key);
        }
    }
}
