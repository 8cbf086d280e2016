package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.core.Worker;
import dev.outpost.fleet.TestHosts.Behaviour;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OfflineHostTest {
    final TestHosts hosts = new TestHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    @Test
    void aCallWaitsForAnOfflineHostUntilItsTtlAndCancelIsHonouredByTheWorker() {
        hosts.add("online", Behaviour.OK);
        hosts.add("late", Behaviour.OK);
        hosts.add("gone", Behaviour.OK);
        hosts.add("cancelled", Behaviour.OK);
        hosts.start("online");
        Fleet fleet = hosts.fleet().build().start();
        hosts.closeables.add(fleet);
        FleetCall call = fleet.call(FleetRequest.builder("app.work").hosts(List.of("online", "late", "gone", "cancelled"))
                .deadline(Duration.ofMinutes(10)).build());
        assertThat(call.awaitHost("online").join().outcome()).isEqualTo(Outcome.OK);
        await().until(() -> fleet.pending().size() == 3);
        assertThat(fleet.pending()).extracting(PendingCall::host).containsExactlyInAnyOrder("late", "gone", "cancelled");
        assertThat(fleet.pending().get(0).expiresAt()).isEqualTo(fleet.pending().get(0).sentAt().plus(Duration.ofMinutes(10)));

        assertThat(call.cancel("cancelled")).isTrue();
        assertThat(call.awaitHost("cancelled").join().outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(call.cancel("cancelled")).as("settled once").isFalse();

        hosts.time.advance(Duration.ofMinutes(3));
        hosts.start("late");       // comes back within the ttl: its queue kept the request
        hosts.start("cancelled");  // comes back and refuses the cancelled request
        assertThat(call.awaitHost("late").join().outcome()).isEqualTo(Outcome.OK);
        await().until(() -> hosts.workers.get("cancelled").status().counters().rejected() == 1);
        assertThat(hosts.workers.get("cancelled").status().refusals()).containsEntry("cancelled", 1L);
        assertThat(hosts.members.get("cancelled").cancelledRequests()).isEqualTo(1);
        // the worker answered "cancelled" itself (the caller had settled the host already: a late answer) and kept no dead-letter copy
        await().until(() -> fleet.stats().answers() == 3); // online, late, and the refusal of the cancelled one
        assertThat(hosts.transport.peek(Worker.DEFAULT_DEAD_LETTER)).isEmpty();

        hosts.time.advance(Duration.ofMinutes(8)); // past the ttl: "gone" never came back
        FleetSummary s = call.summary().join();
        assertThat(s.results().get("gone").outcome()).isEqualTo(Outcome.EXPIRED);
        assertThat(s.counts()).containsEntry(Outcome.OK, 2).containsEntry(Outcome.CANCELLED, 1).containsEntry(Outcome.EXPIRED, 1);
        assertThat(s.late()).as("the worker's own cancelled answer").isEqualTo(1);
        hosts.start("gone"); // too late: the worker will not run an expired request
        await().until(() -> hosts.workers.get("gone").status().counters().rejected() == 1);
        assertThat(hosts.runs).containsOnlyKeys("online", "late");
        assertThat(fleet.pending()).isEmpty();
    }
}
