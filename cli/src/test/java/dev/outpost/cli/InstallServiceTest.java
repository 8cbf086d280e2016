package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstallServiceTest {
    @TempDir
    Path dir;

    @Test
    void theDryRunPrintsAHardenedUnitWritingOnlyItsOwnState() {
        CliTest.Run r = CliTest.run("install-service", "broker", "--user", "kv", "--dry-run", "--launcher", "/opt/outpost/bin/outpost");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("ExecStart=/opt/outpost/bin/outpost broker --config /etc/outpost/outpost.yaml")
                .contains("User=kv").contains("NoNewPrivileges=yes").contains("ProtectSystem=strict").contains("PrivateTmp=yes")
                .contains("ProtectHome=yes").contains("ReadWritePaths=/var/lib/outpost/broker").contains("UMask=0077");
        assertThat(r.out().lines().filter(l -> l.startsWith("ReadWritePaths="))).hasSize(1);
    }

    @Test
    void theUnitCountsTheExitAfterASigtermDrainAsAStopNotAFailure() {
        // the JVM exits 143 (128 + 15) when SIGTERM stops it (WorkerDaemonChaosTest, CliProcessTest): without
        // this, systemctl stop leaves every daemon "failed" and Restart=on-failure restarts one stopped by kill
        CliTest.Run r = CliTest.run("install-service", "worker", "--dry-run", "--launcher", "/opt/outpost/bin/outpost");
        assertThat(r.out().lines()).contains("KillSignal=SIGTERM", "SuccessExitStatus=143");
    }

    @Test
    void badNamesAreRefused() {
        assertThat(CliTest.run("install-service", "shell", "--dry-run").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliTest.run("install-service", "worker", "--user", "root; rm -rf /", "--dry-run").code())
                .isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void aLauncherOrConfigPathTheUnitCannotCarryIsRefusedNotWritten() {
        for (String[] bad : new String[][] {{"--launcher", "/home/me/My Tools/outpost"}, {"--launcher", "/opt/out\npost"},
                {"--launcher", "outpost"}, {"--config", "outpost.yaml"}, {"--config", "/etc/%h/outpost.yaml"}}) {
            CliTest.Run r = bad[0].equals("--launcher") ? CliTest.run("install-service", "worker", "--dry-run", bad[0], bad[1])
                    : CliTest.run("install-service", "worker", "--dry-run", "--launcher", "/opt/outpost/bin/outpost", bad[0], bad[1]);
            assertThat(r.code()).as(String.join(" ", bad)).isEqualTo(ExitCodes.USAGE);
            assertThat(r.out()).as(String.join(" ", bad)).doesNotContain("ExecStart");
            assertThat(r.err()).contains(bad[0] + ": ").doesNotContain("specified only once");
        }
    }

    @Test
    void aLauncherOrConfigUnderAHomeIsRefusedSinceProtectHomeHidesItFromTheService() {
        for (String[] bad : new String[][] {{"--launcher", "/home/me/outpost/cli/target/outpost/bin/outpost"},
                {"--config", "/root/outpost.yaml"}}) {
            String[] args = bad[0].equals("--launcher") ? new String[] {"install-service", "worker", bad[0], bad[1], "--unit-dir",
                    dir.toString()} : new String[] {"install-service", "worker", "--launcher", "/opt/outpost/bin/outpost", bad[0], bad[1],
                    "--unit-dir", dir.toString()};
            CliTest.Run r = CliTest.run(args);
            assertThat(r.code()).as(String.join(" ", bad)).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).contains(bad[0] + ": ", "ProtectHome=yes");
            assertThat(dir.resolve("outpost-worker.service")).doesNotExist();
            // a dry run shows the unit, and says why it would not start
            String[] dry = java.util.stream.Stream.concat(java.util.Arrays.stream(args).limit(args.length - 2),
                    java.util.stream.Stream.of("--dry-run")).toArray(String[]::new);
            CliTest.Run d = CliTest.run(dry);
            assertThat(d.code()).isZero();
            assertThat(d.out()).contains("ExecStart=");
            assertThat(d.err()).contains("warning: " + bad[0] + ": ", "ProtectHome=yes");
        }
    }

    @Test
    void systemdAcceptsTheUnit() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed here: the unit is checked by text only");
        CliTest.Run r = CliTest.run("install-service", "worker", "--dry-run", "--launcher", "/bin/true");
        Path unit = dir.resolve("outpost-worker.service");
        Files.writeString(unit, r.out());
        Process p = new ProcessBuilder(analyze.toString(), "verify", unit.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes());
        // a build machine has no 'outpost' user: that warning is about the machine, not the unit
        assertThat(output.lines().filter(l -> !l.contains("outpost") || l.contains("Unknown") || l.contains("Invalid")))
                .filteredOn(l -> l.contains("Unknown key") || l.contains("Invalid") || l.contains("Failed to parse")).isEmpty();
    }
}
