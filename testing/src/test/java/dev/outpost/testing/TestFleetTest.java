package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.fleet.Discovery;
import dev.outpost.fleet.Fleet;
import dev.outpost.fleet.HostRecord;
import dev.outpost.fleet.Route;
import dev.outpost.fleet.Selector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Set;
import dev.outpost.fleet.FleetCall;
import dev.outpost.fleet.FleetRequest;
import dev.outpost.fleet.FleetSummary;
import dev.outpost.fleet.Outcome;
import dev.outpost.spi.Collector;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestFleetTest {
    static final Collector WORK = Collector.of("app.work", (r, c) -> Map.of("done", true));

    @Test
    void everyOutcomeCanBeProvokedInMilliseconds() {
        try (TestFleet hosts = TestFleet.builder().hosts(9).collector(WORK)
                .fault("host-002", Fault.fail())
                .fault("host-003", Fault.dropReply())
                .fault("host-004", Fault.offline(Duration.ofHours(1)))
                .fault("host-005", Fault.duplicateReply())
                .fault("host-006", Fault.delayReply(Duration.ofMinutes(2)))
                .fault("host-007", Fault.slow(Duration.ofSeconds(10)))
                .fault("host-008", Fault.dropRequest())
                .fault("host-009", Fault.duplicateRequest())
                .build().start();
             Fleet fleet = hosts.fleet().build().start()) {
            List<HostRecord> known = new ArrayList<>(fleet.discover(Selector.all()).hosts());
            known.add(new HostRecord("host-404", "", List.of(), Set.of(), Map.of(), Instant.EPOCH)); // no destination known
            hosts.stop("host-004"); // offline and gone from the inventory: its request waits in the queue, then expires
            FleetCall call = fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).deadline(Duration.ofMinutes(1)).build(),
                    new Discovery(Discovery.Source.LIST, known, Duration.ZERO));
            await().until(() -> call.results().size() >= 5);
            assertThat(call.cancel("host-008")).isTrue();
            hosts.advance(Duration.ofSeconds(11)); // the slow one finishes
            await().until(() -> call.results().size() == 7);
            hosts.advance(Duration.ofMinutes(1));
            FleetSummary s = call.summary().join();
            assertThat(s.results()).hasSize(10);
            assertThat(s.hosts(Outcome.OK)).containsExactly("host-001", "host-005", "host-007", "host-009");
            assertThat(s.hosts(Outcome.ERROR)).containsExactly("host-002");
            assertThat(s.hosts(Outcome.NO_REPLY)).containsExactly("host-003", "host-006");
            assertThat(s.hosts(Outcome.EXPIRED)).containsExactly("host-004");
            assertThat(s.hosts(Outcome.CANCELLED)).containsExactly("host-008");
            assertThat(s.hosts(Outcome.NOT_DELIVERED)).containsExactly("host-404");
            await().until(() -> fleet.stats().answers() >= 6);
            hosts.advance(Duration.ofMinutes(2)); // the delayed answer arrives after the summary
            await().until(() -> call.lateAnswers() >= 1);
            assertThat(hosts.runs()).doesNotContainKeys("host-004", "host-008");
        }
    }

    @Test
    void aHostOfflineForAWhileAnswersWhenItComesBackWithinTheTtl() {
        try (TestFleet hosts = TestFleet.builder().hosts(3).collector(WORK).fault("host-003", Fault.offline(Duration.ofMinutes(5)))
                .build().start();
             Fleet fleet = hosts.fleet().build().start()) {
            FleetCall call = fleet.call(FleetRequest.builder("app.work").deadline(Duration.ofMinutes(10)).build());
            await().until(() -> call.results().size() == 2);
            assertThat(fleet.pending()).extracting(p -> p.host()).containsExactly("host-003");
            hosts.advance(Duration.ofMinutes(5));
            assertThat(call.summary().join().allOk()).isTrue();
        }
    }

    @Test
    void aHostKilledMidCallIsNoReplyWhileItsEntryLives() {
        try (TestFleet hosts = TestFleet.builder().hosts(3).collector(WORK).fault("host-002", Fault.crashBeforeAck()).build().start();
             Fleet fleet = hosts.fleet().build().start()) {
            FleetCall call = fleet.call(FleetRequest.builder("app.work").deadline(Duration.ofSeconds(30)).build());
            await().until(() -> call.results().size() == 2 && hosts.runs().containsKey("host-002"));
            hosts.advance(Duration.ofSeconds(31));
            FleetSummary s = call.summary().join();
            assertThat(s.hosts(Outcome.NO_REPLY)).as("killed but still live in the inventory").containsExactly("host-002");
            assertThat(s.hosts(Outcome.OK)).containsExactly("host-001", "host-003");
        }
    }

    @Test
    void reorderedAnswersAreAccountedTheSame() {
        try (TestFleet hosts = TestFleet.builder().hosts(4).collector(WORK).fault("host-001", Fault.reorderReplies()).build().start();
             Fleet fleet = hosts.fleet().build().start()) {
            FleetCall first = fleet.call(FleetRequest.builder("app.work").build());
            FleetCall second = fleet.call(FleetRequest.builder("app.work").build());
            await().until(() -> first.results().size() == 3 && second.results().size() == 3 && hosts.runs().get("host-001") == 2);
            hosts.advance(Duration.ofMillis(1));
            assertThat(first.summary().join().allOk()).isTrue();
            assertThat(second.summary().join().allOk()).isTrue();
        }
    }
}
