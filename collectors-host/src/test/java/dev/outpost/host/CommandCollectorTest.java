package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.Json;
import dev.outpost.core.json.JsonSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandCollectorTest {
    private static final JsonNode TEXT_SCHEMA = Json.parse("""
            {"type": "object", "additionalProperties": false, "required": ["text"],
             "properties": {"text": {"type": "string", "maxLength": 200000}}}""");

    @TempDir
    Path tmp;
    private CommandCollector collector;

    @AfterEach
    void close() {
        if (collector != null) {
            collector.close();
        }
    }

    private CommandCollector with(CommandSpec... specs) throws Exception {
        CommandCollector.Builder b = CommandCollector.builder();
        for (CommandSpec s : specs) {
            b.command(s);
        }
        collector = b.build();
        return collector;
    }

    private CommandResult run(String command, Map<String, Object> params) throws Exception {
        Request r = Request.builder(CommandCollector.NAME).param("command", command).param("params", params).build();
        assertThat(JsonSchema.of(collector.paramsSchema()).violations(r.params())).isEmpty();
        return (CommandResult) collector.collect(r, TestContext.empty());
    }

    private static CommandSpec printf() {
        // printf prints each argument between brackets: what the program received, byte for byte
        return CommandSpec.builder("show", Path.of("/usr/bin/printf")).args("[%s]\\n", "{text}").paramsSchema(TEXT_SCHEMA).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"; rm -rf /tmp/outpost-never", "$(touch /tmp/outpost-never)", "`touch /tmp/outpost-never`",
            "a\nb; touch /tmp/outpost-never", "--help", "-n", "| cat /etc/shadow", "> /tmp/outpost-never", "&& id", "'\"*?~{}[]$HOME"})
    void injectionStringsArePassedLiterallyAsOneArgument(String evil) throws Exception {
        with(printf());
        CommandResult r = run("show", Map.of("text", evil));
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo("[" + evil + "]\n");
        assertThat(Path.of("/tmp/outpost-never")).doesNotExist();
    }

    @Test
    void schemaRefusesWhatTheCommandDoesNotAllow() throws Exception {
        CommandSpec port = CommandSpec.builder("port", Path.of("/usr/bin/printf")).args("%s\\n", "{port}")
                .paramsSchema(Json.parse("""
                        {"type": "object", "additionalProperties": false, "required": ["port"],
                         "properties": {"port": {"type": "integer", "minimum": 1, "maximum": 65535},
                                        "name": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"}}}"""))
                .build();
        with(port);
        assertThat(run("port", Map.of("port", 22)).stdout()).isEqualTo("22\n");
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("port", "22; rm -rf /"), Map.of("port", 0),
                Map.of("port", 22, "name", "--output=/etc/passwd"), Map.of("port", 22, "extra", "x"), Map.of())) {
            assertThatThrownBy(() -> run("port", bad)).isInstanceOfSatisfying(CollectorException.class, e -> {
                assertThat(e.code()).isEqualTo("bad-params");
                assertThat(e.isRetryable()).isFalse();
            });
        }
    }

    @Test
    void nulAndOverlongArgumentsAreRefused() throws Exception {
        with(printf());
        assertThatThrownBy(() -> run("show", Map.of("text", "a\u0000b"))).isInstanceOfSatisfying(CollectorException.class,
                e -> assertThat(e.getMessage()).contains("NUL"));
        assertThatThrownBy(() -> run("show", Map.of("text", "x".repeat(100_000))))
                .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isEqualTo("bad-params"));
        assertThat(run("show", Map.of("text", "x".repeat(4096))).stdout()).hasSize(4096 + 3);
    }

    @Test
    void unknownCommandsAreRefusedPermanently() throws Exception {
        with(printf());
        assertThatThrownBy(() -> run("rm", Map.of())).isInstanceOfSatisfying(CollectorException.class, e -> {
            assertThat(e.code()).isEqualTo("command-not-allowed");
            assertThat(e.isRetryable()).isFalse();
        });
    }

    @Test
    void aHangingCommandIsKilledWithItsChildren() throws Exception {
        Path pidFile = tmp.resolve("child.pid");
        // the test's own program: a shell that starts a grandchild and waits (the collector never adds a shell)
        with(CommandSpec.builder("hang", Path.of("/bin/sh"))
                .args("-c", "sleep 300 & echo $! > " + pidFile + "; wait")
                .timeout(Duration.ofMillis(700))
                .build());
        CommandResult r = run("hang", Map.of());
        assertThat(r.timedOut()).isTrue();
        assertThat(r.exitCode()).isNotZero();
        long grandchild = Long.parseLong(Files.readString(pidFile).trim());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(grandchild).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    void outputIsCappedWithAMarkerAndTheRestCounted() throws Exception {
        with(CommandSpec.builder("count", Path.of("/usr/bin/seq")).args("1", "100000").maxOutputBytes(1000).build());
        CommandResult r = run("count", Map.of());
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdoutTruncated()).isTrue();
        assertThat(r.stdoutBytes()).isEqualTo(588_895);
        assertThat(r.stdout()).startsWith("1\n2\n3\n").endsWith("[output truncated by outpost]");
        assertThat(r.stdout().length()).isLessThan(1100);
        assertThat(r.stderrTruncated()).isFalse();
    }

    @Test
    void exitCodeStderrScrubbedEnvironmentAndFixedDirectory() throws Exception {
        Path wd = Files.createDirectory(tmp.resolve("wd"));
        with(CommandSpec.builder("env", Path.of("/usr/bin/env")).env("GREETING", "hi").workingDirectory(wd).build(),
                CommandSpec.builder("pwd", Path.of("/bin/pwd")).workingDirectory(wd).build(),
                CommandSpec.builder("fail", Path.of("/bin/ls")).args("/no/such/path").build());
        assertThat(run("env", Map.of()).stdout().lines().sorted().toList())
                .containsExactly("GREETING=hi", "PATH=" + CommandSpec.DEFAULT_PATH);
        assertThat(run("pwd", Map.of()).stdout().trim()).isEqualTo(wd.toRealPath().toString());
        CommandResult fail = run("fail", Map.of());
        assertThat(fail.exitCode()).isEqualTo(2);
        assertThat(fail.stderr()).contains("/no/such/path");
    }

    @Test
    void sudoRunsAsSudoDashNWithTheArgumentList() throws Exception {
        // a stand-in for sudo that prints what it was given, one argument per line
        Path fakeSudo = tmp.resolve("sudo");
        Files.writeString(fakeSudo, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
        fakeSudo.toFile().setExecutable(true);
        collector = CommandCollector.builder().sudoPath(fakeSudo)
                .command(CommandSpec.builder("ufw", Path.of("/usr/sbin/ufw")).args("allow", "{text}").paramsSchema(TEXT_SCHEMA)
                        .timeout(Duration.ofSeconds(30)).sudo(true).build()) // well inside the request's own deadline
                .build();
        assertThat(run("ufw", Map.of("text", "22; reboot")).stdout())
                .as("the timeout is enforced inside sudo by coreutils timeout, on root's whole process group")
                .isEqualTo("-n\n--\n/usr/bin/timeout\n--kill-after=2s\n30.000s\n/usr/sbin/ufw\nallow\n22; reboot\n");
    }

    @Test
    void aMissingExecutableIsAPermanentStartFailure() throws Exception {
        with(CommandSpec.builder("gone", Path.of("/no/such/program")).build());
        assertThatThrownBy(() -> run("gone", Map.of())).isInstanceOfSatisfying(CollectorException.class, e -> {
            assertThat(e.code()).isEqualTo("start-failed");
            assertThat(e.isRetryable()).isFalse();
        });
    }

    @Test
    void aProgramThatCannotBeExecutedIsAPermanentStartFailureToo() throws Exception {
        // checked by the collector: setsid, which starts it, would otherwise report it as exit code 126 or 127
        Path plain = Files.writeString(tmp.resolve("plain"), "#!/bin/sh\necho ran\n");
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        with(CommandSpec.builder("plain", plain).build(), CommandSpec.builder("dir", dir).build());
        for (String name : List.of("plain", "dir")) {
            assertThatThrownBy(() -> run(name, Map.of())).isInstanceOfSatisfying(CollectorException.class, e -> {
                assertThat(e.code()).isEqualTo("start-failed");
                assertThat(e.getMessage()).contains(tmp.resolve(name).toString()).contains("Permission denied");
            });
        }
    }

    @Test
    void aScriptWhoseInterpreterIsMissingIsAPermanentStartFailure() throws Exception {
        Path script = Files.writeString(tmp.resolve("orphan-script"), "#!/no/such/interpreter\necho ran\n");
        script.toFile().setExecutable(true);
        with(CommandSpec.builder("orphan", script).build());
        assertThatThrownBy(() -> run("orphan", Map.of())).isInstanceOfSatisfying(CollectorException.class, e -> {
            assertThat(e.code()).isEqualTo("start-failed");
            assertThat(e.getMessage()).contains(script.toString()).contains("No such file or directory");
        });
    }

    @Test
    void specsAreCheckedWhole() {
        assertThatThrownBy(() -> CommandSpec.builder("Bad Name", Path.of("ls")).args("{nope}", "{").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must match").hasMessageContaining("absolute").hasMessageContaining("{nope}")
                .hasMessageContaining("unclosed");
        assertThatThrownBy(() -> CommandCollector.builder()
                .command(CommandSpec.builder("a", Path.of("/bin/true")).revert("b", Duration.ofMinutes(1)).build()).build())
                .hasMessageContaining("not in the allow-list").hasMessageContaining("state directory");
    }

    @Test
    void fromSettingsReadsTheAllowList() throws Exception {
        collector = CommandCollector.fromSettings(Map.of(
                "commands", "show",
                "command.show.executable", "/usr/bin/printf",
                "command.show.args", "[\"<%s>\", \"{text}\"]",
                "command.show.params-schema", TEXT_SCHEMA.toString(),
                "command.show.timeout", "5s",
                "command.show.max-output-bytes", "100"));
        assertThat(run("show", Map.of("text", "$(id)")).stdout()).isEqualTo("<$(id)>");
        assertThat(collector.commands().get("show").timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(collector.commands().get("show").revertCommand()).isEqualTo(Optional.empty());
        assertThatThrownBy(() -> CommandCollector.fromSettings(Map.of("commands", "x", "command.x.timeout", "soon")))
                .hasMessageContaining("command.x.executable").hasMessageContaining("command.x.timeout");
    }
}
