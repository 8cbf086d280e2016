package dev.outpost.fleet.internal;

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
 * Makes every thread a fleet component owns, through the user's factory when one was given, and
 * remembers them so shutdown can say which are still alive.
 */
public final class Threads {
    private static final Logger log = LoggerFactory.getLogger(Threads.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final String prefix;
    private final Optional<ThreadFactory> factory;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    public Threads(String component, Optional<ThreadFactory> factory) {
        this.prefix = "outpost-" + component + "-" + INSTANCES.incrementAndGet() + "-";
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    /** A factory for threads of one role, numbered. */
    public ThreadFactory role(String role) {
        AtomicInteger n = new AtomicInteger();
        return r -> newThread(r, role + "-" + n.incrementAndGet());
    }

    /** One thread, not started. */
    public Thread newThread(Runnable r, String name) {
        Thread t;
        if (factory.isPresent()) {
            t = factory.get().newThread(r);
            if (t == null) {
                throw new IllegalStateException("the ThreadFactory returned null for " + prefix + name);
            }
        } else {
            t = new Thread(r, prefix + name);
            t.setDaemon(true);
        }
        t.setUncaughtExceptionHandler((thread, e) -> log.error("thread {} died", thread.getName(), e));
        threads.add(t);
        return t;
    }

    /** Waits for every thread made so far, until {@code deadlineNanos} (nanoTime); the names still alive. */
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
        return threads.stream().filter(t -> t.isAlive() && t != Thread.currentThread()).map(Thread::getName).toList();
    }
}
