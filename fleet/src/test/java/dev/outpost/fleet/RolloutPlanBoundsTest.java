package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fleet.RolloutPlan.Size;
import dev.outpost.fleet.TestHosts.Behaviour;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Plans with sizes at the edges of an int: each is a valid plan and must walk every host once. */
class RolloutPlanBoundsTest {
    final TestHosts hosts = new TestHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    private Fleet fleet() {
        Fleet f = hosts.fleet().build().start();
        hosts.closeables.add(f);
        return f;
    }

    private void addAll(int n) {
        for (int i = 1; i <= n; i++) {
            String id = "h" + i;
            hosts.add(id, Behaviour.OK, "web");
            hosts.start(id);
        }
    }

    /** Before: the batch after the canary ended at canary + Integer.MAX_VALUE, which overflowed, and the rollout threw. */
    @Test
    void aHugeBatchSizeAfterACanaryIsOneBatchOfTheRest() throws Exception {
        addAll(3);
        FleetCall call = fleet().rollout(FleetRequest.builder("app.work").deadline(Duration.ofSeconds(10)).build(),
                RolloutPlan.builder().canary(Size.of(1)).batchSize(Size.of(Integer.MAX_VALUE))
                        .maxConcurrency(Size.of(Integer.MAX_VALUE)).maxErrors(Size.of(Integer.MAX_VALUE)).build());
        FleetSummary s = call.summary().get(20, TimeUnit.SECONDS);
        assertThat(s.hosts(Outcome.OK)).containsExactly("h1", "h2", "h3");
        assertThat(s.abortReason()).isEmpty();
    }

    /** Before: total * percent was an int product, which overflowed past 21,474,836 hosts (maxHosts has no upper bound). */
    @Test
    void aPercentageOfAHugeExpectedSetIsThatShareOfIt() {
        assertThat(Size.percent(50).resolve(50_000_000)).isEqualTo(25_000_000);
        assertThat(Size.percent(100).resolve(Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
        assertThat(Size.percent(10).resolveBudget(30_000_000)).isEqualTo(3_000_000);
    }
}
