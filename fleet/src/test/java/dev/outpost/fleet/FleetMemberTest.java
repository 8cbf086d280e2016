package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.ConfigException;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.Collector;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FleetMemberTest {
    final TestClock time = TestClock.create();
    final InMemoryRegistry registry = InMemoryRegistry.create(time);
    final AtomicInteger factsRuns = new AtomicInteger();
    final Collector facts = Collector.of("host.facts", (r, c) -> {
        factsRuns.incrementAndGet();
        return Map.of("os", Map.of("name", "Linux", "version", "6.1"), "cpu", Map.of("count", 4 + factsRuns.get() / 3));
    });

    /**
     * Next heartbeats scheduled: a heartbeat writes, then reads the ticker to schedule the next. A test that moved the
     * clock on seeing the write alone could move it before that reading: the next heartbeat then came a whole period
     * later than the test moved the clock, and the await for its write failed.
     */
    /** What the test waits for before it moves the clock past scheduled work (see {@link SchedulingTicker}). */
    final java.util.concurrent.atomic.AtomicInteger heartbeatsScheduled = new java.util.concurrent.atomic.AtomicInteger();

    private SchedulingTicker ticker() {
        return new SchedulingTicker(time.ticker(), "dev.outpost.fleet.FleetMember.heartbeatTask", heartbeatsScheduled);
    }

    private FleetMember.Builder member(String id) {
        return FleetMember.builder(registry).id(id).clock(time).ticker(ticker())
                .collectors(List.of(facts, Collector.of("app.deploy", (r, c) -> "ok"))).tags("web", "eu").fact("rack", "12");
    }

    @Test
    void registersItsIdCollectorsTagsAndFactsAndLeavesOnStop() {
        FleetMember m = member("web-1").build();
        assertThat(registry.get("fleet/hosts/web-1")).as("nothing is written before start").isEmpty();
        m.start();
        RegistryEntry e = registry.get("fleet/hosts/web-1").orElseThrow();
        HostRecord h = dev.outpost.fleet.internal.HostJson.read(e.value()).orElseThrow();
        assertThat(h.id()).isEqualTo("web-1");
        assertThat(h.requests()).isEqualTo("requests");
        assertThat(h.collectors()).containsExactly("host.facts", "app.deploy");
        assertThat(h.tags()).containsExactly("eu", "web");
        assertThat(h.facts()).containsEntry("os.name", "Linux").containsEntry("cpu.count", "4").containsEntry("rack", "12");
        assertThat(e.expiresAt()).contains(time.instant().plus(Duration.ofMinutes(15)));
        m.close();
        assertThat(registry.get("fleet/hosts/web-1")).as("a graceful stop removes the entry").isEmpty();
        assertThat(m.writes()).isEqualTo(2);
    }

    @Test
    void heartbeatsRefreshTheTtlAndAHostThatDiedExpires() {
        FleetMember m = member("web-2").build().start();
        for (int i = 0; i < 4; i++) {
            long before = m.writes();
            time.advance(Duration.ofMinutes(5));
            int beats = i + 1;
            await().until(() -> m.writes() > before && heartbeatsScheduled.get() >= beats);
        }
        assertThat(registry.get("fleet/hosts/web-2")).as("alive after 20 minutes with a 15 minute ttl").isPresent();
        // one write per heartbeat: 12 per host per hour
        assertThat(m.writes()).isEqualTo(5);
        m.shutdown(); // graceful here, but a dead host is one whose heartbeats stop:
        FleetMember dead = member("web-3").build().start();
        dead.shutdown().join();
        registry.register("fleet/hosts/web-4", dev.outpost.fleet.internal.HostJson.write(m.record()), Optional.of(Duration.ofMinutes(15)));
        time.advance(Duration.ofMinutes(16));
        assertThat(registry.get("fleet/hosts/web-4")).as("no heartbeat: gone after the ttl").isEmpty();
    }

    @Test
    void changedFactsRideOnTheNextHeartbeat() {
        FleetMember m = member("web-5").factsRefresh(Duration.ofMinutes(10)).build().start();
        assertThat(factsRuns).hasValue(1);
        for (int i = 1; i <= 5; i++) {
            long before = m.writes();
            time.advance(Duration.ofMinutes(5));
            int beats = i;
            await().until(() -> m.writes() > before && heartbeatsScheduled.get() >= beats);
        }
        assertThat(factsRuns).as("facts read every 10 minutes").hasValue(3);
        assertThat(m.writes()).as("no write beyond the heartbeats").isEqualTo(6);
        HostRecord h = dev.outpost.fleet.internal.HostJson.read(registry.get("fleet/hosts/web-5").orElseThrow().value()).orElseThrow();
        assertThat(h.facts()).containsEntry("cpu.count", "5");
        m.close();
    }

    @Test
    void aFailingFactsCollectorDoesNotStopTheMember() {
        Collector broken = Collector.of("host.facts", (r, c) -> {
            throw new OutOfMemoryError("simulated");
        });
        FleetMember m = FleetMember.builder(registry).id("h").collectors(List.of(broken)).clock(time).ticker(time.ticker())
                .build().start();
        assertThat(registry.get("fleet/hosts/h")).isPresent();
        m.close();
    }

    @Test
    void itReregistersAfterItsEntryExpiredAndTakesOverAStaleOne() {
        FleetMember m = member("web-6").build().start();
        registry.delete("fleet/hosts/web-6");
        m.beat();
        assertThat(registry.get("fleet/hosts/web-6")).isPresent();
        registry.update("fleet/hosts/web-6", dev.outpost.Json.parse("{\"x\":1}"));
        m.beat();
        assertThat(registry.get("fleet/hosts/web-6").orElseThrow().value().has("x")).isFalse();
        m.close();
    }

    @Test
    void configurationIsBoundAndEveryProblemReportedAtOnce() {
        OutpostConfig config = OutpostConfig.builder().set("outpost.worker.id", "cfg-1").set("outpost.fleet.host.tags", "a,b")
                .set("outpost.fleet.host.facts", "rack=3,role=db").set("outpost.fleet.host.heartbeat", "1m").build();
        FleetMember m = FleetMember.builder(registry).configure(config).clock(time).ticker(time.ticker()).build();
        assertThat(m.id()).isEqualTo("cfg-1");
        assertThat(m.record().tags()).containsExactly("a", "b");
        assertThat(m.record().facts()).containsEntry("rack", "3").containsEntry("role", "db");
        assertThat(m.toString()).contains("PT1M").contains("PT3M");

        OutpostConfig bad = OutpostConfig.builder().set("outpost.fleet.host.tags", "ok,no spaces")
                .set("outpost.fleet.host.facts", "novalue").set("outpost.fleet.host.heartbeat", "10m")
                .set("outpost.fleet.host.ttl", "5m").build();
        assertThatThrownBy(() -> FleetMember.builder(registry).configure(bad).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).extracting(ConfigException.Problem::key)
                        .containsExactlyInAnyOrder("outpost.fleet.host.id", "outpost.fleet.host.tags", "outpost.fleet.host.facts",
                                "outpost.fleet.host.ttl"));
    }

    @Test
    void aHeartbeatTooLongForItsDefaultTtlIsAConfigurationProblem() {
        // the default ttl is three heartbeats: past what a Duration holds, build() threw ArithmeticException
        OutpostConfig config = OutpostConfig.builder().set("outpost.fleet.host.id", "h-1")
                .set("outpost.fleet.host.heartbeat", "106751991167300d").build();
        assertThatThrownBy(() -> FleetMember.builder(registry).configure(config).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).extracting(ConfigException.Problem::key)
                        .containsExactly("outpost.fleet.host.heartbeat"));
        assertThat(FleetMember.builder(registry).configure(config).ttl(Duration.ofSeconds(Long.MAX_VALUE)).build().id())
                .as("with a ttl of its own it needs no default").isEqualTo("h-1");
    }

    @Test
    void lifecycle() {
        FleetMember m = member("l").build();
        m.start();
        assertThatThrownBy(m::start).isInstanceOf(IllegalStateException.class);
        assertThat(m.shutdown()).isSameAs(m.shutdown());
        FleetMember never = member("n").build();
        assertThat(never.shutdown().join().clean()).isTrue();
        assertThatThrownBy(never::start).isInstanceOf(IllegalStateException.class);
    }
    @Test
    void aFactsRunThatStartedEarlierDoesNotOverwriteWhatALaterRefreshRead() throws Exception {
        AtomicReference<String> state = new AtomicReference<>("before");
        AtomicReference<Thread> slow = new AtomicReference<>();
        CountDownLatch slowRead = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Collector changing = Collector.of("host.facts", (r, c) -> {
            String seen = state.get();
            if (slow.compareAndSet(Thread.currentThread(), null)) {
                slowRead.countDown();
                release.await(10, TimeUnit.SECONDS);
            }
            return Map.of("state", seen);
        });
        FleetMember m = FleetMember.builder(registry).id("web-9").clock(time).ticker(time.ticker()).collectors(List.of(changing))
                .build().start();
        try {
            Thread hourly = new Thread(m::refreshFacts); // as the member's own facts refresh, on its thread
            slow.set(hourly);
            hourly.start();
            assertThat(slowRead.await(10, TimeUnit.SECONDS)).isTrue(); // it read the host as it was, and is slow to return
            state.set("after");
            m.refreshFacts(); // the user refreshes after changing the host
            assertThat(m.record().facts()).containsEntry("state", "after");
            release.countDown();
            hourly.join(10_000);
            // before: the earlier run, finishing last, put back what it had read, for the hour until the next refresh
            assertThat(m.record().facts()).containsEntry("state", "after");
            m.beat();
            HostRecord h = dev.outpost.fleet.internal.HostJson.read(registry.get("fleet/hosts/web-9").orElseThrow().value()).orElseThrow();
            assertThat(h.facts()).containsEntry("state", "after");
        } finally {
            m.close();
        }
    }
    @Test
    void aFactsRefreshOfAMillionDaysStillStartsTheHeartbeat() {
        // the builder takes it; its nanoseconds overflowed in start(), after the entry was written: no heartbeat ever refreshed it
        FleetMember m = member("web-8").factsRefresh(Duration.ofDays(1_000_000)).heartbeat(Duration.ofDays(1_000_000))
                .ttl(Duration.ofDays(3_000_000)).build();
        try {
            m.start();
            assertThat(registry.get("fleet/hosts/web-8")).isPresent();
        } finally {
            m.close();
        }
        FleetMember beating = member("web-7").factsRefresh(Duration.ofDays(1_000_000)).build().start();
        try {
            long before = beating.writes();
            time.advance(Duration.ofMinutes(5));
            await().until(() -> beating.writes() > before);
        } finally {
            beating.close();
        }
    }
}
