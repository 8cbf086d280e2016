package dev.outpost.sqs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.ShutdownResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    /**
     * A transport closes every client it made, even when one's close throws an Error (a client whose classes went
     * missing, a stack overflow in a close hook): before, the Error left the loop, the clients after it stayed open
     * (their threads and connections), and the shutdown's future never completed.
     */
    @Test
    void anErrorClosingOneClientLeavesTheOthersClosedAndTheShutdownEnded() {
        List<String> closed = new ArrayList<>();
        List<AutoCloseable> owned = List.of(
                () -> {
                    closed.add("sqs");
                    throw new NoClassDefFoundError("io/netty/SomethingGone");
                },
                () -> {
                    closed.add("sqs event loop");
                    throw new IllegalStateException("already closed");
                },
                () -> closed.add("sns"));
        // a transport that never received nor sent: nothing of these parts is called but their "anything open?" checks
        Receiver receiver = new Receiver(null, null, null, null, null, null, Optional.empty());
        Sending sending = new Sending(Optional.empty(), Map.of(), null, null, null, null);
        Closing closing = new Closing(receiver, sending, List.of(), new LazyTimer(Closing.defaultThreads()), Closing.defaultThreads(),
                owned, 0);

        CompletableFuture<ShutdownResult> done = closing.shutdown();

        assertThat(closed).containsExactly("sqs", "sqs event loop", "sns");
        assertThat(done).isCompleted();
        assertThat(done.join().clean()).isTrue();
    }
}
