package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Client;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InventoryTest {

    @Test
    void theBrokersClientOfADaemonLeavesTheCommandsAnswersOnTheirSharedReplyQueue() throws Exception {
        // outpost ops (or worker) run with the client.yaml of the operator's commands: one outpost.client.reply-to
        OutpostConfig config = OutpostConfig.builder().set("outpost.client.reply-to", "outpost-client-ops")
                .set("outpost.client.poll-wait", "50ms").build();
        List<AutoCloseable> owned = Collections.synchronizedList(new ArrayList<>());
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            try {
                Inventory.open(config, transport, JsonCodec.create(), owned::add);
                Client brokers = owned.stream().filter(Client.class::isInstance).map(Client.class::cast).findFirst().orElseThrow();
                // the answer to a command run meanwhile, on the queue they read together
                Instant t = Instant.parse("2026-01-05T10:00:00Z");
                Response answer = Response.ok(Request.builder("ping").id("a-commands-call").build(), Json.parse("\"pong\""),
                        "web-1", 1, t, t);
                transport.send("outpost-client-ops", Message.of(JsonCodec.create().encodeResponse(answer, Optional.empty()))).join();
                await().atMost(Duration.ofSeconds(10)).until(() -> brokers.handedBackResponses() > 0
                        || transport.depth("outpost-client-ops").orElse(0) + transport.inFlight("outpost-client-ops") == 0);
                // before: the daemon's client took it as an answer matching no call of its own, and the command timed out
                assertThat(brokers.handedBackResponses()).isPositive();
            } finally {
                for (int i = owned.size() - 1; i >= 0; i--) {
                    owned.get(i).close();
                }
            }
        }
    }
}
