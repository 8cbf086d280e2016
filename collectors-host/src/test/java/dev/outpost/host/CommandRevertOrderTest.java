package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A command's revert and the command itself, in one process. */
class CommandRevertOrderTest {
    private static final JsonNode FILE_SCHEMA = Json.parse("""
            {"type": "object", "additionalProperties": false, "required": ["file"],
             "properties": {"file": {"type": "string", "maxLength": 300}}}""");
    @TempDir
    Path tmp;
    private CommandCollector collector;
    private final ExecutorService caller = Executors.newSingleThreadExecutor();

    @AfterEach
    void close() {
        caller.shutdownNow();
        // a failed run leaves the script waiting on its fifo
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(tmp.resolve("mark.sh").toString()))
                .forEach(ProcessHandle::destroyForcibly);
        if (collector != null) {
            collector.close();
        }
    }

    @Test
    void aRevertDueWhileItsCommandStillRunsWaitsForTheCommand() throws Exception {
        // mark: says it started, waits until the test writes to its fifo, then makes the file; unmark reverts it
        Path script = tmp.resolve("mark.sh");
        Files.writeString(script, "#!/bin/sh\n: > \"$1.started\"\nread line < \"$1.fifo\"\n: > \"$1\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Path file = tmp.resolve("opened");
        Path fifo = tmp.resolve("opened.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).isZero();
        CommandSpec mark = CommandSpec.builder("mark", script).args("{file}").paramsSchema(FILE_SCHEMA)
                .revert("unmark", Duration.ZERO).build();
        CommandSpec unmark = CommandSpec.builder("unmark", Path.of("/usr/bin/touch")).args("{file}.reverted")
                .paramsSchema(FILE_SCHEMA).build();
        collector = CommandCollector.builder().command(mark).command(unmark).stateDirectory(tmp.resolve("state"))
                .revertCheckInterval(Duration.ofHours(1)).build();

        Future<Object> running = caller.submit(() -> collector.collect(Request.builder(CommandCollector.NAME)
                .params(Map.of("command", "mark", "params", Map.of("file", file.toString()))).build(), TestContext.empty()));
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(tmp.resolve("opened.started")) || running.isDone());
        assertThat(running).isNotDone();
        // the revert is due, but what it reverts has not happened yet: run now, the command's effect would outlive it
        assertThat(collector.runDueReverts()).as("no revert while its command runs").isZero();
        assertThat(tmp.resolve("opened.reverted")).doesNotExist();

        CompletableFuture.runAsync(() -> {
            try {
                Files.writeString(fifo, "go\n");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        running.get();
        assertThat(file).exists();
        assertThat(collector.runDueReverts()).as("once the command is done, its revert runs").isEqualTo(1);
        assertThat(tmp.resolve("opened.reverted")).exists();
    }

    @Test
    void aRevertCheckIntervalTooLongForMillisecondsIsTakenNotRefusedWithAnOverflow() throws Exception {
        CommandSpec touch = CommandSpec.builder("touch", Path.of("/usr/bin/touch")).args("{file}").paramsSchema(FILE_SCHEMA).build();
        collector = CommandCollector.builder().command(touch).stateDirectory(tmp.resolve("state"))
                .revertCheckInterval(Duration.ofDays(365L * 300_000_000)).build(); // past Long.MAX_VALUE milliseconds
        Path file = tmp.resolve("touched");
        collector.collect(Request.builder(CommandCollector.NAME)
                .params(Map.of("command", "touch", "params", Map.of("file", file.toString()))).build(), TestContext.empty());
        assertThat(file).exists();
    }
}
