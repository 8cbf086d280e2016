package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code outpost ops} and {@code outpost ops-bot}: the OCTOBOX sample from configuration alone. */
class OpsCommandTest {
    /** The sample's own configuration file, as samples/README.md runs it; the journal goes to {@code dir}. */
    static Path config(Path dir) throws Exception {
        Path f = dir.resolve("octobox.yaml");
        Files.writeString(f, Files.readString(Path.of("..", "samples", "octobox.yaml"))
                .replace("journal: octobox-journal", "journal: " + dir.resolve("journal")));
        return f;
    }

    @Test
    void theBotAnswersAndTheConfiguredRulesActInProcess(@TempDir Path dir) throws Exception {
        CliTest.Run r = CliTest.run("ops", "--demo", "-c", config(dir).toString(), "-e", "list servers",
                "-e", "run auth.failures on tag:web", "-e", "run malware.scan on web-1", "-e", "helth",
                "-e", "run firewall.list on tag:firewall");
        assertThat(r.out()).contains("2 servers\n  fw-1 [firewall]\n  web-1 [eu, web]",
                "web-1 ok: {\"count\":7,\"ip\":\"203.0.113.9\",\"severity\":\"high\"}",
                "[rules] rule block-ip on web-1: call firewall.block on tag:firewall with {\"ip\":\"203.0.113.9\"}",
                "[rules] rule quarantine on web-1: write ops/quarantine/web-1",
                "did you mean: health");
        assertThat(r.code()).as("the misspelt command fails: exit 1").isEqualTo(ExitCodes.SOME_FAILED);
        Path journal = dir.resolve("journal");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(journal))).isEqualTo("rwx------");
        try (var days = Files.list(journal)) {
            assertThat(days).singleElement().satisfies(f -> {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
                assertThat(Files.readString(f)).contains("\"collector\":\"auth.failures\"", "\"collector\":\"firewall.block\"");
            });
        }
    }

    @Test
    void theConsoleUserRunsOnlyTheCollectorsAccessLists() {
        // before: with no users configured, the console's user could run every collector, whatever access.collectors said
        CliTest.Run r = CliTest.run("ops", "--demo", "-D", "outpost.ops.access.collectors=auth.*",
                "-e", "run auth.failures on web-1", "-e", "run firewall.list on fw-1");
        assertThat(r.out()).contains("web-1 ok:", "not allowed to run firewall.list");
        assertThat(r.code()).isEqualTo(ExitCodes.SOME_FAILED);
        CliTest.Run everything = CliTest.run("ops", "--demo", "-e", "run firewall.list on fw-1");
        assertThat(everything.code()).as(everything.out()).isZero();
        CliTest.Run star = CliTest.run("ops", "--demo", "-D", "outpost.ops.access.collectors=auth.*.x", "-e", "help");
        assertThat(star.code()).isEqualTo(ExitCodes.CONFIG);
        assertThat(star.err()).contains("outpost.ops.access.collectors");
    }

    @Test
    void theConsoleUserRunsNoCollectorWhenAccessListsNone() {
        // before: a collectors key set to no entry read as unset, and the console's user could run every collector
        CliTest.Run none = CliTest.run("ops", "--demo", "-D", "outpost.ops.access.collectors=", "-e", "run firewall.list on fw-1");
        assertThat(none.out()).as(none.err()).contains("not allowed to run firewall.list");
        assertThat(none.code()).isEqualTo(ExitCodes.SOME_FAILED);
    }

    @Test
    void aRuleNotificationQuotingAHostCannotReorderOrDriveTheTerminal() {
        // fw-1 echoes the ip it blocks: here, a host's value with a right-to-left override and a C1 control (CSI)
        CliTest.Run r = CliTest.run("ops", "--demo", "-D", "outpost.ops.rules.echo.collector=firewall.block",
                "-D", "outpost.ops.rules.echo.action=notify", "-D", "outpost.ops.rules.echo.action.message=blocked ${result.ip}",
                "-e", "run firewall.block on fw-1 with ip=10.0.0.1\u202Egpj.exe\u009B2J");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("[rules] rule echo on fw-1: notify blocked 10.0.0.1").contains("[rules] blocked 10.0.0.1")
                .doesNotContain("\u202E").doesNotContain("\u009B");
    }

    @Test
    void anExportEndpointThatIsNoUrlIsAConfigurationErrorThatHidesItsUserInfo(@TempDir Path dir) {
        CliTest.Run r = CliTest.run("ops", "--demo", "-D", "outpost.ops.export.bucket=exports",
                "-D", "outpost.ops.export.journal=" + dir.resolve("journal"),
                "-D", "outpost.ops.export.endpoint=http://minio:hunter 2@127.0.0.1:9000", "-e", "help");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.CONFIG);
        assertThat(r.err()).contains("outpost.ops.export.endpoint").doesNotContain("hunter");
    }

    @Test
    void badConfigurationIsRefusedWithTheKeyAndNoSecretPrinted(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, """
                outpost:
                  ops:
                    slack:
                      app-token: xapp-very-secret-value
                    rules:
                      broken:
                        collector: auth.failures
                        when: count >>= 5
                        action: call
                """);
        CliTest.Run r = CliTest.run("ops-bot", "--demo", "-c", f.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.CONFIG);
        assertThat(r.err()).contains("outpost.ops.rules.broken").doesNotContain("xapp-very-secret-value");
        CliTest.Run noToken = CliTest.run("ops-bot", "--demo", "-D", "outpost.ops.slack.app-token=xapp-very-secret-value");
        assertThat(noToken.code()).isEqualTo(ExitCodes.CONFIG);
        assertThat(noToken.err()).contains("outpost.ops.slack.bot-token").doesNotContain("xapp-very-secret-value");
        CliTest.Run slackByDefault = CliTest.run("ops", "--demo", "-D", "outpost.ops.slack.app-token=xapp-very-secret-value");
        assertThat(slackByDefault.code()).as("a token configured: ops is the Slack bot").isEqualTo(ExitCodes.CONFIG);
        assertThat(slackByDefault.err()).contains("outpost.ops.slack.bot-token").doesNotContain("xapp-very-secret-value");
        CliTest.Run exportWithoutJournal = CliTest.run("ops", "--demo", "-D", "outpost.ops.export.bucket=exports", "-e", "help");
        assertThat(exportWithoutJournal.code()).isEqualTo(ExitCodes.CONFIG);
        assertThat(exportWithoutJournal.err()).contains("outpost.ops.export.journal");
    }

    @Test
    void theConsoleRunsInItsOwnProcessOnPipedInput(@TempDir Path dir) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), Outpost.class.getName(), "ops", "--demo", "-c", config(dir).toString());
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(dir.resolve("err").toFile()).start();
        try {
            try (OutputStream in = p.getOutputStream()) {
                in.write("list servers\nrun auth.failures on tag:web\nquit\n".getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out + Files.readString(dir.resolve("err"))).isZero();
            assertThat(out).contains("outpost ops on the in-process OCTOBOX hosts", "2 servers\n  fw-1 [firewall]\n  web-1 [eu, web]",
                    "web-1 ok: {\"count\":7");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void slackOutOfReachIsOneLineAndAHintWithTheUnavailableExitCode(@TempDir Path dir) throws Exception {
        // a port bound and never listened on refuses connections, and no other test's server can take it meanwhile
        java.net.Socket held = new java.net.Socket();
        held.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
        int port = held.getLocalPort();
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), Outpost.class.getName(), "ops-bot", "--demo",
                "-D", "outpost.ops.slack.app-token=xapp-1-A1-1234-stand-in-app", "-D", "outpost.ops.slack.bot-token=xoxb-1234-stand-in",
                "-D", "outpost.ops.slack.api-url=http://127.0.0.1:" + port + "/api/");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(dir.resolve("out").toFile()).start();
        try {
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            // it was exit 70 after the Slack SDK's own ERROR with a stack trace of some 40 lines
            assertThat(p.exitValue()).as(err).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(err.lines().filter(l -> l.startsWith("outpost: ") || l.startsWith("hint: ")).toList()).as(err).hasSize(2);
            assertThat(err).contains("outpost: could not connect to Slack at http://127.0.0.1:" + port, "hint: ")
                    .doesNotContain("stand-in", "\tat ", "Exception", "ERROR");
        } finally {
            p.destroyForcibly();
            held.close();
        }
    }
}
