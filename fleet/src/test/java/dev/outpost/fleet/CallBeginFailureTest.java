package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.fleet.TestHosts.Behaviour;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A call that throws while it begins is not left behind as one in progress. */
class CallBeginFailureTest {
    final TestHosts hosts = new TestHosts();
    final AtomicBoolean broken = new AtomicBoolean();
    /** The user's clock, which throws while {@link #broken}. */
    final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            if (broken.get()) {
                throw new IllegalStateException("clock unavailable (test)");
            }
            return hosts.time.instant();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    };

    @AfterEach
    void close() {
        hosts.close();
    }

    @Test
    void aCallWhoseSendThrowsIsNeitherActiveNorPendingAfterwards() {
        hosts.add("web-1", Behaviour.OK, "web");
        hosts.add("web-2", Behaviour.OK, "web");
        hosts.start("web-1");
        hosts.start("web-2");
        Fleet fleet = hosts.fleet().clock(clock).build().start();
        hosts.closeables.add(fleet);
        broken.set(true);

        assertThatThrownBy(() -> fleet.call(FleetRequest.builder("app.work").target(Selector.tag("web")).build()))
                .hasMessageContaining("clock unavailable (test)");
        assertThatThrownBy(() -> fleet.rollout(FleetRequest.builder("app.work").target(Selector.tag("web")).build(),
                RolloutPlan.builder().batchSize(RolloutPlan.Size.of(1)).build())).hasMessageContaining("clock unavailable (test)");
        broken.set(false);

        assertThat(fleet.stats().active()).as("calls in progress").isZero();
        assertThat(fleet.pending()).isEmpty();
        assertThat(fleet.stats().calls()).isEqualTo(2);
    }
}
