package dev.outpost.kv.internal;

import dev.outpost.ShutdownResult;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle every component of this module shares: built (nothing running), started once,
 * shut down once (the same future for every call). Makes and remembers the component's threads,
 * through the user's {@link ThreadFactory} when one was given, so that shutdown can say which are
 * still alive.
 */
public final class Lifecycle {
    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private enum State { NEW, RUNNING, STOPPED }

    private final String name;
    private final String prefix;
    private final Optional<ThreadFactory> factory;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CompletableFuture<ShutdownResult> done = new CompletableFuture<>();

    /**
     * @param name the component, for messages ({@code SqliteRegistry[/var/kv.db]})
     * @param component short name in default thread names ({@code kv-sqlite})
     */
    public Lifecycle(String name, String component, Optional<ThreadFactory> factory) {
        this.name = Objects.requireNonNull(name, "name");
        this.prefix = "outpost-" + component + "-" + INSTANCES.incrementAndGet() + "-";
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    /** Moves to running; throws when started before or shut down. */
    public void start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException(name + (state.get() == State.RUNNING ? " was started before" : " was shut down; build a new one"));
        }
    }

    /** Whether {@link #start()} ran and shutdown did not. */
    public boolean running() {
        return state.get() == State.RUNNING;
    }

    /** Whether shutdown was called. */
    public boolean stopped() {
        return state.get() == State.STOPPED;
    }

    /** Throws {@link IllegalStateException} unless running (callers map the stopped case themselves). */
    public void requireStarted() {
        if (state.get() == State.NEW) {
            throw new IllegalStateException(name + " is not started: call start() first");
        }
    }

    /** A factory for threads of one role. */
    public ThreadFactory role(String role) {
        AtomicInteger n = new AtomicInteger();
        return r -> newThread(r, role + "-" + n.incrementAndGet());
    }

    /** One named thread, not started. */
    public Thread newThread(Runnable r, String role) {
        Thread t;
        if (factory.isPresent()) {
            t = factory.get().newThread(r);
            if (t == null) {
                throw new IllegalStateException("the ThreadFactory returned null for " + prefix + role);
            }
        } else {
            t = new Thread(r, prefix + role);
            t.setDaemon(true);
        }
        // our loops catch everything themselves; this only reports what escapes a bug of ours
        t.setUncaughtExceptionHandler((thread, e) -> log.error("thread {} died", thread.getName(), e));
        threads.add(t);
        return t;
    }

    /**
     * The first call moves to stopped and runs {@code stop} (on a thread of its own when the
     * component was running; at once when it never started), then waits up to {@code limit} for
     * every thread to end. Every call returns the same future.
     */
    public CompletableFuture<ShutdownResult> shutdown(Runnable stop, Duration limit) {
        State was = state.getAndSet(State.STOPPED);
        if (was == State.STOPPED) {
            return done;
        }
        long started = System.nanoTime();
        Runnable body = () -> {
            boolean clean = true;
            try {
                stop.run();
            } catch (Throwable t) {
                clean = false;
                log.error("{}: stopping failed", name, t);
            }
            List<String> alive = awaitTermination(started + limit.toNanos());
            done.complete(new ShutdownResult(clean && alive.isEmpty(), alive, 0, Duration.ofNanos(System.nanoTime() - started)));
        };
        if (was == State.NEW) {
            body.run();
        } else {
            try {
                newThread(body, "shutdown").start();
            } catch (RuntimeException | Error e) {
                body.run();
            }
        }
        return done;
    }

    private List<String> awaitTermination(long deadline) {
        for (Thread t : threads) {
            if (t == Thread.currentThread()) {
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left > 0) {
                try {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return threads.stream().filter(t -> t.isAlive() && t != Thread.currentThread() && t.getState() != Thread.State.NEW)
                .map(Thread::getName).toList();
    }

    /** {@code shutdown} and wait; an unclean result is logged. */
    public static void closeAndWait(CompletableFuture<ShutdownResult> shutdown, String name) {
        ShutdownResult r = shutdown.join();
        if (!r.clean()) {
            log.warn("{} closed, but these threads were still running: {}", name, r.threadsStillAlive());
        }
    }
}
