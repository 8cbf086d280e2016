package dev.outpost.sqs.internal;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that sends lingering batches, made from the builder's thread factory on first
 * use: building a transport starts nothing, and a transport that never batches never has it.
 */
public final class LazyTimer {
    private final ThreadFactory threads;
    private ScheduledThreadPoolExecutor executor;
    private boolean closed;

    public LazyTimer(ThreadFactory threads) {
        this.threads = threads;
    }

    /** Runs {@code task} after {@code nanos}; throws {@link RejectedExecutionException} once closed. */
    public void schedule(Runnable task, long nanos) {
        ScheduledThreadPoolExecutor e;
        synchronized (this) {
            if (closed) {
                throw new RejectedExecutionException("closed");
            }
            if (executor == null) {
                executor = new ScheduledThreadPoolExecutor(1, threads);
                executor.setRemoveOnCancelPolicy(true);
            }
            e = executor;
        }
        e.schedule(task, nanos, TimeUnit.NANOSECONDS);
    }

    /** Stops the thread, letting scheduled flushes run first (bounded). */
    public void close(long timeoutMillis) {
        ScheduledThreadPoolExecutor e;
        synchronized (this) {
            closed = true;
            e = executor;
        }
        if (e == null) {
            return;
        }
        e.shutdown();
        try {
            e.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        e.shutdownNow();
    }
}
