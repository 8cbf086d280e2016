package dev.outpost.core.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A client's default callback executor: a small pool the client owns and stops. Its threads are
 * made at {@link #start()}, on the thread starting the client: made on the first callback, they
 * would be made on whatever thread routed it (a worker's, with a pushing transport), inheriting its
 * context class loader and inheritable thread-locals. A task that comes once it has stopped (an
 * answer routed as the client closed) runs on the caller rather than being refused.
 */
public final class CallbackPool implements Executor {
    private final ThreadPoolExecutor pool;

    public CallbackPool(int threads, ThreadFactory factory) {
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), factory);
    }

    /** Makes the pool's threads. */
    public void start() {
        pool.prestartAllCoreThreads();
    }

    @Override
    public void execute(Runnable task) {
        try {
            pool.execute(task);
        } catch (RejectedExecutionException stopped) {
            task.run();
        }
    }

    /** Stops taking tasks; those queued still run. */
    public void shutdown() {
        pool.shutdown();
    }
}
