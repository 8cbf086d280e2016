package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fleet.internal.PollPacing;
import dev.outpost.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Receives over a network wait out the calls in progress in one long poll, never longer than SQS allows or the calls need. */
class PollPacingTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Duration configured = Duration.ofSeconds(1);

    @Test
    void noCallWaitingKeepsTheClientsOwnWait() {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            PollPacing p = new PollPacing(t, now::get);
            assertThat(p.waitFor(configured)).isEqualTo(configured);
        }
    }

    @Test
    void aCallWaitingStretchesTheWaitToItsDeadlineAndNoFurther() {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            PollPacing p = new PollPacing(t, now::get);
            Object call = new Object();
            p.expectAnswers(call, Duration.ofSeconds(8));
            assertThat(p.waitFor(configured)).isEqualTo(Duration.ofSeconds(8));
            now.addAndGet(Duration.ofSeconds(3).toNanos());
            assertThat(p.waitFor(configured)).isEqualTo(Duration.ofSeconds(5));
            now.addAndGet(Duration.ofMillis(4_500).toNanos());
            assertThat(p.waitFor(configured)).as("less left than the client's own wait").isEqualTo(configured);
            Object later = new Object();
            p.expectAnswers(later, Duration.ofMinutes(5));
            assertThat(p.waitFor(configured)).as("SQS's longest wait").isEqualTo(PollPacing.LONGEST);
            p.settled(later);
            p.settled(call);
            assertThat(p.waitFor(configured)).as("every call settled").isEqualTo(configured);
        }
    }

    @Test
    void aFleetOnAnInMemoryTransportIsNotPaced() throws Exception {
        // in memory a receive is a lock and a queue operation: nothing to save, so no wrapper on the hot path
        try (InMemoryTransport t = InMemoryTransport.create(); Fleet fleet = Fleet.builder(t).build().start()) {
            var field = Fleet.class.getDeclaredField("pacing");
            field.setAccessible(true);
            assertThat(field.get(fleet)).isEqualTo(java.util.Optional.empty());
        }
    }
}
