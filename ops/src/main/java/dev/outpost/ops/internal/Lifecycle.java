package dev.outpost.ops.internal;

import dev.outpost.ShutdownResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

/**
 * The start-once / shutdown-once state of a component and the threads it made. {@link #shutdown}
 * runs {@code stopper} once, then waits (on a thread of its own) for the threads to end.
 */
public final class Lifecycle {
    private final String name;
    private final ThreadFactory threads;
    private final List<Thread> started = new CopyOnWriteArrayList<>();
    private final CompletableFuture<ShutdownResult> done = new CompletableFuture<>();
    private boolean running;
    private boolean stopped;

    public Lifecycle(String name, ThreadFactory threads) {
        this.name = name;
        this.threads = threads;
    }

    public synchronized void start() {
        if (running || stopped) {
            throw new IllegalStateException(name + (stopped ? " was shut down" : " is already started"));
        }
        running = true;
    }

    public synchronized boolean isRunning() {
        return running && !stopped;
    }

    public Thread thread(String role, Runnable body) {
        Thread t = threads.newThread(body);
        try {
            t.setName(name + "-" + role);
        } catch (SecurityException ignored) {
            // a factory may forbid renaming: keep its name
        }
        started.add(t);
        t.start();
        return t;
    }

    public CompletableFuture<ShutdownResult> shutdown(Runnable stopper, Duration wait) {
        return shutdown(stopper, wait, true);
    }

    /** As {@link #shutdown(Runnable, Duration)}; {@code interrupt} false lets the threads finish what they hold. */
    public CompletableFuture<ShutdownResult> shutdown(Runnable stopper, Duration wait, boolean interrupt) {
        synchronized (this) {
            if (stopped) {
                return done;
            }
            stopped = true;
        }
        long t0 = System.nanoTime();
        try {
            stopper.run();
        } catch (RuntimeException e) {
            // stopping is best effort; the threads still alive are reported below
        }
        // a read blocked on a stream that closing did not wake (pipes) ends on interrupt
        if (interrupt) {
            started.forEach(Thread::interrupt);
        }
        if (started.isEmpty()) {
            done.complete(new ShutdownResult(true, List.of(), 0, Duration.ofNanos(System.nanoTime() - t0)));
            return done;
        }
        // the wait runs on the common pool: no thread of the caller's factory outlives shutdown
        CompletableFuture.runAsync(() -> {
            long deadline = System.nanoTime() + wait.toNanos();
            List<String> alive = new ArrayList<>();
            for (Thread t : started) {
                try {
                    long left = deadline - System.nanoTime();
                    if (left > 0 && t != Thread.currentThread()) {
                        t.join(Math.max(1, left / 1_000_000));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (t.isAlive() && t != Thread.currentThread()) {
                    alive.add(t.getName());
                }
            }
            done.complete(new ShutdownResult(alive.isEmpty(), alive, 0, Duration.ofNanos(System.nanoTime() - t0)));
        });
        return done;
    }
}
