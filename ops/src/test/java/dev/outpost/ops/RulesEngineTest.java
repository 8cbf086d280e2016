package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RulesEngineTest {
    /** A clock tests move by hand. */
    static final class TestClock extends Clock {
        volatile Instant now = Instant.parse("2026-12-04T10:00:00Z");
        /** How often it was read: a component's poll loop reads it, so a test can wait for polls to pass. */
        final java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            reads.incrementAndGet();
            return now;
        }

        /** Returns once the clock was read {@code times} more times: that many polls (or more) have looked at it. */
        void awaitReads(int times) {
            long from = reads.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.get() >= from + times);
        }
    }

    final TestClock clock = new TestClock();
    final InMemoryRegistry registry = InMemoryRegistry.create();
    final FakeFleet fleet = new FakeFleet().add("web-1", List.of("web"), Map.of()).add("fw-1", List.of("firewall"), Map.of());
    final List<String> chat = new CopyOnWriteArrayList<>();
    RulesEngine engine;

    /** OCTOBOX's rule: five failed logins from one address block it on the firewall for an hour. */
    static Map<String, String> octobox() {
        Map<String, String> m = new HashMap<>();
        m.put("outpost.ops.rules.block-ip.collector", "auth.failures");
        m.put("outpost.ops.rules.block-ip.when", "count >= 5; ip ~ .");
        m.put("outpost.ops.rules.block-ip.tags", "web");
        m.put("outpost.ops.rules.block-ip.severity", "medium");
        m.put("outpost.ops.rules.block-ip.action", "call");
        m.put("outpost.ops.rules.block-ip.action.collector", "firewall.block");
        m.put("outpost.ops.rules.block-ip.action.target", "tag:firewall");
        m.put("outpost.ops.rules.block-ip.action.params.ip", "${result.ip}");
        m.put("outpost.ops.rules.block-ip.undo.after", "3600s");
        m.put("outpost.ops.rules.block-ip.undo.collector", "firewall.unblock");
        m.put("outpost.ops.rules.block-ip.undo.target", "tag:firewall");
        m.put("outpost.ops.rules.block-ip.undo.params.ip", "${result.ip}");
        m.put("outpost.ops.rules.block-ip.rate", "2/1h");
        m.put("outpost.ops.rules.quarantine.collector", "malware.scan");
        m.put("outpost.ops.rules.quarantine.when", "infected == true");
        m.put("outpost.ops.rules.quarantine.action", "registry");
        m.put("outpost.ops.rules.quarantine.action.key", "ops/quarantine/${host}");
        m.put("outpost.ops.rules.quarantine.action.params.reason", "${result.name}");
        m.put("outpost.ops.rules.poll", "20ms");
        return m;
    }

    RulesEngine engine(Map<String, String> config) {
        engine = RulesEngine.builder(fleet).registry(registry).clock(clock).notifier(chat::add)
                .configure(MapConfig.of(config)).build().start();
        return engine;
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    static Observation failures(String host, int count, String ip) {
        JsonNode r = Json.parse("{\"count\":" + count + ",\"ip\":\"" + ip + "\",\"severity\":\"high\"}");
        return new Observation(host, "auth.failures", Set.of("web"), r);
    }

    @Test
    void aMatchingResultActsAndANonMatchingOneDoesNot() {
        RulesEngine e = engine(octobox());
        assertThat(e.rules()).extracting(Rule::name).containsExactly("block-ip", "quarantine");
        e.offer(failures("web-1", 2, "10.0.0.9"));
        e.offer(new Observation("db-1", "auth.failures", Set.of("db"), Json.parse("{\"count\":9,\"ip\":\"1.2.3.4\",\"severity\":\"high\"}")));
        e.offer(new Observation("web-1", "auth.failures", Set.of("web"), Json.parse("{\"count\":9,\"ip\":\"1.2.3.4\",\"severity\":\"low\"}")));
        e.offer(failures("web-1", 7, "10.0.0.7"));
        await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("observed") == 4);
        assertThat(fleet.calls).containsExactly(new FakeFleet.Call("tag:firewall", "firewall.block", Map.of("ip", "10.0.0.7")));
        assertThat(e.stats()).containsEntry("matched", 1L).containsEntry("fired", 1L);
        assertThat(chat).anyMatch(m -> m.contains("block-ip") && m.contains("10.0.0.7"));

        e.offer(new Observation("web-1", "malware.scan", Set.of(), Json.parse("{\"infected\":true,\"name\":\"EICAR\"}")));
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.get("ops/quarantine/web-1").isPresent());
        assertThat(registry.get("ops/quarantine/web-1").orElseThrow().value().path("reason").asText()).isEqualTo("EICAR");
    }

    @Test
    void theUndoRunsAfterItsDelayEvenAfterARestart() throws Exception {
        RulesEngine first = engine(octobox());
        first.offer(failures("web-1", 5, "10.0.0.5"));
        await().atMost(Duration.ofSeconds(10)).until(() -> first.pendingUndos() == 1 && fleet.calls.size() == 1);
        clock.advance(Duration.ofSeconds(3599));
        first.shutdown().get();
        assertThat(fleet.calls).hasSize(1);

        RulesEngine second = engine(octobox());
        clock.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.calls.size() == 2);
        assertThat(fleet.calls.get(1)).isEqualTo(new FakeFleet.Call("tag:firewall", "firewall.unblock", Map.of("ip", "10.0.0.5")));
        await().atMost(Duration.ofSeconds(10)).until(() -> second.pendingUndos() == 0);
        assertThat(second.stats()).containsEntry("undone", 1L);
        clock.advance(Duration.ofHours(2));
        // a marker observation behind which any repeated undo would have run
        second.offer(failures("web-1", 1, "0.0.0.0"));
        await().atMost(Duration.ofSeconds(10)).until(() -> second.stats().get("observed") == 1);
        assertThat(fleet.calls).as("the undo runs once").hasSize(2);
    }

    @Test
    void theRateLimitHolds() {
        RulesEngine e = engine(octobox());
        for (int i = 0; i < 5; i++) {
            e.offer(failures("web-1", 9, "10.0.1." + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("observed") == 5);
        assertThat(fleet.calls).hasSize(2);
        assertThat(e.stats()).containsEntry("rate-limited", 3L);
        clock.advance(Duration.ofHours(1));
        e.offer(failures("web-1", 9, "10.0.2.1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.calls.contains(
                new FakeFleet.Call("tag:firewall", "firewall.block", Map.of("ip", "10.0.2.1"))));
    }

    @Test
    void dryRunActsOnNothing() {
        Map<String, String> c = octobox();
        c.put("outpost.ops.rules.dry-run", "true");
        RulesEngine e = engine(c);
        e.offer(failures("web-1", 9, "10.0.0.1"));
        e.offer(new Observation("web-1", "malware.scan", Set.of(), Json.parse("{\"infected\":true,\"name\":\"x\"}")));
        await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("dry-run") == 2);
        assertThat(fleet.calls).isEmpty();
        assertThat(registry.list("ops/")).isEmpty();
        assertThat(e.pendingUndos()).isZero();
        assertThat(chat).anyMatch(m -> m.startsWith("[dry-run] rule block-ip on web-1 would: call firewall.block on tag:firewall")
                && m.contains("10.0.0.1"));
    }

    @Test
    void badRulesAreRefusedWithKeyValueAndSource() {
        Map<String, String> c = octobox();
        c.put("outpost.ops.rules.block-ip.when", "count => 5");
        c.put("outpost.ops.rules.block-ip.severity", "urgent");
        c.put("outpost.ops.rules.block-ip.rate", "lots");
        c.put("outpost.ops.rules.quarantine.action", "explode");
        c.put("outpost.ops.rules.Bad_Name.collector", "x");
        c.put("outpost.ops.rules.quarantine.colector", "x");
        assertThatThrownBy(() -> RulesEngine.builder(fleet).registry(registry).configure(MapConfig.of(c)).build())
                .isInstanceOf(ConfigException.class)
                .satisfies(ex -> assertThat(((ConfigException) ex).problems()).extracting(ConfigException.Problem::key)
                        .contains("outpost.ops.rules.block-ip.when", "outpost.ops.rules.block-ip.severity",
                                "outpost.ops.rules.block-ip.rate", "outpost.ops.rules.quarantine.action",
                                "outpost.ops.rules.Bad_Name.collector", "outpost.ops.rules.quarantine.colector"))
                .hasMessageContaining("'count => 5'").hasMessageContaining("test.yaml");
        assertThatThrownBy(() -> RulesEngine.builder(fleet).configure(MapConfig.of(octobox())).build())
                .hasMessageContaining("needs a registry");
    }

    @Test
    void aTargetThatIsNoSelectorIsRefusedAtBuildNotWhenTheRuleFires() {
        // it was taken, and each firing failed (counted, logged): the address was never blocked, the undo never done
        Map<String, String> c = octobox();
        c.put("outpost.ops.rules.block-ip.action.target", "tag:firewall and (");
        c.put("outpost.ops.rules.block-ip.undo.target", "tag:${result.zone} or");
        assertThatThrownBy(() -> RulesEngine.builder(fleet).registry(registry).configure(MapConfig.of(c)).build())
                .isInstanceOf(ConfigException.class)
                .satisfies(ex -> assertThat(((ConfigException) ex).problems()).extracting(ConfigException.Problem::key)
                        .containsExactlyInAnyOrder("outpost.ops.rules.block-ip.action.target", "outpost.ops.rules.block-ip.undo.target"))
                .hasMessageContaining("'tag:firewall and ('").hasMessageContaining("test.yaml");
        Map<String, String> fine = octobox();
        fine.put("outpost.ops.rules.block-ip.action.target", "tag:${result.zone} and not id:${host}");
        fine.put("outpost.ops.rules.block-ip.undo.target", "id:fw-*");
        assertThat(RulesEngine.builder(fleet).registry(registry).configure(MapConfig.of(fine)).build().rules()).hasSize(2);
    }

    @Test
    void aConditionSplitsAtItsFirstOperatorSoAValueMayHoldOne() {
        Map<String, String> c = octobox();
        c.put("outpost.ops.rules.block-ip.when", "cmd ~ 2>&1; url ~ a==b; count >= 5; note != x<y");
        RulesEngine e = RulesEngine.builder(fleet).registry(registry).configure(MapConfig.of(c)).build();
        assertThat(e.rules()).filteredOn(r -> r.name().equals("block-ip")).singleElement()
                .satisfies(r -> assertThat(r.conditions()).containsExactly(new Rule.Condition("cmd", "~", "2>&1"),
                        new Rule.Condition("url", "~", "a==b"), new Rule.Condition("count", ">=", "5"),
                        new Rule.Condition("note", "!=", "x<y")));
    }

    @Test
    void aMistypedRuleKeyIsNamedWithoutItsValue() {
        // rule keys are not showable (OutpostConfig.redacted() masks them): a parameter may be a token
        Map<String, String> c = octobox();
        c.put("outpost.ops.rules.block-ip.action.param.api-token", "tok-hunter2");
        c.put("outpost.ops.rules.Bad_Name.action.params.password", "pw-hunter2");
        assertThatThrownBy(() -> RulesEngine.builder(fleet).registry(registry).configure(MapConfig.of(c)).build())
                .isInstanceOf(ConfigException.class)
                .satisfies(ex -> assertThat(((ConfigException) ex).problems()).extracting(ConfigException.Problem::key)
                        .contains("outpost.ops.rules.block-ip.action.param.api-token",
                                "outpost.ops.rules.Bad_Name.action.params.password"))
                .hasMessageContaining("test.yaml").hasMessageNotContaining("hunter2");
    }

    @Test
    void durationsTooLongToAddToTheClockAreRefusedAtBuild() {
        // each would throw at every firing (the clock cannot reach it) or spin the loop (a poll past 292 years)
        Map<String, String> c = octobox();
        c.put("outpost.ops.rules.block-ip.undo.after", "1000000000000d");
        c.put("outpost.ops.rules.block-ip.rate", "1/1000000000000d");
        c.put("outpost.ops.rules.poll", "200000d");
        assertThatThrownBy(() -> RulesEngine.builder(fleet).registry(registry).configure(MapConfig.of(c)).build())
                .isInstanceOf(ConfigException.class)
                .satisfies(ex -> assertThat(((ConfigException) ex).problems()).extracting(ConfigException.Problem::key)
                        .contains("outpost.ops.rules.block-ip.undo.after", "outpost.ops.rules.block-ip.rate",
                                "outpost.ops.rules.poll"));
        Rule inCode = new Rule("forever", "auth.failures", List.of(), Set.of(), java.util.Optional.empty(),
                new Rule.Action(Rule.Kind.NOTIFY, "", "self", Map.of(), "", "x"), java.util.Optional.empty(), 1,
                Duration.ofDays(1_000_000_000_000L), false);
        assertThatThrownBy(() -> RulesEngine.builder(fleet).rule(inCode).build()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("outpost.ops.rules.forever.rate");
    }

    @Test
    void aRuleInCodeThatCouldNeverFireIsRefusedAtBuild() {
        // at most 0 (or -1) firings per window: it built, matched, and every match was counted rate-limited, in silence
        for (int max : new int[] {0, -1}) {
            Rule never = new Rule("never", "auth.failures", List.of(), Set.of(), java.util.Optional.empty(),
                    new Rule.Action(Rule.Kind.NOTIFY, "", "self", Map.of(), "", "x"), java.util.Optional.empty(), max,
                    Duration.ofHours(1), false);
            assertThatThrownBy(() -> RulesEngine.builder(fleet).rule(never).build()).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("outpost.ops.rules.never.rate").hasMessageContaining("at least 1");
        }
    }

    @Test
    void anErrorFromAnActionDoesNotStopTheEngine() {
        Fleet failing = new FakeFleet() {
            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
                if (params.get("ip").equals("6.6.6.6")) {
                    throw new StackOverflowError("collector exploded");
                }
                return super.call(selector, collector, params, timeout);
            }
        };
        engine = RulesEngine.builder(failing).registry(registry).clock(clock).configure(MapConfig.of(octobox())).build().start();
        engine.offer(failures("web-1", 9, "6.6.6.6"));
        engine.offer(failures("web-1", 9, "7.7.7.7"));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.stats().get("observed") == 2);
        assertThat(engine.stats().get("failures")).isEqualTo(1L);
        assertThat(((FakeFleet) failing).calls).extracting(FakeFleet.Call::params).containsExactly(Map.of("ip", "7.7.7.7"));
    }

    @Test
    void aHostsValueCannotWidenASelectorOrWriteAnotherKey() {
        Map<String, String> m = new HashMap<>();
        m.put("outpost.ops.rules.isolate.collector", "peer.check");
        m.put("outpost.ops.rules.isolate.when", "bad == true");
        m.put("outpost.ops.rules.isolate.action", "call");
        m.put("outpost.ops.rules.isolate.action.collector", "net.isolate");
        m.put("outpost.ops.rules.isolate.action.target", "id:${result.peer}");
        m.put("outpost.ops.rules.mark.collector", "peer.check");
        m.put("outpost.ops.rules.mark.when", "bad == true");
        m.put("outpost.ops.rules.mark.action", "registry");
        m.put("outpost.ops.rules.mark.action.key", "ops/bad-peers/${result.peer}");
        m.put("outpost.ops.rules.mark.action.params.by", "${host}");
        m.put("outpost.ops.rules.poll", "20ms");
        RulesEngine e = engine(m);
        registry.register("fleet/hosts/web-1", Json.parse("{\"id\":\"web-1\"}"), java.util.Optional.empty());
        for (String hostile : List.of("x or all", "*", "../../fleet/hosts/web-1", "")) {
            e.offer(new Observation("web-1", "peer.check", Set.of(), Json.object().put("bad", true).put("peer", hostile)));
        }
        e.offer(new Observation("web-1", "peer.check", Set.of(), Json.object().put("bad", true).put("peer", "db-7")));
        await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("observed") == 5);
        assertThat(fleet.calls).as("only the plain name was acted on")
                .containsExactly(new FakeFleet.Call("id:db-7", "net.isolate", Map.of()));
        assertThat(registry.list("ops/bad-peers/")).extracting(dev.outpost.spi.RegistryEntry::key).containsExactly("ops/bad-peers/db-7");
        assertThat(registry.get("fleet/hosts/web-1").orElseThrow().version()).isEqualTo(1);
        assertThat(e.stats()).containsEntry("refused", 8L).containsEntry("fired", 2L);
        assertThat(chat).anyMatch(line -> line.contains("isolate") && line.contains("not run") && line.contains("x or all"));
    }

    @Test
    void aHostsValueOfAllCannotBecomeTheWholeSelector() {
        Map<String, String> m = new HashMap<>();
        m.put("outpost.ops.rules.isolate.collector", "peer.check");
        m.put("outpost.ops.rules.isolate.when", "bad == true");
        m.put("outpost.ops.rules.isolate.action", "call");
        m.put("outpost.ops.rules.isolate.action.collector", "net.isolate");
        m.put("outpost.ops.rules.isolate.action.target", "${result.peer}");
        m.put("outpost.ops.rules.poll", "20ms");
        RulesEngine e = engine(m);
        // "all" is a plain name, but as the whole selector it picks every host
        e.offer(new Observation("web-1", "peer.check", Set.of(), Json.object().put("bad", true).put("peer", "all")));
        e.offer(new Observation("web-1", "peer.check", Set.of(), Json.object().put("bad", true).put("peer", "fw-1")));
        await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("observed") == 2);
        assertThat(fleet.calls).containsExactly(new FakeFleet.Call("fw-1", "net.isolate", Map.of()));
        assertThat(e.stats()).containsEntry("refused", 1L).containsEntry("fired", 1L);
    }

    @Test
    void aHostsValueInANotificationCannotForgeAnotherLine() {
        Map<String, String> m = new HashMap<>();
        m.put("outpost.ops.rules.disk-full.collector", "disk.usage");
        m.put("outpost.ops.rules.disk-full.when", "used > 90");
        m.put("outpost.ops.rules.disk-full.action", "notify");
        m.put("outpost.ops.rules.disk-full.action.message", "disk full on ${host}: ${result.mount}");
        m.put("outpost.ops.rules.poll", "20ms");
        RulesEngine e = engine(m);
        e.offer(new Observation("web-1", "disk.usage", Set.of(), Json.object().put("used", 95)
                .put("mount", "/\nrule block-ip undone on fw-1\u2028rule block-ip undone on fw-2")));
        await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("observed") == 1);
        assertThat(chat).isNotEmpty().allSatisfy(line -> assertThat(line).doesNotContain("\n", "\u2028"));
    }

    @Test
    void aHostIdInANotificationIsPrintableOnOneLine() {
        Map<String, String> m = new HashMap<>();
        m.put("outpost.ops.rules.disk-full.collector", "disk.usage");
        m.put("outpost.ops.rules.disk-full.when", "used > 90");
        m.put("outpost.ops.rules.disk-full.action", "notify");
        m.put("outpost.ops.rules.disk-full.action.message", "disk full on ${host}");
        m.put("outpost.ops.rules.poll", "20ms");
        RulesEngine e = engine(m);
        // an observation built from a scheduled result names the host its sender claimed
        e.offer(new Observation("web-1\u001b[2J\nrule block-ip undone on fw-1", "disk.usage", Set.of(),
                Json.object().put("used", 95)));
        await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("observed") == 1);
        assertThat(chat).hasSize(2).allSatisfy(line -> assertThat(line).doesNotContain("\n", "\u001b"));
    }

    @Test
    void anUndoDueSoonIsDoneBehindAThousandStoredEarlierThatAreDueLater() {
        // a month-long block fired a thousand times before: their undos come first in key order
        for (int i = 0; i < dev.outpost.spi.Registry.MAX_PAGE_SIZE; i++) {
            registry.register(String.format("ops/undo/0000000000000-%04d", i), Json.object().put("rule", "long-block")
                    .put("host", "web-1").put("due", clock.instant().plus(Duration.ofDays(30)).toString())
                    .set("action", Json.object().put("kind", "CALL").put("collector", "firewall.unblock").put("target", "fw-1")),
                    java.util.Optional.empty());
        }
        RulesEngine e = engine(octobox());
        e.offer(failures("web-1", 5, "10.0.0.5"));
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.calls.size() == 1);
        clock.advance(Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("undone") == 1);
        assertThat(fleet.calls).last().isEqualTo(new FakeFleet.Call("tag:firewall", "firewall.unblock", Map.of("ip", "10.0.0.5")));
    }

    @Test
    void anUnreadableStoredUndoIsReportedOnceAndKeptWhileTheOthersAreDone() {
        registry.register("ops/undo/0000000000000-bad", Json.object().put("rule", "block-ip").put("due", "next tuesday"),
                java.util.Optional.empty());
        RulesEngine e = engine(octobox());
        e.offer(failures("web-1", 5, "10.0.0.5"));
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.calls.size() == 1);
        clock.advance(Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("undone") == 1);
        long handled = e.stats().get("observed");
        // more polls: before, every poll logged the same warning again
        for (int i = 0; i < 5; i++) {
            e.offer(new Observation("web-9", "disk.usage", Set.of(), Json.object()));
            long want = handled + i + 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("observed") == want);
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(e.stats()).containsEntry("unreadable", 1L);
        assertThat(e.pendingUndos()).as("left stored for an operator").isEqualTo(1);
    }

    @Test
    void refusedFiringsDoNotUseUpTheRateOfTheRule() {
        Map<String, String> m = new HashMap<>();
        m.put("outpost.ops.rules.isolate.collector", "peer.check");
        m.put("outpost.ops.rules.isolate.when", "bad == true");
        m.put("outpost.ops.rules.isolate.action", "call");
        m.put("outpost.ops.rules.isolate.action.collector", "net.isolate");
        m.put("outpost.ops.rules.isolate.action.target", "id:${result.peer}");
        m.put("outpost.ops.rules.isolate.rate", "2/1h");
        m.put("outpost.ops.rules.poll", "20ms");
        RulesEngine e = engine(m);
        // one host's values that are refused must not keep the rule from acting on another's
        for (int i = 0; i < 5; i++) {
            e.offer(new Observation("web-6", "peer.check", Set.of(), Json.object().put("bad", true).put("peer", "x or all")));
        }
        e.offer(new Observation("web-1", "peer.check", Set.of(), Json.object().put("bad", true).put("peer", "db-7")));
        await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("observed") == 6);
        assertThat(fleet.calls).containsExactly(new FakeFleet.Call("id:db-7", "net.isolate", Map.of()));
        assertThat(e.stats()).containsEntry("refused", 5L).containsEntry("fired", 1L).containsEntry("rate-limited", 0L);
        assertThat(chat).as("refusals are announced within the rule's rate").filteredOn(l -> l.contains("not run")).hasSize(2);
    }

    @Test
    void anUndoWhoseCallThrowsStaysStoredAndIsDoneOnceTheFleetAnswersAgain() {
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        FakeFleet flaky = new FakeFleet() {
            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
                if (down.get()) {
                    throw new IllegalStateException("transport down");
                }
                return super.call(selector, collector, params, timeout);
            }
        }.add("web-1", List.of("web"), Map.of()).add("fw-1", List.of("firewall"), Map.of());
        engine = RulesEngine.builder(flaky).registry(registry).clock(clock).configure(MapConfig.of(octobox())).build().start();
        engine.offer(failures("web-1", 5, "10.0.0.5"));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.pendingUndos() == 1 && flaky.calls.size() == 1);
        down.set(true);
        clock.advance(Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.stats().get("failures") >= 1);
        // counted before the undo is stored again (a logged warning between): that poll is over once the clock is read twice more
        clock.awaitReads(2);
        // before: the undo was claimed (deleted) and then lost, so the address stayed blocked for good
        assertThat(engine.pendingUndos()).as("the undo is kept for the next try").isEqualTo(1);

        down.set(false);
        clock.advance(RulesEngine.MAX_UNDO_PAUSE); // a failed undo waits a doubling pause before its next try
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.pendingUndos() == 0 && engine.stats().get("undone") == 1);
        assertThat(flaky.calls).last().isEqualTo(new FakeFleet.Call("tag:firewall", "firewall.unblock", Map.of("ip", "10.0.0.5")));
    }

    @Test
    void anUndoAHostDoesNotAnswerOkIsKeptAndTriedAgainAfterADoublingPauseNotEveryPoll() {
        java.util.concurrent.atomic.AtomicBoolean offline = new java.util.concurrent.atomic.AtomicBoolean();
        FakeFleet fw = new FakeFleet() {
            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
                List<HostAnswer> answers = super.call(selector, collector, params, timeout);
                return offline.get() ? answers.stream().map(a -> new HostAnswer(a.host(), false, Json.object().put("status", "no-reply")))
                        .toList() : answers;
            }
        }.add("web-1", List.of("web"), Map.of()).add("fw-1", List.of("firewall"), Map.of());
        engine = RulesEngine.builder(fw).registry(registry).clock(clock).configure(MapConfig.of(octobox())).build().start();
        engine.offer(failures("web-1", 5, "10.0.0.5"));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.pendingUndos() == 1 && fw.calls.size() == 1);
        offline.set(true);
        clock.advance(Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> fw.calls.size() == 2);
        // the firewall did not answer: before, the undo counted as done and the address stayed blocked for good
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.pendingUndos() == 1);
        assertThat(engine.stats()).containsEntry("undone", 0L);
        // not due again until its pause is over, however many polls pass
        clock.awaitReads(20);
        assertThat(fw.calls).hasSize(2);

        offline.set(false);
        clock.advance(RulesEngine.MAX_UNDO_PAUSE);
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.pendingUndos() == 0 && engine.stats().get("undone") == 1);
        assertThat(fw.calls).hasSize(3).last().isEqualTo(new FakeFleet.Call("tag:firewall", "firewall.unblock", Map.of("ip", "10.0.0.5")));
    }

    @Test
    void aFailedUndoTheRegistryCannotTakeBackIsKeptUntilItCan() {
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        FakeFleet fw = partitionedFleet(down);
        // a partition: the firewall does not answer the undo, and the registry will not take it back either
        dev.outpost.spi.Registry partitioned = partitioned(down);
        engine = RulesEngine.builder(fw).registry(partitioned).clock(clock).configure(MapConfig.of(octobox())).build().start();
        engine.offer(failures("web-1", 5, "10.0.0.5"));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.pendingUndos() == 1 && fw.calls.size() == 1);
        down.set(true);
        clock.advance(Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> fw.calls.size() == 2);
        clock.awaitReads(2); // that poll is over: the undo was claimed, failed, and could not be stored again
        assertThat(engine.pendingUndos()).isZero();

        down.set(false);
        clock.awaitReads(2);
        // before: it was gone, and the address stayed blocked for good
        assertThat(engine.pendingUndos()).as("stored again once the registry answers").isEqualTo(1);
        clock.advance(RulesEngine.MAX_UNDO_PAUSE);
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.pendingUndos() == 0 && engine.stats().get("undone") == 1);
        assertThat(fw.calls).hasSize(3).last().isEqualTo(new FakeFleet.Call("tag:firewall", "firewall.unblock", Map.of("ip", "10.0.0.5")));
    }

    @Test
    void anUndoTheRegistryStillRefusesWhenTheEngineStopsIsReportedNotSilentlyLost() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        FakeFleet fw = partitionedFleet(down);
        dev.outpost.spi.Registry partitioned = partitioned(down);
        engine = RulesEngine.builder(fw).registry(partitioned).clock(clock).notifier(chat::add)
                .configure(MapConfig.of(octobox())).build().start();
        engine.offer(failures("web-1", 5, "10.0.0.5"));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.pendingUndos() == 1 && fw.calls.size() == 1);
        down.set(true);
        clock.advance(Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> fw.calls.size() == 2);
        clock.awaitReads(2); // the undo was claimed, failed, and is held by the engine alone

        dev.outpost.ShutdownResult stopped = engine.shutdown().get(15, java.util.concurrent.TimeUnit.SECONDS);

        // before: the engine stopped clean and said nothing, and the address stayed blocked for good
        assertThat(engine.pendingUndos()).isZero();
        assertThat(stopped.clean()).as("an undo was left undone").isFalse();
        assertThat(engine.stats()).containsEntry("undos-lost", 1L);
        assertThat(chat).anyMatch(m -> m.startsWith("rule block-ip on web-1: its undo was lost")
                && m.contains("call firewall.unblock on tag:firewall") && m.contains("10.0.0.5"));
    }

    /** A web host and a firewall that stops answering while {@code down} is set: one side of a partition. */
    private static FakeFleet partitionedFleet(java.util.concurrent.atomic.AtomicBoolean down) {
        return new FakeFleet() {
            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
                List<HostAnswer> answers = super.call(selector, collector, params, timeout);
                return down.get() ? answers.stream().map(a -> new HostAnswer(a.host(), false, Json.object().put("status", "no-reply")))
                        .toList() : answers;
            }
        }.add("web-1", List.of("web"), Map.of()).add("fw-1", List.of("firewall"), Map.of());
    }

    /** The test's registry, refusing writes while {@code down} is set: the other side. */
    private dev.outpost.spi.Registry partitioned(java.util.concurrent.atomic.AtomicBoolean down) {
        return new dev.outpost.spi.ForwardingRegistry(registry) {
            @Override
            public dev.outpost.spi.RegistryEntry register(String key, JsonNode value, java.util.Optional<Duration> ttl) {
                if (down.get()) {
                    throw new IllegalStateException("registry unreachable");
                }
                return super.register(key, value, ttl);
            }
        };
    }
}
