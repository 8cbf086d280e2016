package dev.outpost.http.internal;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import okhttp3.Call;

/**
 * Cancels calls that outlive their deadline. One thread per fetcher, ticking every
 * {@value #TICK_MILLIS} ms while calls are in flight and parked when idle. Registering a call costs
 * a map insert; OkHttp's own call timeout wakes its watchdog thread on every call, which on a busy
 * machine costs more than the rest of the collector's work.
 */
final class Watchdog implements AutoCloseable {
    static final long TICK_MILLIS = 10;
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Optional<ThreadFactory> threads;
    private final Map<Call, Long> deadlines = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private Thread thread;
    private volatile boolean parked;
    private volatile boolean closed;

    Watchdog(Optional<ThreadFactory> threads) {
        this.threads = threads;
    }

    /** A thread of the user's factory when one was given, else a daemon named {@code defaultName}. */
    static Thread newThread(Optional<ThreadFactory> threads, Runnable r, String defaultName) {
        if (threads.isPresent()) {
            Thread t = threads.get().newThread(r);
            if (t == null) {
                throw new IllegalStateException("the ThreadFactory returned null for " + defaultName);
            }
            return t;
        }
        Thread t = new Thread(r, defaultName);
        t.setDaemon(true); // a collector left open must not keep the JVM alive
        return t;
    }

    /** Watches {@code call} until {@link #release}; cancels it once {@code System.nanoTime()} passes {@code deadlineNanos}. */
    void watch(Call call, long deadlineNanos) {
        deadlines.put(call, deadlineNanos);
        Thread t = thread;
        if (t == null) {
            synchronized (lock) {
                if (thread == null && !closed) {
                    Thread made = newThread(threads, this::run, "outpost-http-deadline-" + SEQUENCE.incrementAndGet());
                    made.start();
                    thread = made;
                }
                t = thread;
            }
        }
        if (parked && t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Stops watching {@code call}. */
    void release(Call call) {
        deadlines.remove(call);
    }

    private void run() {
        long idleSince = System.nanoTime();
        while (!closed) {
            long now = System.nanoTime();
            if (deadlines.isEmpty()) {
                if (now - idleSince > IDLE_NANOS) {
                    parked = true;
                    // Re-check after publishing 'parked', so that a concurrent watch() is not missed.
                    if (deadlines.isEmpty() && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    idleSince = System.nanoTime();
                    continue;
                }
            } else {
                idleSince = now;
                deadlines.forEach((call, deadline) -> {
                    if (now - deadline >= 0) {
                        call.cancel();
                        deadlines.remove(call);
                    }
                });
            }
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS));
        }
    }

    /** Stops the thread. Calls still in flight are no longer bounded by it. */
    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (lock) {
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
