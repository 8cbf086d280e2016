package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.fleet.TestHosts.Behaviour;
import dev.outpost.spi.ForwardingRegistry;
import dev.outpost.spi.RegistryEntry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** At a call's deadline the fleet reads the inventory; the registry is user code and may throw an Error there. */
class DeadlineRegistryErrorTest {
    final TestHosts hosts = new TestHosts();
    volatile boolean broken;

    final ForwardingRegistry flaky = new ForwardingRegistry(hosts.registry) {
        @Override
        public Optional<RegistryEntry> get(String key) {
            if (broken) {
                throw new AssertionError("a bug in the registry's driver");
            }
            return super.get(key);
        }

        @Override
        public RegistryEntry update(String key, com.fasterxml.jackson.databind.JsonNode mergePatch) {
            if (broken) {
                throw new AssertionError("a bug in the registry's driver");
            }
            return super.update(key, mergePatch);
        }

        @Override
        public RegistryEntry register(String key, com.fasterxml.jackson.databind.JsonNode value, Optional<Duration> ttl) {
            if (broken) {
                throw new AssertionError("a bug in the registry's driver");
            }
            return super.register(key, value, ttl);
        }

        @Override
        public List<RegistryEntry> list(String prefix) {
            if (broken) {
                throw new AssertionError("a bug in the registry's driver");
            }
            return super.list(prefix);
        }
    };

    @AfterEach
    void close() {
        hosts.close();
    }

    /**
     * Before: the Error left the deadline's task before any host was settled, so the silent hosts stayed pending
     * and the summary never completed.
     */
    @Test
    void anErrorReadingTheInventoryAtTheDeadlineStillSettlesTheSilentHostsNoReply() throws Exception {
        for (String id : new String[] {"h1", "h2", "h3"}) {
            hosts.add(id, Behaviour.OK, "web");
            hosts.start(id);
        }
        hosts.faults.get("h2").drop = d -> d.startsWith("outpost-client-");
        hosts.faults.get("h3").drop = d -> d.startsWith("outpost-client-");
        Fleet fleet = Fleet.builder(new FaultyTransport(hosts.transport)).registry(flaky).clock(hosts.time)
                .ticker(hosts.time.ticker()).pollWait(Duration.ofMillis(100)).build().start();
        hosts.closeables.add(fleet);
        FleetCall call = fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).cancellable(false)
                .deadline(Duration.ofSeconds(5)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> call.results().size() == 1 && hosts.runs.size() == 3);
        broken = true;
        hosts.time.advance(Duration.ofSeconds(6));
        FleetSummary s = call.summary().get(10, TimeUnit.SECONDS);
        assertThat(s.hosts(Outcome.OK)).containsExactly("h1");
        assertThat(s.hosts(Outcome.NO_REPLY)).containsExactly("h2", "h3");
    }

    /**
     * Before: the Error from writing the cancellation record left Fleet.shutdown half done: the call's silent host
     * stayed pending, the fleet's threads ran on, and the shutdown future (which close() joins) never completed.
     */
    @Test
    void anErrorRecordingTheCancellationsAtShutdownStillEndsTheCallsAndTheFleet() throws Exception {
        hosts.add("h1", Behaviour.OK, "web");
        hosts.start("h1");
        hosts.faults.get("h1").drop = d -> d.startsWith("outpost-client-");
        Fleet fleet = Fleet.builder(new FaultyTransport(hosts.transport)).registry(flaky).clock(hosts.time)
                .ticker(hosts.time.ticker()).pollWait(Duration.ofMillis(100)).build().start();
        FleetCall call = fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).deadline(Duration.ofSeconds(5)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> hosts.runs.size() == 1);
        broken = true;
        fleet.shutdown().get(20, TimeUnit.SECONDS);
        FleetSummary s = call.summary().get(10, TimeUnit.SECONDS);
        assertThat(s.results().get("h1").outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(s.results().get("h1").detail()).contains("could not be recorded");
    }
}
