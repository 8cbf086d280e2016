package dev.outpost.kv.internal;

import dev.outpost.spi.RegistryException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes waiting for the SQLite writer: callers queue a write here and wait for its answer; the writer thread
 * takes them in batches and answers each. Separate from {@link SqliteWriter}, which owns the connection and the group
 * commit, so that the callers' side (bounded queue, refusal once stopping, interrupts that do not abandon a write) is
 * read in one place.
 */
final class SqliteWriteQueue {
    // the writer's logger: a follow-up failing on the writer thread is the writer's to report
    private static final Logger log = LoggerFactory.getLogger(SqliteWriter.class);

    private final Path file;
    private final BlockingQueue<Op<?>> queue;
    private volatile boolean stopping;

    SqliteWriteQueue(Path file, int capacity) {
        this.file = file;
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /** Queues a write and waits for its answer, as {@link SqliteWriter#submit}. */
    <T> T submit(String key, Function<SqliteTx, T> body) {
        return await(submitAsync(key, body), key);
    }

    /** Queues a write without waiting for it, as {@link SqliteWriter#submitAsync}. */
    <T> CompletableFuture<T> submitAsync(String key, Function<SqliteTx, T> body) {
        if (stopping) {
            throw new RegistryException.Closed("SQLite registry " + file);
        }
        Op<T> op = new Op<>(key, body);
        try {
            queue.put(op);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException.Unavailable(key, "interrupted before the write was queued; nothing was written", e);
        }
        if (stopping && queue.remove(op)) {
            throw new RegistryException.Closed("SQLite registry " + file);
        }
        return op.future;
    }

    private static <T> T await(CompletableFuture<T> f, String key) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    if (c instanceof Error err) {
                        throw err;
                    }
                    throw new RegistryException.Unavailable(key, String.valueOf(c), c);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** From now on refuses new writes; those queued stay for the writer to drain. */
    void stop() {
        stopping = true;
    }

    boolean stopping() {
        return stopping;
    }

    /**
     * Adds to {@code batch} the first write waiting, waiting up to {@code waitNanos} for one (not at all once
     * stopping), and up to {@code max - 1} more already queued.
     */
    void take(List<Op<?>> batch, int max, long waitNanos) throws InterruptedException {
        Op<?> first = stopping ? queue.poll() : queue.poll(waitNanos, TimeUnit.NANOSECONDS);
        if (first != null) {
            batch.add(first);
            queue.drainTo(batch, max - 1);
        }
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    int size() {
        return queue.size();
    }

    /** Fails what is still queued (after the writer's loop ended). */
    void failQueued() {
        for (Op<?> op; (op = queue.poll()) != null; ) {
            op.future.completeExceptionally(new RegistryException.Closed("SQLite registry " + file));
        }
    }

    /** A write waiting for the writer thread. */
    static final class Op<T> {
        final String key;
        final Function<SqliteTx, T> body;
        final CompletableFuture<T> future = new CompletableFuture<>();
        T result;
        RuntimeException refusal;

        Op(String key, Function<SqliteTx, T> body) {
            this.key = key;
            this.body = body;
        }

        /** Runs the body; a refusal is kept for the caller, anything else thrown is the caller's to handle. */
        void run(SqliteTx tx) {
            result = null;
            refusal = null;
            try {
                result = body.apply(tx);
            } catch (RegistryException | IllegalArgumentException e) {
                refusal = e; // a refusal writes nothing; the batch goes on
            }
        }

        void fail(RuntimeException e) {
            result = null;
            refusal = e;
        }

        /** Answers the caller; a dependent stage run here that fails (an executor refusing its task) never reaches the other writes. */
        void finish() {
            try {
                if (refusal != null) {
                    future.completeExceptionally(refusal);
                } else {
                    future.complete(result);
                }
            } catch (RuntimeException e) {
                log.warn("a caller's follow-up of the write of '{}' failed on the writer thread; the write stands", key, e);
            }
        }
    }
}
