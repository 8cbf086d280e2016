package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.core.Client;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sera's allow, then disallow an hour later: the revert is persisted and runs after the worker restarted. */
class RevertAcrossRestartTest {
    @TempDir
    Path tmp;

    private CommandCollector commands(Path state, MutableClock clock) throws Exception {
        JsonNode port = Json.parse("""
                {"type": "object", "additionalProperties": false, "required": ["port"],
                 "properties": {"port": {"type": "integer", "minimum": 1, "maximum": 65535}}}""");
        return CommandCollector.builder()
                .command(CommandSpec.builder("open", Path.of("/usr/bin/touch")).args(tmp + "/open-{port}").paramsSchema(port)
                        .revert("close", Duration.ofMinutes(60)).build())
                .command(CommandSpec.builder("close", Path.of("/bin/rm")).args("-f", tmp + "/open-{port}").paramsSchema(port).build())
                .stateDirectory(state)
                .clock(clock)
                .revertCheckInterval(Duration.ofMillis(20))
                .build();
    }

    private static Worker worker(InMemoryTransport transport, CommandCollector commands) {
        return Worker.builder(transport).collector(commands).maxAttempts(1).pollWait(Duration.ofMillis(100)).build().start();
    }

    @Test
    void aRevertScheduledBeforeARestartRunsAfterIt() throws Exception {
        Path state = tmp.resolve("state");
        Path opened = tmp.resolve("open-8080");
        MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
        try (InMemoryTransport transport = InMemoryTransport.create();
             Client client = Client.builder(transport).pollWait(Duration.ofMillis(100)).build().start()) {
            CommandCollector first = commands(state, clock);
            Worker w1 = worker(transport, first);
            Response r = client.call(Request.builder(CommandCollector.NAME)
                    .params(Map.of("command", "open", "params", Map.of("port", 8080))).build(), Duration.ofSeconds(20))
                    .get(30, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(ResponseStatus.OK);
            JsonNode result = r.result().orElseThrow();
            assertThat(result.path("exitCode").asInt()).isZero();
            assertThat(result.path("revert").path("command").asText()).isEqualTo("close");
            assertThat(result.path("revert").path("dueAt").asText()).isEqualTo("2026-01-05T11:00:00Z");
            assertThat(opened).exists();

            clock.advance(Duration.ofMinutes(30));
            assertThat(first.runDueReverts()).as("not due yet").isZero();
            assertThat(opened).exists();
            w1.close();
            first.close();

            // the worker is down while the hour passes
            clock.advance(Duration.ofMinutes(31));
            assertThat(opened).exists();

            CommandCollector second = commands(state, clock);
            try (Worker w2 = worker(transport, second)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(opened));
                assertThat(second.pendingReverts()).isEmpty();
            } finally {
                second.close();
            }
        }
    }

    @Test
    void aRevertWithATimeoutBeyondWhatNanosecondsHoldRunsOnceAndIsDone() throws Exception {
        JsonNode port = Json.parse("""
                {"type": "object", "additionalProperties": false, "required": ["port"],
                 "properties": {"port": {"type": "integer", "minimum": 1, "maximum": 65535}}}""");
        MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
        try (CommandCollector c = CommandCollector.builder()
                .command(CommandSpec.builder("open", Path.of("/usr/bin/touch")).args(tmp + "/open-{port}").paramsSchema(port)
                        .revert("close", Duration.ofMinutes(60)).build())
                // "no timeout to speak of": more than Long.MAX_VALUE nanoseconds (292 years)
                .command(CommandSpec.builder("close", Path.of("/bin/rm")).args("-f", tmp + "/open-{port}").paramsSchema(port)
                        .timeout(Duration.ofDays(365L * 1000)).build())
                .stateDirectory(tmp.resolve("state")).clock(clock).revertCheckInterval(Duration.ofHours(1)).build()) {
            c.collect(Request.builder(CommandCollector.NAME).params(Map.of("command", "open", "params", Map.of("port", 22))).build(),
                    TestContext.empty());
            clock.advance(Duration.ofMinutes(60));
            assertThat(c.runDueReverts()).isEqualTo(1);
            assertThat(tmp.resolve("open-22")).doesNotExist();
            assertThat(c.pendingReverts()).isEmpty();
        }
    }

    @Test
    void aRevertRunsOnlyWhenDue() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
        try (CommandCollector c = commands(tmp.resolve("state"), clock)) {
            c.collect(Request.builder(CommandCollector.NAME).params(Map.of("command", "open", "params", Map.of("port", 22))).build(),
                    TestContext.empty());
            assertThat(c.pendingReverts()).hasSize(1);
            clock.advance(Duration.ofMinutes(59));
            assertThat(c.runDueReverts()).isZero();
            assertThat(tmp.resolve("open-22")).exists();
            clock.advance(Duration.ofMinutes(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(tmp.resolve("open-22")));
            assertThat(c.pendingReverts()).isEmpty();
        }
    }
}
