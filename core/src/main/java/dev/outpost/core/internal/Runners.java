package dev.outpost.core.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A worker's runner threads, and what keeps its runs within {@code concurrency}.
 *
 * <p>There are {@code concurrency} runners, so runs handed to them never exceed it. Without
 * prefetch the slots bound runs too: a worker holds no more deliveries than it may run. With
 * prefetch it holds more, and the extra ones wait in the runners' queue; a poller that runs fast
 * collectors itself then takes one of {@code concurrency} permits that runners take as well, so
 * pollers and runners together never run more than {@code concurrency} requests.
 */
final class Runners {
    private final ThreadPoolExecutor pool;
    /** Shared by pollers and runners; null when the runner threads alone bound the runs. */
    private final Semaphore permits;
    private final Consumer<InFlight> handBack;
    /** Deliveries a runner took from the queue but holds until a permit is free: not started either. */
    private final Set<Waiting> blocked = ConcurrentHashMap.newKeySet();

    /**
     * @param sharedWithPollers whether pollers run requests too while more deliveries are held than may run
     * @param handBack returns a delivery that will not run (the worker is stopping) to its queue
     */
    Runners(int concurrency, ThreadFactory factory, boolean sharedWithPollers, Consumer<InFlight> handBack) {
        this.pool = new ThreadPoolExecutor(concurrency, concurrency, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), factory);
        // fair, and taken only when no one waits: a poller barging in on every receive kept a runner waiting without end
        this.permits = sharedWithPollers ? new Semaphore(concurrency, true) : null;
        this.handBack = handBack;
    }

    /** For tasks that do not hold a delivery's run (an idempotency store's continuations): refused once stopping. */
    Executor executor() {
        return pool;
    }

    void prestart() {
        pool.prestartAllCoreThreads();
    }

    /** Runs {@code task} for {@code f} on a runner; when the pool refuses it (stopping), {@code f} goes back. */
    void handOff(InFlight f, Runnable task) {
        try {
            pool.execute(new Waiting(f, task));
        } catch (RuntimeException rejectedByExecutor) {
            handBack.accept(f);
        }
    }

    /** Whether a poller may run a request now; if so it calls {@link #exitOnPoller()} when done. */
    boolean enterOnPoller() {
        return permits == null || freePermit();
    }

    /** A permit if one is free and no runner waits for one (a plain tryAcquire() would barge past it). */
    private boolean freePermit() {
        try {
            return permits.tryAcquire(0, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // not a stop (that never interrupts a handler): the run goes to a runner
            return false;
        }
    }

    /** For tests: a runner is waiting for a permit. */
    boolean runnerWaitsForPermit() {
        return permits != null && permits.hasQueuedThreads();
    }

    void exitOnPoller() {
        if (permits != null) {
            permits.release();
        }
    }

    /**
     * Once the worker is stopping: hands back every delivery still waiting for a runner, or on a runner for a
     * permit; none of them started, so none need wait for the drain.
     */
    void handBackWaiting() {
        pool.getQueue().removeIf(r -> {
            if (r instanceof Waiting w) {
                handBack.accept(w.f);
                return true;
            }
            return false;
        });
        // once a permit comes free, their runs find the worker stopping and start nothing
        blocked.forEach(w -> handBack.accept(w.f));
    }

    /** Stops the runners; a delivery still queued (handed over after the last {@link #handBackWaiting}) goes back. */
    void shutdownNow() {
        for (Runnable never : pool.shutdownNow()) {
            if (never instanceof Waiting w) {
                handBack.accept(w.f);
            }
        }
    }

    /** A delivery's task in the runners' queue. */
    private final class Waiting implements Runnable {
        final InFlight f;
        private final Runnable task;

        Waiting(InFlight f, Runnable task) {
            this.f = f;
            this.task = task;
        }

        @Override
        public void run() {
            if (permits == null) {
                task.run();
                return;
            }
            if (!freePermit()) {
                blocked.add(this);
                try {
                    permits.acquire();
                } catch (InterruptedException stopping) {
                    handBack.accept(f);
                    return;
                } finally {
                    blocked.remove(this);
                }
            }
            try {
                task.run();
            } finally {
                permits.release();
            }
        }
    }
}
