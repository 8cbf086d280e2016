package dev.outpost.core.lifecycle;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes every thread one component owns, through the user's {@link ThreadFactory} when one was
 * given, and remembers those that have not ended, so that shutdown can say which are still
 * alive. Default names are unique per component instance: {@code outpost-worker-3-runner-2}.
 *
 * <p>Part of the kit every Outpost module (and a module of your own) builds its long-lived
 * components from; see {@link Lifecycle}.
 */
public final class OwnedThreads {
    private static final Logger log = LoggerFactory.getLogger(OwnedThreads.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final String prefix;
    private final Optional<ThreadFactory> factory;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final boolean daemon;

    /**
     * Non-daemon default threads: the JVM waits for them, so a component that is not shut down
     * keeps its process alive (a worker's main job).
     *
     * @param component short name in default thread names: {@code worker}, {@code kv-sqlite}
     * @param factory the user's factory; empty for Outpost's named threads
     */
    public OwnedThreads(String component, Optional<ThreadFactory> factory) {
        this(component, factory, false);
    }

    /**
     * @param component short name in default thread names
     * @param factory the user's factory; empty for Outpost's named threads
     * @param daemon whether default threads are daemons (the user's factory decides for its own)
     */
    public OwnedThreads(String component, Optional<ThreadFactory> factory, boolean daemon) {
        this.prefix = "outpost-" + Objects.requireNonNull(component, "component") + "-" + INSTANCES.incrementAndGet() + "-";
        this.factory = Objects.requireNonNull(factory, "factory");
        this.daemon = daemon;
    }

    /** A factory for threads of one role ({@code poller}, {@code runner}, {@code timer}). */
    public ThreadFactory role(String role) {
        AtomicInteger n = new AtomicInteger();
        return r -> newThread(r, role + "-" + n.incrementAndGet());
    }

    /** One named thread, not started. */
    public Thread newThread(Runnable r, String name) {
        Thread t;
        if (factory.isPresent()) {
            t = factory.get().newThread(r);
            if (t == null) {
                throw new IllegalStateException("the ThreadFactory returned null for " + prefix + name);
            }
        } else {
            t = new Thread(r, prefix + name);
            t.setDaemon(daemon);
        }
        // our loops catch everything themselves; this only reports what escapes a bug of ours
        t.setUncaughtExceptionHandler((thread, e) -> log.error("thread {} died", thread.getName(), e));
        // a server's pool makes a thread per connection when its threads have idled out: remembering the ended ones
        // would grow this list (and each copy of it) with every connection a client ever opened
        threads.removeIf(x -> x.getState() == Thread.State.TERMINATED);
        threads.add(t);
        return t;
    }

    /**
     * Waits until every thread made so far has ended, at most until {@code deadlineNanos}
     * ({@link System#nanoTime()} time).
     *
     * @return the names of those still alive
     */
    public List<String> awaitTermination(long deadlineNanos) {
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
        return threads.stream().filter(t -> t.isAlive() && t != Thread.currentThread() && t.getState() != Thread.State.NEW)
                .map(Thread::getName).toList();
    }

    /** Interrupts every live thread made here, but the caller's own. */
    public void interruptAll() {
        for (Thread t : threads) {
            if (t != Thread.currentThread()) {
                t.interrupt();
            }
        }
    }

    /** Whether {@code t} was made here (and, if it ended, was not forgotten since). */
    public boolean owns(Thread t) {
        return threads.contains(t);
    }

    /** Forgets {@code t}: for a thread whose end is not awaited (the one that runs a shutdown). */
    void forget(Thread t) {
        threads.remove(t);
    }

    /** How many threads are remembered now (tests). */
    int remembered() {
        return threads.size();
    }

    /** The prefix of default names, for messages. */
    public String prefix() {
        return prefix;
    }
}
