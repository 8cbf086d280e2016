package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.ShutdownResult;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.Collector;
import dev.outpost.testkit.LifecycleContract;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;

class FleetMemberLifecycleTest extends LifecycleContract<FleetMember> {
    final InMemoryRegistry registry = InMemoryRegistry.create();
    volatile Error toThrow;
    final Collector facts = Collector.of("host.facts", (r, c) -> {
        Error e = toThrow;
        if (e != null) {
            toThrow = null;
            throw e;
        }
        return Map.of("os", "Linux");
    });

    @Override
    protected FleetMember create(ThreadFactory threads) {
        return FleetMember.builder(registry).id("m1").collectors(List.of(facts)).threadFactory(threads).build();
    }

    @Override
    protected void start(FleetMember member) {
        member.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(FleetMember member) {
        return member.shutdown();
    }

    @Override
    protected boolean provokeUserError(FleetMember running, Error error) {
        toThrow = error;
        running.refreshFacts();
        assertThat(toThrow).as("the facts collector met the error").isNull();
        return true;
    }

    @Override
    protected void assertWorks(FleetMember running) {
        long before = running.writes();
        running.beat();
        assertThat(running.writes()).isEqualTo(before + 1);
        assertThat(registry.get("fleet/hosts/m1")).isPresent();
    }
}
