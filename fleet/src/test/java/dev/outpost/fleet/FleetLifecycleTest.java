package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.ShutdownResult;
import dev.outpost.fleet.TestHosts.Behaviour;
import dev.outpost.testkit.LifecycleContract;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.AfterEach;

class FleetLifecycleTest extends LifecycleContract<Fleet> {
    final TestHosts hosts = new TestHosts();

    FleetLifecycleTest() {
        hosts.add("w1", Behaviour.OK);
        hosts.start("w1");
    }

    @AfterEach
    void stopHosts() {
        hosts.close();
    }

    @Override
    protected Fleet create(ThreadFactory threads) {
        return Fleet.builder(hosts.transport).registry(hosts.registry).threadFactory(threads).build();
    }

    @Override
    protected void start(Fleet fleet) {
        fleet.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(Fleet fleet) {
        return fleet.shutdown();
    }

    @Override
    protected boolean provokeUserError(Fleet running, Error error) {
        long before = running.stats().listenerErrors();
        running.call(FleetRequest.builder("app.work").listener(r -> {
            throw error;
        }).build()).summary().join();
        assertThat(running.stats().listenerErrors()).isEqualTo(before + 1);
        return true;
    }

    @Override
    protected void assertWorks(Fleet running) {
        assertThat(running.call(FleetRequest.builder("app.work").build()).summary().join().hosts(Outcome.OK)).containsExactly("w1");
    }
}
