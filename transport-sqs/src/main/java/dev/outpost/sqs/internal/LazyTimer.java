package dev.outpost.sqs.internal;

import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that sends lingering batches, made from the builder's thread factory on first
 * use: building a transport starts nothing, and a transport that never batches never has it.
 */
public final class LazyTimer {
    private static final Logger log = LoggerFactory.getLogger(LazyTimer.class);
    private final ThreadFactory threads;
    private ScheduledThreadPoolExecutor executor;
    private boolean closed;
    private volatile Thread thread;

    public LazyTimer(ThreadFactory threads) {
        this.threads = threads;
    }

    /**
     * Runs {@code task} after {@code nanos}; throws {@link RejectedExecutionException} once closed,
     * or when the thread factory gave no thread to run it (a factory may return null).
     *
     * @return cancels the task (and takes it out of the queue, so that a close does not wait for it)
     */
    public java.util.concurrent.Future<?> schedule(Runnable task, long nanos) {
        ScheduledThreadPoolExecutor e = executor();
        java.util.concurrent.ScheduledFuture<?> scheduled;
        try {
            scheduled = e.schedule(() -> {
                try {
                    task.run();
                } catch (Throwable t) { // an Error from the SDK client (user code) must not end the thread's work silently
                    log.error("a batch flush failed", t);
                }
            }, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException ex) {
            throw ex;
        } catch (RuntimeException | Error ex) { // the factory (the user's) threw after the task was queued
            if (e.getPoolSize() == 0) {
                e.getQueue().clear(); // no thread runs them: the batches they hold are sent by their callers
            }
            throw new RejectedExecutionException("the thread factory failed", ex);
        }
        if (e.getPoolSize() == 0) { // queued where no thread will ever take it: the caller must run it now
            scheduled.cancel(false); // and out of the queue (remove-on-cancel), with the batch it holds
            throw new RejectedExecutionException("the thread factory gave no thread");
        }
        return scheduled;
    }

    /** Makes the thread now (at most once). */
    public void start() {
        executor().prestartAllCoreThreads();
    }

    public synchronized boolean isStarted() {
        return executor != null;
    }

    private synchronized ScheduledThreadPoolExecutor executor() {
        if (closed) {
            throw new RejectedExecutionException("closed");
        }
        if (executor == null) {
            executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = threads.newThread(r);
                thread = t;
                return t;
            });
            executor.setRemoveOnCancelPolicy(true);
        }
        return executor;
    }

    /**
     * Stops the thread, letting scheduled flushes run first (bounded).
     *
     * @return the thread's name if it was still alive when the time was up
     */
    public Optional<String> close(long timeoutMillis) {
        ScheduledThreadPoolExecutor e;
        synchronized (this) {
            closed = true;
            e = executor;
        }
        if (e == null) {
            return Optional.empty();
        }
        e.shutdown();
        try {
            e.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        e.shutdownNow();
        Thread t = thread;
        return e.isTerminated() || t == null ? Optional.empty() : Optional.of(t.getName());
    }
}
