package dev.outpost.micrometer.internal;

import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.OwnedThreads;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** The end of an endpoint's shutdown: interrupts its threads, waits for them and its pool, and reports. */
public final class ThreadsEnd {
    private ThreadsEnd() {}

    /**
     * Interrupts {@code threads}, waits up to 5 s in all for them and {@code pool}, then completes
     * {@code done}: clean when nothing is left running, else naming every thread of {@code owned} still alive.
     *
     * @param owned every thread the endpoint made, the pool's included: a connection stuck in a gauge is one of those
     * @param t0 the {@link System#nanoTime()} the shutdown began at
     */
    public static void await(List<Thread> threads, ExecutorService pool, OwnedThreads owned, long t0,
            CompletableFuture<ShutdownResult> done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            threads.forEach(Thread::interrupt);
            for (Thread t : threads) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            if (pool != null) {
                pool.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<String> alive = owned.awaitTermination(deadline);
        boolean clean = alive.isEmpty() && (pool == null || pool.isTerminated());
        done.complete(new ShutdownResult(clean, alive, 0, Duration.ofNanos(System.nanoTime() - t0)));
    }
}
