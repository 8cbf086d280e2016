package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Undos read back from the registry are checked against the engine's own rules before anything is called. */
class StoredUndoTest {
    final RulesEngineTest.TestClock clock = new RulesEngineTest.TestClock();
    final InMemoryRegistry registry = InMemoryRegistry.create();
    final FakeFleet fleet = new FakeFleet().add("web-1", List.of("web"), Map.of()).add("fw-1", List.of("firewall"), Map.of());
    RulesEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    /** An undo as the engine stores it for block-ip, due now. */
    ObjectNode blockIpUndo() {
        ObjectNode rec = Json.object().put("rule", "block-ip").put("host", "web-1").put("due", clock.now.toString());
        ObjectNode a = rec.putObject("action").put("kind", "CALL").put("collector", "firewall.unblock").put("target", "tag:firewall")
                .put("key", "").put("message", "");
        a.putObject("params").put("ip", "10.0.0.7");
        return rec;
    }

    void put(String name, ObjectNode rec) {
        registry.register("ops/undo/" + name, rec, Optional.empty());
    }

    @Test
    void aForgedUndoIsRejectedWithItsReasonAndNothingIsCalled() {
        put("unknown-rule", (ObjectNode) blockIpUndo().put("rule", "nope"));
        ObjectNode other = blockIpUndo();
        ((ObjectNode) other.path("action")).put("collector", "shell.exec");
        put("other-collector", other);
        ObjectNode wider = blockIpUndo();
        ((ObjectNode) wider.path("action")).put("target", "all");
        put("wider-target", wider);
        ObjectNode extra = blockIpUndo();
        ((ObjectNode) extra.path("action").path("params")).put("cmd", "rm -rf /");
        put("extra-param", extra);
        ObjectNode huge = blockIpUndo();
        ((ObjectNode) huge.path("action").path("params")).put("ip", "1".repeat(60_000));
        put("huge", huge);
        ObjectNode kind = blockIpUndo();
        ((ObjectNode) kind.path("action")).put("kind", "REGISTRY").put("collector", "").put("key", "fleet/hosts/web-1");
        ((ObjectNode) kind.path("action")).putObject("params");
        put("other-kind", kind);
        ObjectNode host = blockIpUndo().put("host", "web-1\nrule block-ip undone on fw-1");
        put("forged-host", host);
        put("good", blockIpUndo());
        registry.register("fleet/hosts/web-1", Json.object().put("id", "web-1"), Optional.empty());

        engine = RulesEngine.builder(fleet).registry(registry).clock(clock).configure(MapConfig.of(RulesEngineTest.octobox()))
                .build().start();
        clock.awaitReads(2); // a whole poll has looked at the undos, all due

        // before: every one of them was done as stored (a shell.exec call, a call on every host, a registry delete)
        assertThat(fleet.calls).containsExactly(new FakeFleet.Call("tag:firewall", "firewall.unblock", Map.of("ip", "10.0.0.7")));
        assertThat(engine.stats()).containsEntry("undone", 1L).containsEntry("undos-rejected", 7L);
        assertThat(registry.get("fleet/hosts/web-1")).isPresent();
        // left for an operator to read or delete, and reported once, not at every poll
        assertThat(registry.list("ops/undo/")).hasSize(7);
        clock.awaitReads(3);
        assertThat(engine.stats()).containsEntry("undos-rejected", 7L);
    }

    @Test
    void anUndoTheEngineStoredItselfPassesItsCheck() {
        engine = RulesEngine.builder(fleet).registry(registry).clock(clock).configure(MapConfig.of(RulesEngineTest.octobox()))
                .build().start();
        engine.offer(new Observation("web-1", "auth.failures", Set.of("web"),
                Json.parse("{\"count\":9,\"ip\":\"198.51.100.4\",\"severity\":\"high\"}")));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.pendingUndos() == 1);
        clock.advance(Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.stats().get("undone") == 1);
        assertThat(fleet.calls).last().isEqualTo(new FakeFleet.Call("tag:firewall", "firewall.unblock", Map.of("ip", "198.51.100.4")));
        assertThat(engine.stats()).containsEntry("undos-rejected", 0L);
    }
}
