package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first example, compiled and run (ufw replaced by /bin/echo so that it runs anywhere). */
class ReadmeExampleTest {
    @TempDir
    Path state;

    @Test
    void theWorkerFromTheReadmeRunsEveryCollector() throws Exception {
        CommandSpec echo = CommandSpec.builder("echo", Path.of("/bin/echo"))
                .args("{message}")
                .paramsSchema(Json.parse("""
                    {"type": "object", "additionalProperties": false, "required": ["message"],
                     "properties": {"message": {"type": "string", "maxLength": 200}}}"""))
                .build();
        CommandSpec allow = CommandSpec.builder("allow", Path.of("/bin/echo"))
                .args("allow", "from", "{ip}", "to", "any", "port", "{port}")
                .paramsSchema(Json.parse("""
                    {"type": "object", "additionalProperties": false, "required": ["ip", "port"],
                     "properties": {"ip": {"type": "string", "format": "ipv4"},
                                    "port": {"type": "integer", "minimum": 1, "maximum": 65535}}}"""))
                .timeout(Duration.ofMinutes(12))
                .revert("disallow", Duration.ofMinutes(60))
                .build();
        CommandSpec disallow = CommandSpec.builder("disallow", Path.of("/bin/echo"))
                .args("delete", "allow", "from", "{ip}", "to", "any", "port", "{port}")
                .paramsSchema(allow.paramsSchema())
                .build();
        try (InMemoryTransport transport = InMemoryTransport.create();
             Client client = Client.builder(transport).pollWait(Duration.ofMillis(100)).build().start();
             CommandCollector commands = CommandCollector.builder()
                     .command(echo).command(allow).command(disallow)
                     .stateDirectory(state)
                     .build();
             Worker worker = Worker.builder(transport)
                     .discoverCollectors()
                     .allow("host.*", "outpost.*")
                     .collector(commands)
                     .maxAttempts(CommandCollector.NAME, 1)
                     .settings(FileCollector.NAME, Map.of("allow-paths", "/etc/hostname"))
                     .settings(FactsCollector.NAME, Map.of("tags", "role=web, env=prod"))
                     .pollWait(Duration.ofMillis(100))
                     .build()
                     .start()) {
            Response r = client.call(Request.builder(CommandCollector.NAME)
                    .params(Map.of("command", "allow", "params", Map.of("ip", "203.0.113.7", "port", 22))).build(),
                    Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(ResponseStatus.OK);
            assertThat(r.result().orElseThrow().path("stdout").asText()).isEqualTo("allow from 203.0.113.7 to any port 22\n");
            assertThat(commands.pendingReverts()).hasSize(1);

            Response facts = client.call(Request.builder(FactsCollector.NAME).build(), Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
            assertThat(facts.result().orElseThrow().path("tags").path("env").asText()).isEqualTo("prod");
            Response procs = client.call(Request.builder(ProcessesCollector.NAME).param("top", 5).build(), Duration.ofSeconds(20))
                    .get(30, TimeUnit.SECONDS);
            assertThat(procs.result().orElseThrow().path("processes").size()).isEqualTo(5);
            Response refused = client.call(Request.builder(CommandCollector.NAME).params(Map.of("command", "reboot")).build(),
                    Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
            assertThat(refused.status()).isEqualTo(ResponseStatus.ERROR);
            assertThat(refused.error().orElseThrow().code()).isEqualTo("command-not-allowed");
        }
    }
}
