package dev.outpost.sqs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** A batcher's calls as a closing transport waits for them, driven by a batch operation whose answers the test gives. */
class BatcherTest {

    /** A batch call SQS answers at the moment a closing transport starts waiting for it. */
    private static final class AnsweredWhenAwaited extends CompletableFuture<List<Integer>> {
        private final List<Integer> refused;

        AnsweredWhenAwaited(List<Integer> refused) {
            this.refused = refused;
        }

        @Override
        public List<Integer> get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            complete(refused);
            return super.get(timeout, unit);
        }
    }

    private static BatchOperation<String> operation(CompletableFuture<List<Integer>> batch, CompletableFuture<?> single) {
        return new BatchOperation<>() {
            @Override
            public String what() {
                return "acknowledging";
            }

            @Override
            public CompletableFuture<List<Integer>> batch(String target, List<String> entries) {
                return batch;
            }

            @Override
            public CompletableFuture<?> single(String target, String entry) {
                return single;
            }
        };
    }

    private static Batcher<String> batcher(BatchOperation<String> op) {
        return new Batcher<>(10, Integer.MAX_VALUE, Duration.ZERO, new LazyTimer(Closing.defaultThreads()), op,
                (target, e) -> new IllegalStateException(e));
    }

    /**
     * A close waits for a batch call; SQS answers it with an entry refused, which is retried on its own. The close
     * had taken the calls to wait for before the retry began, and said every call had ended while the retry was still
     * open (the transport then closed its clients under it).
     */
    @Test
    void aCloseWaitsForTheRetryOfAnEntryTheBatchCallRefused() {
        CompletableFuture<Void> retry = new CompletableFuture<>();
        AnsweredWhenAwaited batch = new AnsweredWhenAwaited(List.of(0));
        Batcher<String> b = batcher(operation(batch, retry));
        CompletableFuture<Void> acked = b.add("queue", "receipt", 0);

        // before: the close waited for the batch call alone, which SQS answered then, and said every call had ended
        assertThat(b.awaitInFlight(100)).as("the retry of the refused entry is still open").isFalse();
        batch.complete(List.of(0)); // already answered, unless the close looked at the entries' outcomes first
        assertThat(acked).isNotDone();

        retry.complete(null);
        assertThat(acked).isCompleted();
        assertThat(b.awaitInFlight(0)).isTrue();
    }
}
