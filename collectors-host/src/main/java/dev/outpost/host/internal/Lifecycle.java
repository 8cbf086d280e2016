package dev.outpost.host.internal;

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
 * The lifecycle every component of this module shares: built, {@link #start started} once,
 * {@link #shutdown shut down} once (the same future every call), and the threads it made, from the
 * user's {@link ThreadFactory} when one was given, named {@code outpost-COMPONENT-N-ROLE} otherwise.
 */
public final class Lifecycle {
    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** What a component does when it stops; runs once, on the thread that called shutdown first. */
    @FunctionalInterface
    public interface Stopper {
        /** Stops what the component started (interrupt, close sockets), before its threads are awaited. */
        void stop() throws Exception;
    }

    private enum State { NEW, RUNNING, STOPPED }

    private final String component;
    private final String prefix;
    private final Optional<ThreadFactory> factory;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CompletableFuture<ShutdownResult> done = new CompletableFuture<>();
    private final AtomicReference<CompletableFuture<ShutdownResult>> shutdown = new AtomicReference<>();

    /** @param component for names and messages: {@code records-http}, {@code outbox}... */
    public Lifecycle(String component, Optional<ThreadFactory> factory) {
        this.component = component;
        this.prefix = "outpost-" + component + "-" + INSTANCES.incrementAndGet() + "-";
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    /**
     * Moves from built to running.
     *
     * @throws IllegalStateException when started before, or shut down
     */
    public void start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException(component + " was " + (state.get() == State.RUNNING ? "already started"
                    : "shut down; build a new one"));
        }
    }

    /** Back to stopped when start() failed half-way (the caller undoes what it opened). */
    public void failedStart() {
        state.set(State.STOPPED);
        shutdown.compareAndSet(null, CompletableFuture.completedFuture(new ShutdownResult(true, List.of(), 0, Duration.ZERO)));
    }

    /** Whether started and not shut down. */
    public boolean running() {
        return state.get() == State.RUNNING;
    }

    /** @throws IllegalStateException unless running */
    public void checkRunning() {
        State s = state.get();
        if (s != State.RUNNING) {
            throw new IllegalStateException(component + (s == State.NEW ? " is not started: call start()" : " is shut down"));
        }
    }

    /** A named thread (not started) the component owns. */
    public Thread newThread(Runnable r, String role) {
        Thread t;
        if (factory.isPresent()) {
            t = factory.get().newThread(r);
            if (t == null) {
                throw new IllegalStateException("the ThreadFactory returned null for " + prefix + role);
            }
        } else {
            t = new Thread(r, prefix + role);
            t.setDaemon(false);
        }
        // loops catch everything themselves; this only reports what escapes a bug of ours
        t.setUncaughtExceptionHandler((thread, e) -> log.error("thread {} died", thread.getName(), e));
        threads.add(t);
        return t;
    }

    /** A factory for threads of one role, numbered. */
    public ThreadFactory role(String role) {
        AtomicInteger n = new AtomicInteger();
        return r -> newThread(r, role + "-" + n.incrementAndGet());
    }

    /**
     * Stops once: runs {@code stopper}, then waits up to {@code grace} for every thread made.
     * Before {@link #start()} it completes at once and start is refused from then on.
     */
    public CompletableFuture<ShutdownResult> shutdown(Duration grace, Stopper stopper) {
        CompletableFuture<ShutdownResult> mine = new CompletableFuture<>();
        if (!shutdown.compareAndSet(null, mine)) {
            return shutdown.get();
        }
        State before = state.getAndSet(State.STOPPED);
        if (before == State.NEW) {
            mine.complete(new ShutdownResult(true, List.of(), 0, Duration.ZERO));
            return mine;
        }
        long t0 = System.nanoTime();
        Runnable stop = () -> {
            boolean clean = true;
            try {
                stopper.stop();
            } catch (Throwable e) {
                clean = false;
                log.warn("{}: stopping failed: {}", component, e.toString(), e);
            }
            List<String> alive = await(t0 + grace.toNanos());
            mine.complete(new ShutdownResult(clean && alive.isEmpty(), alive, 0, Duration.ofNanos(System.nanoTime() - t0)));
        };
        // the shutdown runs on one of our own threads when called from one (a handler closing its server)
        if (threads.contains(Thread.currentThread())) {
            Thread t = newThread(stop, "shutdown");
            threads.remove(t);
            t.start();
        } else {
            stop.run();
        }
        return mine;
    }

    private List<String> await(long deadlineNanos) {
        for (Thread t : threads) {
            if (t == Thread.currentThread()) {
                continue;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left > 0) {
                try {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return threads.stream().filter(t -> t.isAlive() && t != Thread.currentThread()).map(Thread::getName).toList();
    }

    /** Logs an unclean shutdown; for close(). */
    public void closeAndReport(CompletableFuture<ShutdownResult> future) {
        ShutdownResult r = future.join();
        if (!r.clean()) {
            log.warn("{} closed, but not cleanly; threads still running: {}", component, r.threadsStillAlive());
        }
    }
}
