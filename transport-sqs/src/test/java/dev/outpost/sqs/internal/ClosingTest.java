package dev.outpost.sqs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** How a closing transport waits for its batch calls and the sends on their way to a batch. */
class ClosingTest {

    @Test
    void callsThatHaveEndedCountAsEndedEvenWhenTheTimeHasRunOut() {
        CompletableFuture<Void> answered = CompletableFuture.completedFuture(null);
        CompletableFuture<Void> failed = CompletableFuture.failedFuture(new IllegalStateException("throttled"));
        CompletableFuture<Void> cancelled = new CompletableFuture<>();
        cancelled.cancel(false);
        // before: a wait whose time was used up by earlier batchers said "not clean" of calls that had all ended
        assertThat(Closing.awaitAll(List.of(answered, failed, cancelled), 0)).isTrue();
    }

    @Test
    void aCallStillOpenWhenTheTimeRunsOutIsReported() {
        CompletableFuture<Void> open = new CompletableFuture<>();
        assertThat(Closing.awaitAll(List.of(CompletableFuture.completedFuture(null), open), 50)).isFalse();
    }

    @Test
    void anInterruptedWaitSaysNotCleanAndKeepsTheInterrupt() {
        Thread.currentThread().interrupt();
        try {
            assertThat(Closing.awaitAll(List.of(new CompletableFuture<Void>()), 60_000)).isFalse();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }
}
