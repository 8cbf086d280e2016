package dev.outpost.core.lifecycle;

import dev.outpost.ShutdownResult;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle every long-lived Outpost component shares, for components of its own modules and
 * of yours: built (nothing running), {@link #start() started} once, {@link #shutdown shut down}
 * once with the same future for every call, and the {@link OwnedThreads threads} it made, from the
 * user's {@link ThreadFactory} when one was given.
 *
 * <pre>{@code
 * public final class Poller implements AutoCloseable {
 *     private final Lifecycle lifecycle = new Lifecycle("Poller[orders]", "poller", Optional.empty());
 *
 *     public void start() {
 *         lifecycle.start();                       // twice: IllegalStateException
 *         lifecycle.startThread("loop", this::loop);
 *     }
 *
 *     private void loop() {
 *         while (lifecycle.running()) { ... }
 *     }
 *
 *     public CompletableFuture<ShutdownResult> shutdown() {
 *         return lifecycle.shutdown(Duration.ofSeconds(10), true, () -> { });
 *     }
 *
 *     public void close() {
 *         lifecycle.closeAndReport(shutdown());
 *     }
 * }
 * }</pre>
 */
public final class Lifecycle {
    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);
    private static final ShutdownResult NOTHING_RAN = new ShutdownResult(true, List.of(), 0, Duration.ZERO);

    /** What a component does to stop: close sockets, wake its loops. Runs once. */
    @FunctionalInterface
    public interface Stopper {
        /** Stops what the component started, before its threads are awaited. */
        void stop() throws Exception;
    }

    private enum State { NEW, RUNNING, STOPPED }

    private final String name;
    private final OwnedThreads threads;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final AtomicReference<CompletableFuture<ShutdownResult>> shutdown = new AtomicReference<>();

    /**
     * With daemon default threads.
     *
     * @param name the component, for messages: {@code SqliteRegistry[/var/kv.db]}
     * @param component short name in default thread names: {@code kv-sqlite}
     * @param factory the user's thread factory; empty for Outpost's named threads
     */
    public Lifecycle(String name, String component, Optional<ThreadFactory> factory) {
        this(name, new OwnedThreads(component, factory, true));
    }

    /**
     * @param name the component, for messages
     * @param threads where its threads come from
     */
    public Lifecycle(String name, OwnedThreads threads) {
        this.name = Objects.requireNonNull(name, "name");
        this.threads = Objects.requireNonNull(threads, "threads");
    }

    /**
     * Moves from built to running.
     *
     * @throws IllegalStateException when started before, or shut down
     */
    public void start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException(name + (state.get() == State.RUNNING ? " was started before" : " was shut down; build a new one"));
        }
    }

    /** Back to stopped when {@link #start()} failed half-way; the caller undoes what it opened. */
    public void failedStart() {
        state.set(State.STOPPED);
        shutdown.compareAndSet(null, CompletableFuture.completedFuture(NOTHING_RAN));
    }

    /** Whether started and not shut down. */
    public boolean running() {
        return state.get() == State.RUNNING;
    }

    /** Whether shutdown was called (or start failed). */
    public boolean stopped() {
        return state.get() == State.STOPPED;
    }

    /** @throws IllegalStateException when not started yet (callers map the stopped case themselves) */
    public void requireStarted() {
        if (state.get() == State.NEW) {
            throw new IllegalStateException(name + " is not started: call start() first");
        }
    }

    /** @throws IllegalStateException unless running */
    public void checkRunning() {
        State s = state.get();
        if (s != State.RUNNING) {
            throw new IllegalStateException(name + (s == State.NEW ? " is not started: call start() first" : " is shut down"));
        }
    }

    /** The threads this component made. */
    public OwnedThreads threads() {
        return threads;
    }

    /** A factory for threads of one role, numbered: for executors the component owns. */
    public ThreadFactory role(String role) {
        return threads.role(role);
    }

    /** One named thread the component owns, not started. */
    public Thread newThread(Runnable body, String role) {
        return threads.newThread(body, role);
    }

    /** One named thread the component owns, started. */
    public Thread startThread(String role, Runnable body) {
        Thread t = threads.newThread(body, role);
        t.start();
        return t;
    }

    /** As {@link #shutdown(Duration, boolean, Stopper)} without interrupting the threads. */
    public CompletableFuture<ShutdownResult> shutdown(Duration grace, Stopper stopper) {
        return shutdown(grace, false, stopper);
    }

    /**
     * Stops once and returns the same future to every call. Before {@link #start()} it completes at
     * once (nothing ran) and start is refused from then on. Otherwise, on a thread of its own so
     * the caller never waits: runs {@code stopper}, interrupts the component's threads when
     * {@code interrupt} (a read blocked on a stream that closing did not wake), then waits up to
     * {@code grace} for every thread the component made.
     */
    public CompletableFuture<ShutdownResult> shutdown(Duration grace, boolean interrupt, Stopper stopper) {
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(stopper, "stopper");
        CompletableFuture<ShutdownResult> mine = new CompletableFuture<>();
        if (!shutdown.compareAndSet(null, mine)) {
            return shutdown.get();
        }
        if (state.getAndSet(State.STOPPED) == State.NEW) {
            mine.complete(NOTHING_RAN);
            return mine;
        }
        long t0 = System.nanoTime();
        Runnable stop = () -> {
            boolean clean = true;
            try {
                stopper.stop();
            } catch (Throwable e) {
                clean = false;
                log.warn("{}: stopping failed: {}", name, e.toString(), e);
            }
            if (interrupt) {
                threads.interruptAll();
            }
            List<String> alive = threads.awaitTermination(t0 + grace.toNanos());
            mine.complete(new ShutdownResult(clean && alive.isEmpty(), alive, 0, Duration.ofNanos(System.nanoTime() - t0)));
        };
        try {
            Thread runner = threads.newThread(stop, "shutdown");
            threads.forget(runner);
            runner.start(); // fails when the process has no threads left: the stop runs here all the same
        } catch (RuntimeException | Error e) {
            stop.run();
        }
        return mine;
    }

    /**
     * Waits for {@code future} (from {@link #shutdown}) and logs an unclean end: for {@code close()}. On one of the
     * component's own threads it does not wait: the shutdown waits for that thread.
     */
    public void closeAndReport(CompletableFuture<ShutdownResult> future) {
        if (threads.owns(Thread.currentThread())) {
            return;
        }
        ShutdownResult r = future.join();
        if (!r.clean()) {
            log.warn("{} closed, but not cleanly; threads still running: {}", name, r.threadsStillAlive());
        }
    }
}
