package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.core.Worker;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.host.internal.RevertStore;
import dev.outpost.inmemory.InMemoryTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** host.command under attack (issue 15): its settings, its revert state, and sudo timeouts. */
class CommandHardeningTest {
    private static final JsonNode FILE_SCHEMA = Json.parse("""
            {"type": "object", "additionalProperties": false, "required": ["file"],
             "properties": {"file": {"type": "string", "maxLength": 300}}}""");
    @TempDir
    Path tmp;
    private CommandCollector collector;

    @AfterEach
    void close() {
        if (collector != null) {
            collector.close();
        }
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").matches(".*sleep 313[12].*"))
                .forEach(ProcessHandle::destroyForcibly);
    }

    /** mark touches a file now; unmark, its revert, touches another one later. */
    private CommandCollector markers(Path state) throws Exception {
        CommandSpec mark = CommandSpec.builder("mark", Path.of("/usr/bin/touch")).args("{file}").paramsSchema(FILE_SCHEMA)
                .revert("unmark", Duration.ZERO).build();
        CommandSpec unmark = CommandSpec.builder("unmark", Path.of("/usr/bin/touch")).args("{file}.reverted").paramsSchema(FILE_SCHEMA)
                .build();
        collector = CommandCollector.builder().command(mark).command(unmark).stateDirectory(state)
                .revertCheckInterval(Duration.ofHours(1)).build();
        return collector;
    }

    @Test
    void aMisspelledSettingFailsTheWorkerAtBuildNamingTheNearestKey() throws Exception {
        OutpostConfig config = OutpostConfig.builder().set("outpost.collectors.host.command.comands", "uptime").build();
        try (InMemoryTransport transport = InMemoryTransport.create();
             CommandCollector commands = CommandCollector.builder().build()) {
            assertThatThrownBy(() -> Worker.builder(transport).collector(commands).configure(config).build())
                    .isInstanceOf(ConfigException.class).hasMessageContaining("comands").hasMessageContaining("did you mean commands");
        }
        assertThatThrownBy(() -> CommandCollector.fromSettings(Map.of("comands", "uptime")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> assertThat(p.key()).isEqualTo("comands")).satisfies(p -> assertThat(p.message()).contains("commands")));
        assertThatThrownBy(() -> CommandCollector.fromSettings(Map.of("commands", "x", "command.x.executable", "/bin/true",
                "command.x.timout", "5s", "command.y.executable", "/bin/true")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .extracting(ConfigException.Problem::key).containsExactlyInAnyOrder("command.x.timout", "command.y.executable"))
                .hasMessageContaining("did you mean command.x.timeout");
    }

    @Test
    void aDurationTooLargeForADurationIsASettingsProblemNotACrash() {
        // 10^17 days overflows Duration's seconds: every bad key must still come back in one ConfigException
        assertThatThrownBy(() -> CommandCollector.fromSettings(Map.of("commands", "x", "command.x.executable", "/bin/true",
                "command.x.timeout", "100000000000000000d", "revert-check-interval", "100000000000000000d")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).extracting(ConfigException.Problem::key)
                        .containsExactlyInAnyOrder("command.x.timeout", "revert-check-interval"));
    }

    @Test
    void aStateDirectoryOthersMayWriteIsRefused() throws Exception {
        Path state = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> markers(state)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems().get(0).key()).isEqualTo("state-dir")).hasMessageContaining("writable by others");
        Path reverts = Files.createDirectories(tmp.resolve("inner").resolve("reverts"));
        Files.setPosixFilePermissions(reverts.getParent(), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(reverts, PosixFilePermissions.fromString("rwxrwx---"));
        assertThatThrownBy(() -> markers(reverts.getParent())).hasMessageContaining("writable by others");
    }

    @Test
    void aStateDirectoryAnotherUserOwnsIsRefused() throws Exception {
        Path state = Files.createDirectory(tmp.resolve("theirs"));
        UserPrincipal nobody;
        try {
            nobody = state.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(state, nobody);
        } catch (Exception e) {
            Assumptions.abort("cannot give a directory to 'nobody' here (needs root): " + e);
            return;
        }
        assertThatThrownBy(() -> markers(state)).isInstanceOf(ConfigException.class).hasMessageContaining("belongs to 'nobody'");
    }

    @Test
    void onlyRevertsTheCollectorRecordedRunAndABadEntryDoesNotStopTheRest() throws Exception {
        Path state = tmp.resolve("state");
        markers(state);
        Path done = tmp.resolve("done");
        collector.collect(Request.builder(CommandCollector.NAME).params(Map.of("command", "mark", "params", Map.of("file",
                done.toString()))).build(), TestContext.empty());
        assertThat(done).exists();
        Path reverts = state.resolve("reverts");
        // planted: no signature; and one naming a command that is not a revert target
        Path planted = tmp.resolve("planted");
        Files.writeString(reverts.resolve("00000000000000000001-planted.json"), "{\"id\":\"p\",\"command\":\"unmark\",\"params\":"
                + "{\"file\":\"" + planted + "\"},\"dueAt\":\"2000-01-01T00:00:00Z\"}");
        RevertStore withRealKey = new RevertStore(state);
        withRealKey.open();
        ObjectNode notATarget = (ObjectNode) Json.parse("{\"id\":\"q\",\"command\":\"mark\",\"params\":{\"file\":\"" + planted
                + "\"},\"dueAt\":\"2000-01-01T00:00:00Z\"}");
        notATarget.put("mac", withRealKey.mac(notATarget.deepCopy()));
        Files.writeString(reverts.resolve("00000000000000000002-nottarget.json"), notATarget.toString());
        // the collector's own bug, signed: a dueAt that does not parse, sorted before the good one
        ObjectNode badDue = (ObjectNode) Json.parse("{\"id\":\"r\",\"command\":\"unmark\",\"params\":{\"file\":\"" + planted
                + "\"},\"dueAt\":\"soon\"}");
        badDue.put("mac", withRealKey.mac(badDue.deepCopy()));
        Files.writeString(reverts.resolve("00000000000000000003-baddue.json"), badDue.toString());

        assertThat(collector.runDueReverts()).as("the real revert ran despite three bad entries before it").isEqualTo(1);
        assertThat(tmp.resolve("done.reverted")).exists();
        assertThat(tmp.resolve("planted.reverted")).doesNotExist();
        assertThat(planted).doesNotExist();
        try (var files = Files.list(reverts)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
                    "00000000000000000001-planted.json.rejected", "00000000000000000002-nottarget.json.rejected",
                    "00000000000000000003-baddue.json.rejected");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("revert.key")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rwx------");
    }

    @Test
    void underSudoATimeoutKillsTheWholeTreeThroughTheTimeoutWrapper() throws Exception {
        // a stand-in for sudo: the command runs detached from the worker, out of its reach, as root's would be
        Path sudo = tmp.resolve("fake-sudo");
        Files.writeString(sudo, """
                #!/bin/sh
                [ "$1" = "-n" ] && shift
                [ "$1" = "--" ] && shift
                pidfile=$(mktemp)
                ( setsid "$@" </dev/null >/dev/null 2>&1 & echo $! > "$pidfile" )
                pid=$(cat "$pidfile")
                while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
                """);
        Files.setPosixFilePermissions(sudo, PosixFilePermissions.fromString("rwx------"));
        CommandSpec hang = CommandSpec.builder("hang", Path.of("/bin/sh")).args("-c", "sleep 3131 & sleep 3132; true")
                .sudo(true).timeout(Duration.ofSeconds(1)).build();
        collector = CommandCollector.builder().command(hang).sudoPath(sudo).build();
        long t0 = System.nanoTime();
        collector.collect(Request.builder(CommandCollector.NAME).params(Map.of("command", "hang")).build(), TestContext.empty());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).until(() -> sleepers().isEmpty());
    }

    @Test
    void aSudoCommandWithoutTheTimeoutWrapperIsRefused() {
        CommandSpec s = CommandSpec.builder("s", Path.of("/bin/true")).sudo(true).build();
        assertThatThrownBy(() -> CommandCollector.builder().command(s).timeoutPath(tmp.resolve("no-timeout")).build())
                .hasMessageContaining("timeout");
    }

    private static List<Long> sleepers() {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").matches(".*sleep 313[12].*"))
                .map(ProcessHandle::pid).toList();
    }
}
