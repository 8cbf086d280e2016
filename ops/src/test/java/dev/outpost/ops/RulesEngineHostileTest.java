package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.outpost.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rules acting on what hostile hosts answer. */
class RulesEngineHostileTest {

    /** A fleet whose every host answers a call with a failure whose text is {@code body}. */
    static final class FailingFleet extends FakeFleet {
        final JsonNode body;

        FailingFleet(JsonNode body) {
            this.body = body;
        }

        @Override
        public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
            calls.add(new Call(selector, collector, Map.copyOf(params)));
            List<HostAnswer> out = new ArrayList<>();
            for (Server s : select(selector)) {
                out.add(new HostAnswer(s.id(), false, body));
            }
            return out;
        }
    }

    private static Rule blockOnFirewall() {
        return new Rule("block-ip", "auth.failures", List.of(new Rule.Condition("count", ">=", "5")), Set.of(), Optional.empty(),
                new Rule.Action(Rule.Kind.CALL, "firewall.block", "tag:firewall", Map.of("ip", "${result.ip}"), "", ""),
                Optional.empty(), Integer.MAX_VALUE, Duration.ofHours(1), false);
    }

    /**
     * Before: a failed host's whole answer went to the log as it came: a megabyte a line, and a U+2028 or a
     * bidirectional override in it (JSON leaves those unescaped) forged or reordered what an operator reads.
     */
    @Test
    void aFailedHostsAnswerIsLoggedClippedOnOnePrintableLine() {
        String hostile = "x".repeat(200_000) + "\u2028INFO admin logged in \u202Egnp.exe";
        FailingFleet fleet = new FailingFleet(JsonNodeFactory.instance.objectNode().put("error", "boom").put("message", hostile));
        fleet.add("fw-1", List.of("firewall"), Map.of());
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(RulesEngine.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try (RulesEngine e = RulesEngine.builder(fleet).rule(blockOnFirewall()).notifier(m -> { }).build().start()) {
            e.offer(new Observation("web-1", "auth.failures", Set.of(), Json.parse("{\"count\":9,\"ip\":\"10.0.0.9\"}")));
            await().atMost(Duration.ofSeconds(10)).until(e::idle);
            assertThat(e.stats()).containsEntry("failures", 1L);
        } finally {
            log.detachAppender(logged);
        }
        List<String> lines = logged.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("fw-1")).toList();
        assertThat(lines).singleElement().satisfies(m -> {
            assertThat(m).contains("firewall.block").doesNotContain("\u2028", "\u202E", "\n");
            assertThat(m.length()).isLessThan(2_000);
        });
    }

    /**
     * Before: an Error from the registry as a failed undo was stored again left the engine's poll after the undo was
     * claimed (deleted) and before the engine kept it: the undo was gone, and the address stayed blocked for good.
     */
    @Test
    void aFailedUndoTheRegistryThrowsAnErrorOnIsKeptUntilItTakesItBack() {
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        FakeFleet fw = new FakeFleet() {
            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
                List<HostAnswer> answers = super.call(selector, collector, params, timeout);
                return down.get() ? answers.stream().map(a -> new HostAnswer(a.host(), false, Json.object().put("status", "no-reply")))
                        .toList() : answers;
            }
        }.add("web-1", List.of("web"), Map.of()).add("fw-1", List.of("firewall"), Map.of());
        dev.outpost.core.registry.InMemoryRegistry registry = dev.outpost.core.registry.InMemoryRegistry.create();
        dev.outpost.spi.Registry broken = new dev.outpost.spi.ForwardingRegistry(registry) {
            @Override
            public dev.outpost.spi.RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
                if (down.get()) {
                    throw new AssertionError("a bug in the registry's driver");
                }
                return super.register(key, value, ttl);
            }
        };
        RulesEngineTest.TestClock clock = new RulesEngineTest.TestClock();
        try (RulesEngine engine = RulesEngine.builder(fw).registry(broken).clock(clock)
                .configure(MapConfig.of(RulesEngineTest.octobox())).build().start()) {
            engine.offer(RulesEngineTest.failures("web-1", 5, "10.0.0.5"));
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.pendingUndos() == 1 && fw.calls.size() == 1);
            down.set(true);
            clock.advance(Duration.ofHours(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> fw.calls.size() == 2);
            clock.awaitReads(2); // the undo was claimed, failed, and could not be stored again
            down.set(false);
            clock.awaitReads(2);
            assertThat(engine.pendingUndos()).as("stored again once the registry takes it").isEqualTo(1);
            clock.advance(RulesEngine.MAX_UNDO_PAUSE);
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.pendingUndos() == 0 && engine.stats().get("undone") == 1);
        }
    }

    /**
     * Before: any Duration was taken, and every call action of the engine then failed at run time: a zero or negative
     * one as a deadline the fleet refuses, one past 292 million years in OutpostFleet's millisecond arithmetic.
     */
    @Test
    void aCallTimeoutThatNoCallCouldWaitIsRefusedWhenSet() {
        RulesEngine.Builder b = RulesEngine.builder(new FakeFleet());
        for (Duration bad : List.of(Duration.ZERO, Duration.ofSeconds(-1), Duration.ofSeconds(Long.MAX_VALUE), Duration.ofDays(3651))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.callTimeout(bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 3650d");
        }
        assertThat(b.callTimeout(Duration.ofDays(3650))).isSameAs(b);
    }

    /**
     * Before: an undo whose due time is unreadable was logged under its key as stored, and the key is whatever its
     * writer chose (a registry key refuses controls, not U+2028 or bidi overrides): the warning forged a log line.
     */
    @Test
    void anUnreadableUndosKeyIsLoggedOnOnePrintableLine() {
        dev.outpost.core.registry.InMemoryRegistry registry = dev.outpost.core.registry.InMemoryRegistry.create();
        registry.register("ops/undo/x\u2028ERROR admin logged in\u202E", Json.object().put("due", "soon"), Optional.empty());
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(RulesEngine.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try (RulesEngine e = RulesEngine.builder(new FakeFleet()).registry(registry).poll(Duration.ofMillis(20)).build().start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("unreadable") == 1);
        } finally {
            log.detachAppender(logged);
        }
        assertThat(logged.list).filteredOn(ev -> ev.getFormattedMessage().contains("unreadable")).singleElement()
                .satisfies(ev -> assertThat(ev.getFormattedMessage()).contains("x?ERROR admin logged in?")
                        .doesNotContain("\u2028", "\u202E"));
    }
}
