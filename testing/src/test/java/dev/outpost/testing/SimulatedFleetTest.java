package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.core.Worker;
import dev.outpost.fleet.Discovery;
import dev.outpost.fleet.Fleet;
import dev.outpost.fleet.FleetCall;
import dev.outpost.fleet.FleetRequest;
import dev.outpost.fleet.FleetSummary;
import dev.outpost.fleet.HostResult;
import dev.outpost.fleet.Outcome;
import dev.outpost.fleet.Route;
import dev.outpost.fleet.Selector;
import dev.outpost.spi.Collector;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** 1,000 workers in one JVM: slow, failing, stopped and killed ones; every summary accounts for every expected host once. */
class SimulatedFleetTest {
    @Test
    void everySummaryAccountsForEveryExpectedHostExactlyOnce() {
        TestFleet.Builder b = TestFleet.builder().hosts(1000).collector(Collector.of("app.work", (r, c) -> Map.of("ok", true)));
        for (int i = 1; i <= 1000; i++) {
            String id = String.format("host-%03d", i);
            if (i % 50 == 1) {
                b.fault(id, Fault.slow(Duration.ofMinutes(5)));
            } else if (i % 50 == 2) {
                b.fault(id, Fault.fail());
            } else if (i % 50 == 3) {
                b.fault(id, Fault.crashBeforeAck().when(r -> r.params().path("round").asInt() == 2));
            } else if (i % 50 == 4) {
                b.fault(id, Fault.duplicateReply());
            }
            b.tags(id, i % 2 == 0 ? "even" : "odd");
        }
        try (TestFleet hosts = b.build().start(); Fleet fleet = hosts.fleet().build().start()) {
            Discovery all = fleet.discover(Selector.all());
            assertThat(all.hosts()).hasSize(1000);
            // stopped after discovery: expected, gone from the inventory, requests wait in their queues
            for (int i = 5; i <= 1000; i += 50) {
                hosts.stop(String.format("host-%03d", i));
            }
            int round = 0;
            for (Route route : List.of(Route.TOPIC, Route.DIRECT)) {
                round++;
                Map<String, AtomicInteger> heard = new ConcurrentHashMap<>();
                FleetCall call = fleet.call(FleetRequest.builder("app.work").param("round", round).route(route)
                        .deadline(Duration.ofSeconds(30)).listener(r -> heard.computeIfAbsent(r.host(), k -> new AtomicInteger())
                                .incrementAndGet()).build(), all);
                int settledOnTheirOwn = round == 1 ? 1000 - 20 - 20 : 1000 - 20 - 20 - 20;
                await().atMost(Duration.ofSeconds(60)).until(() -> call.results().size() >= settledOnTheirOwn);
                // and the slow and the killed hosts took their request: one still queued at the deadline is 'expired', not
                // 'no-reply' (on a busy machine a host could be that late, and the counts below be off by it)
                int r = round;
                await().atMost(Duration.ofSeconds(60)).until(() -> hosts.ids().stream().filter(id -> {
                    int n = Integer.parseInt(id.substring(5)) % 50;
                    return n == 1 || n == 3 && r == 2;
                }).allMatch(id -> hosts.runs().getOrDefault(id, 0) >= r));
                hosts.advance(Duration.ofSeconds(31));
                FleetSummary s = call.summary().join();
                assertThat(s.results()).hasSize(1000);
                assertThat(s.results().keySet()).containsExactlyElementsOf(all.ids());
                await().until(() -> heard.size() == 1000);
                assertThat(heard.values()).allMatch(n -> n.get() == 1);
                Map<Outcome, Integer> c = s.counts();
                assertThat(c.get(Outcome.ERROR)).isEqualTo(20);
                assertThat(c.get(Outcome.NO_REPLY)).as("slow, and killed in round 2").isEqualTo(round == 1 ? 20 : 40);
                assertThat(c.get(Outcome.EXPIRED)).as("stopped").isEqualTo(20);
                assertThat(c.get(Outcome.OK)).isEqualTo(1000 - 20 - 20 - (round == 1 ? 20 : 40));
                assertThat(c.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(1000);
                assertThat(s.duplicates() + call.lateAnswers()).as("duplicate replies are counted apart").isPositive();
                assertThat(s.results().values()).extracting(HostResult::host).doesNotHaveDuplicates();
            }
            // a targeted topic broadcast: the 500 even hosts ack it quietly, with no answer and no dead-letter copy
            FleetCall odd = fleet.call(FleetRequest.builder("app.work").param("round", 3).target(Selector.tag("odd"))
                    .route(Route.TOPIC).deadline(Duration.ofSeconds(30)).build());
            List<String> even = hosts.ids().stream().filter(id -> Integer.parseInt(id.substring(5)) % 2 == 0).toList();
            await().atMost(Duration.ofSeconds(60)).until(() -> even.stream()
                    .mapToLong(id -> hosts.worker(id).status().refusals().getOrDefault("not-selected", 0L)).sum() == 500);
            hosts.advance(Duration.ofSeconds(31));
            FleetSummary s = odd.summary().join();
            assertThat(s.results().keySet()).noneMatch(even::contains);
            assertThat(s.unexpected()).isZero();
            // (the odd hosts' own copies, e.g. of the slow hosts' expired requests, are theirs to keep)
            assertThat(hosts.transport().peek(Worker.DEFAULT_DEAD_LETTER)).extracting(m -> m.attributes().get("outpost-worker"))
                    .noneMatch(even::contains);
        }
    }
}
