package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.fleet.RolloutPlan.Size;
import dev.outpost.fleet.TestHosts.Behaviour;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RolloutTest {
    final TestHosts hosts = new TestHosts();
    /**
     * Pauses between batches begun: a pause is timed from the ticker reading CallState.pump makes to schedule it,
     * after the batch's last result is already visible in call.results(). A test that moved the clock on seeing the
     * results alone could move it before that reading: the pause then ended a full pause later, and the rollout waited
     * for good.
     */
    /** What the test waits for before it moves the clock past scheduled work (see {@link SchedulingTicker}). */
    final java.util.concurrent.atomic.AtomicInteger pausesBegun = new java.util.concurrent.atomic.AtomicInteger();

    private SchedulingTicker ticker() {
        return new SchedulingTicker(hosts.time.ticker(), "dev.outpost.fleet.internal.CallState.pump", pausesBegun);
    }

    @AfterEach
    void close() {
        hosts.close();
    }

    private Fleet fleet(FaultyTransport t) {
        Fleet f = Fleet.builder(t).registry(hosts.registry).clock(hosts.time).ticker(ticker())
                .pollWait(Duration.ofMillis(100)).build().start();
        hosts.closeables.add(f);
        return f;
    }

    private void addAll(int n, List<Integer> failing) {
        for (int i = 1; i <= n; i++) {
            String id = String.format("h%02d", i);
            hosts.add(id, failing.contains(i) ? Behaviour.FAIL : Behaviour.OK, "web");
            hosts.start(id);
        }
    }

    @Test
    void withMaxErrors2NoHostBeyondTheBudgetIsStarted() {
        addAll(10, List.of(2, 4, 6, 8));
        Fleet fleet = fleet(new FaultyTransport(hosts.transport));
        FleetCall call = fleet.rollout(FleetRequest.builder("app.work").build(),
                RolloutPlan.builder().maxConcurrency(Size.of(1)).maxErrors(Size.of(2)).build());
        FleetSummary s = call.summary().join();
        assertThat(s.hosts(Outcome.OK)).containsExactly("h01", "h03", "h05");
        assertThat(s.hosts(Outcome.ERROR)).containsExactly("h02", "h04", "h06");
        assertThat(s.hosts(Outcome.NOT_STARTED)).containsExactly("h07", "h08", "h09", "h10");
        assertThat(s.results().get("h07").detail()).isEqualTo("error budget spent: 3 failures, maxErrors 2");
        assertThat(s.abortReason()).contains("error budget spent: 3 failures, maxErrors 2");
        assertThat(hosts.runs).containsOnlyKeys("h01", "h02", "h03", "h04", "h05", "h06");
    }

    @Test
    void aCanaryFailureStopsTheRollout() {
        addAll(6, List.of(1));
        Fleet fleet = fleet(new FaultyTransport(hosts.transport));
        FleetSummary s = fleet.rollout(FleetRequest.builder("app.work").build(),
                RolloutPlan.builder().canary(Size.of(1)).batchSize(Size.percent(50)).maxErrors(Size.percent(50)).build())
                .summary().join();
        assertThat(s.hosts(Outcome.ERROR)).containsExactly("h01");
        assertThat(s.hosts(Outcome.NOT_STARTED)).hasSize(5);
        assertThat(s.abortReason()).contains("canary h01 ended error");
        assertThat(hosts.runs).containsOnlyKeys("h01");
    }

    @Test
    void batchesWaitForThePauseOnTheInjectedClock() throws Exception {
        addAll(5, List.of());
        Fleet fleet = fleet(new FaultyTransport(hosts.transport));
        FleetCall call = fleet.rollout(FleetRequest.builder("app.work").build(),
                RolloutPlan.builder().batchSize(Size.of(2)).pause(Duration.ofMinutes(1)).build());
        await().until(() -> call.results().size() == 2 && pausesBegun.get() == 1);
        assertThat(hosts.runs).containsOnlyKeys("h01", "h02");
        hosts.time.advance(Duration.ofSeconds(59));
        await().during(Duration.ofMillis(100)).until(() -> hosts.runs.size() == 2);
        hosts.time.advance(Duration.ofSeconds(1));
        await().until(() -> call.results().size() == 4 && pausesBegun.get() == 2);
        assertThat(hosts.runs).containsOnlyKeys("h01", "h02", "h03", "h04");
        hosts.time.advance(Duration.ofMinutes(1));
        FleetSummary s = call.summary().get(20, TimeUnit.SECONDS);
        assertThat(s.hosts(Outcome.OK)).hasSize(5);
        assertThat(s.abortReason()).isEmpty();
    }

    @Test
    void failuresInjectedAtEveryPointSpendTheBudgetAndTheAbortHolds() {
        addAll(8, List.of(2, 5));
        FaultyTransport callerSide = new FaultyTransport(hosts.transport);
        callerSide.refuse = d -> d.equals("requests-h01");                 // before send: the transport refuses
        hosts.faults.get("h03").drop = d -> d.startsWith("outpost-client-"); // in the reply: it never comes back
        Fleet fleet = fleet(callerSide);
        List<String> heard = new CopyOnWriteArrayList<>();
        FleetCall call = fleet.rollout(FleetRequest.builder("app.work").deadline(Duration.ofSeconds(10)).listener(r -> {
            heard.add(r.host());
            throw new IllegalStateException("in the caller"); // in the caller's listener
        }).build(), RolloutPlan.builder().maxConcurrency(Size.of(1)).maxErrors(Size.of(3)).build());
        CompletableFuture<FleetSummary> done = call.summary();
        await().until(() -> call.pending().stream().anyMatch(p -> p.host().equals("h03")) && hosts.runs.containsKey("h03"));
        hosts.time.advance(Duration.ofSeconds(11));
        FleetSummary s = done.join();
        assertThat(s.results().get("h01").outcome()).isEqualTo(Outcome.NOT_DELIVERED);
        assertThat(s.results().get("h02").outcome()).isEqualTo(Outcome.ERROR);    // during the run
        assertThat(s.results().get("h03").outcome()).isEqualTo(Outcome.NO_REPLY);
        assertThat(s.results().get("h04").outcome()).isEqualTo(Outcome.OK);
        assertThat(s.results().get("h05").outcome()).isEqualTo(Outcome.ERROR);
        assertThat(s.hosts(Outcome.NOT_STARTED)).containsExactly("h06", "h07", "h08");
        assertThat(hosts.runs).containsOnlyKeys("h02", "h03", "h04", "h05");
        await().until(() -> heard.size() == 8);
        assertThat(fleet.stats().listenerErrors()).isEqualTo(8);
    }

    @Test
    void percentagesResolveAgainstTheExpectedSet() {
        assertThat(Size.parse("25%").resolve(10)).isEqualTo(3);
        assertThat(Size.parse("25%").resolveBudget(10)).isEqualTo(2);
        assertThat(Size.parse(" 7 ").resolve(10)).isEqualTo(7);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Size.parse("lots")).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Size.parse("120%")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cancellingARolloutStartsNoMoreHosts() {
        addAll(4, List.of());
        Fleet fleet = fleet(new FaultyTransport(hosts.transport));
        FleetCall call = fleet.rollout(FleetRequest.builder("app.work").build(),
                RolloutPlan.builder().batchSize(Size.of(1)).pause(Duration.ofMinutes(5)).build());
        await().until(() -> call.results().size() == 1);
        assertThat(call.cancel()).isEqualTo(3);
        FleetSummary s = call.summary().join();
        assertThat(s.hosts(Outcome.OK)).containsExactly("h01");
        assertThat(s.hosts(Outcome.CANCELLED)).containsExactly("h02", "h03", "h04");
        hosts.time.advance(Duration.ofMinutes(30));
        await().during(Duration.ofMillis(100)).until(() -> hosts.runs.size() == 1);
    }

    /**
     * A host cancelled just as the rollout starts it: chosen, its request not sent yet. Before, the request was
     * still sent and the host settled twice (cancelled, then its answer), so the call counted itself done while
     * the next host had no result.
     */
    @Test
    void aHostCancelledAsTheRolloutStartsItIsNotSentTheRequest() throws Exception {
        addAll(3, List.of());
        AtomicReference<Runnable> whileSending = new AtomicReference<>();
        Clock clock = new Clock() { // the one user code between choosing a host and sending to it
            @Override
            public Instant instant() {
                boolean sending = StackWalker.getInstance().walk(frames -> frames.anyMatch(
                        f -> f.getClassName().equals("dev.outpost.fleet.internal.CallSender") && f.getMethodName().equals("send")));
                Runnable r = sending ? whileSending.getAndSet(null) : null;
                if (r != null) {
                    r.run();
                }
                return hosts.time.instant();
            }

            @Override
            public ZoneId getZone() {
                return hosts.time.getZone();
            }

            @Override
            public Clock withZone(ZoneId zone) {
                throw new UnsupportedOperationException();
            }
        };
        Fleet fleet = Fleet.builder(new FaultyTransport(hosts.transport)).registry(hosts.registry).clock(clock)
                .ticker(ticker()).pollWait(Duration.ofMillis(100)).build().start();
        hosts.closeables.add(fleet);
        List<String> heard = new CopyOnWriteArrayList<>();
        FleetCall call = fleet.rollout(FleetRequest.builder("app.work").cancellable(false).listener(r -> heard.add(r.host())).build(),
                RolloutPlan.builder().canary(Size.of(1)).batchSize(Size.of(2)).maxConcurrency(Size.of(1))
                        .pause(Duration.ofMinutes(1)).build());
        // the canary h01 answered; h02 then h03 after the pause
        await().until(() -> call.results().size() == 1 && pausesBegun.get() == 1);
        CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
        whileSending.set(() -> cancelled.complete(call.cancel("h02")));
        hosts.time.advance(Duration.ofMinutes(1));
        assertThat(cancelled.get(10, TimeUnit.SECONDS)).isTrue();

        FleetSummary s = call.summary().get(10, TimeUnit.SECONDS);
        assertThat(s.results().get("h02").outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(s.hosts(Outcome.OK)).containsExactly("h01", "h03");
        assertThat(hosts.runs).containsOnlyKeys("h01", "h03");
        await().until(() -> heard.size() == 3);
        assertThat(heard).containsExactlyInAnyOrder("h01", "h02", "h03");
    }

    @Test
    void aBatchOverTheTopicTooLongToNameInOneSelectorReachesEveryHostOfIt() {
        // 25 hosts with 190-character ids in one batch: about 4,800 characters of ids, past the
        // 4,096 a worker parses, so each refused the batch's broadcast and the rollout got no answer
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String id = String.format("web-%s-%02d", "x".repeat(182), i);
            ids.add(id);
            hosts.add(id, Behaviour.OK, "web");
            hosts.start(id);
        }
        hosts.add("db-1", Behaviour.OK, "db");
        hosts.start("db-1");
        Fleet fleet = fleet(new FaultyTransport(hosts.transport));
        FleetCall call = fleet.rollout(FleetRequest.builder("app.work").target(Selector.tag("web")).route(Route.TOPIC)
                .deadline(Duration.ofSeconds(5)).build(), RolloutPlan.builder().batchSize(Size.of(25)).build());
        // their answers, not their runs: a host that ran but whose answer was still on its way ended NO_REPLY
        await().atMost(Duration.ofSeconds(20)).until(() -> call.results().size() == 25 || call.summary().isDone());
        hosts.time.advance(Duration.ofSeconds(6));
        FleetSummary s = call.summary().join();
        assertThat(s.hosts(Outcome.OK)).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(hosts.runs).containsOnlyKeys(ids.toArray(String[]::new));
    }
}
