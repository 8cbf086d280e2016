package dev.outpost.micrometer.internal;

import dev.outpost.ShutdownResult;
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
     * {@code done}: clean when nothing is left running.
     *
     * @param t0 the {@link System#nanoTime()} the shutdown began at
     */
    public static void await(List<Thread> threads, ExecutorService pool, long t0, CompletableFuture<ShutdownResult> done) {
        try {
            threads.forEach(Thread::interrupt);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (Thread t : threads) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            if (pool != null) {
                pool.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<String> alive = threads.stream().filter(Thread::isAlive).map(Thread::getName).toList();
        boolean clean = alive.isEmpty() && (pool == null || pool.isTerminated());
        done.complete(new ShutdownResult(clean, alive, 0, Duration.ofNanos(System.nanoTime() - t0)));
    }
}
