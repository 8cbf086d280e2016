package dev.outpost.sqs.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One kind of SQS or SNS batch call (send, delete, change visibility, publish) as the
 * {@link Batcher} needs it: the batch call, and the single call that retries an entry the batch
 * refused. Entries are identified by their index in the batch.
 */
public interface BatchOperation<T> {
    /** What the operation does, for error messages ("acknowledging"). */
    String what();

    /** Sends {@code entries} to {@code target}; completes with the indexes of the entries that failed. */
    CompletableFuture<List<Integer>> batch(String target, List<T> entries);

    /** Sends one entry on its own. */
    CompletableFuture<?> single(String target, T entry);
}
