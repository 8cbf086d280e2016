package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
    void aFaultOnAHostThatIsNotInTheFleetIsRefused() {
        // host-7 is not host-007: the fault used to be ignored silently, and every host answered
        assertThatThrownBy(() -> TestFleet.builder().hosts(9).collector(WORK).fault("host-7", Fault.fail()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host-7");
        assertThatThrownBy(() -> TestFleet.builder().hosts(3).collector(WORK).tags("host-004", "eu").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host-004");
        assertThatThrownBy(() -> TestFleet.builder().hosts(3).collector(WORK).fact("web-1", "os", "linux").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("web-1");
        assertThatThrownBy(() -> TestFleet.builder().hosts(2).idFormat("host").collector(WORK).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than one host");
    }

    @Test
    void anOfflineHostStoppedOrRestartedIsNotStartedAgainWhenItsOfflinePeriodEnds() {
        try (TestFleet hosts = TestFleet.builder().hosts(3).collector(WORK)
                .fault("host-001", Fault.offline(Duration.ofMinutes(1)))
                .fault("host-002", Fault.offline(Duration.ofMinutes(1)))
                .fault("host-003", Fault.offline(Duration.ofMinutes(1))).build().start()) {
            hosts.stop("host-001");
            hosts.kill("host-002");
            hosts.restart("host-003");
            // threw IllegalStateException ("worker host-001 was already started"): advance() started a stopped host
            hosts.advance(Duration.ofMinutes(2));
            hosts.transport().send("requests-host-001", dev.outpost.spi.Message.of(dev.outpost.core.json.JsonCodec.create()
                    .encodeRequest(dev.outpost.Request.builder("app.work").build()))).join();
            hosts.awaitIdle(Duration.ofSeconds(5));
            assertThat(hosts.transport().depth("requests-host-001").orElse(0)).as("stopped stays stopped").isEqualTo(1);
        }
    }

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
            // host-007's ten seconds count from the start of its run: on a slow machine that run had not begun when
            // the clock moved 11 s, so it never ended; awaitIdle returns once it waits for the clock
            hosts.awaitIdle(Duration.ofSeconds(30));
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
    void awaitIdleReturnsOnceEveryAnswerThatNeedsNoTimeIsInAndLeavesTheRestToTheClock() {
        try (TestFleet hosts = TestFleet.builder().hosts(40).collector(WORK)
                .fault("host-002", Fault.slow(Duration.ofSeconds(10)))
                .fault("host-003", Fault.delayReply(Duration.ofMinutes(1)))
                .fault("host-004", Fault.offline(Duration.ofMinutes(5)))
                .fault("host-005", Fault.fail())
                .fault("host-006", Fault.duplicateRequest())
                .fault("host-007", Fault.duplicateReply())
                .build().start();
             Fleet fleet = hosts.fleet().build().start()) {
            FleetCall first = fleet.call(FleetRequest.builder("app.work").deadline(Duration.ofMinutes(10)).build());
            FleetCall second = fleet.call(FleetRequest.builder("app.work").deadline(Duration.ofMinutes(10)).build());
            Instant before = hosts.clock().instant();
            hosts.awaitIdle(Duration.ofSeconds(30));
            // no waiting after it: every answer that needs no time is in, and no other
            assertThat(hosts.clock().instant()).as("the clock stood still").isEqualTo(before);
            for (FleetCall call : List.of(first, second)) {
                assertThat(call.pending()).extracting(p -> p.host()).containsExactlyInAnyOrder("host-002", "host-003", "host-004");
                assertThat(call.results()).hasSize(37).filteredOn(r -> r.outcome() == Outcome.ERROR)
                        .extracting(r -> r.host()).containsExactly("host-005");
            }
            assertThat(hosts.runs().get("host-002")).as("the second request waits behind the slow first").isEqualTo(1);

            hosts.advance(Duration.ofSeconds(10)); // the slow run ends; the second starts, and waits for the clock
            hosts.awaitIdle(Duration.ofSeconds(30));
            assertThat(hosts.runs().get("host-002")).isEqualTo(2);
            assertThat(first.pending()).extracting(p -> p.host()).containsExactlyInAnyOrder("host-003", "host-004");
            assertThat(second.pending()).extracting(p -> p.host()).containsExactlyInAnyOrder("host-002", "host-003", "host-004");
        }
    }

    @Test
    void awaitIdleSaysWhatIsStillBusyWhenItTimesOut() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Collector blocking = Collector.of("app.block", (r, c) -> {
            release.await(); // real work, which no clock ends
            return "done";
        });
        try (TestFleet hosts = TestFleet.builder().hosts(1).collector(blocking).build().start();
             Fleet fleet = hosts.fleet().build().start()) {
            FleetCall call = fleet.call(FleetRequest.builder("app.block").deadline(Duration.ofMinutes(1)).build());
            assertThatThrownBy(() -> hosts.awaitIdle(Duration.ofMillis(300))).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("host-001").hasMessageContaining("1 running");
            release.countDown();
            hosts.awaitIdle(Duration.ofSeconds(30));
            assertThat(call.results()).extracting(r -> r.outcome()).containsExactly(Outcome.OK);
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
