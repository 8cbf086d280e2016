package dev.outpost.fleet.internal;

import dev.outpost.core.lifecycle.Guard;
import java.time.Duration;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Timed tasks read against an injectable nano ticker, run by one thread. With the system ticker
 * the thread sleeps until the next task is due (an idle sweeper never wakes: a thousand fleet
 * members in one JVM cost nothing between heartbeats); with a test ticker, which moves without
 * notice, it looks every {@code granularity}, so tests move time with a test clock and never sleep.
 */
public final class Sweeper {
    /** The default ticker of fleet builders: a sweeper on it sleeps until the next task is due. */
    public static final LongSupplier SYSTEM_TICKER = System::nanoTime;

    private final LongSupplier ticker;
    private final long granularityMillis;
    private final boolean realTime;
    private final Guard guard;
    private final PriorityBlockingQueue<Task> tasks = new PriorityBlockingQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean running = true;
    private final Object wake = new Object();

    /** {@code realTime}: the ticker is {@link System#nanoTime}, so waits can be computed from it. */
    public Sweeper(LongSupplier ticker, boolean realTime, long granularityMillis, Guard guard) {
        this.ticker = ticker;
        this.realTime = realTime;
        this.granularityMillis = granularityMillis;
        this.guard = guard;
    }

    /**
     * {@code wait} in nanoseconds for {@link #schedule}, at most about 146 years: builders and requests take any
     * positive duration, and converting a longer one threw 'long overflow' (half a long keeps due times comparable).
     */
    public static long nanos(Duration wait) {
        return wait.compareTo(Duration.ofNanos(Long.MAX_VALUE / 2)) > 0 ? Long.MAX_VALUE / 2 : wait.toNanos();
    }

    /** Runs {@code action} once {@code delayNanos} have passed on the ticker; the handle cancels it. */
    public Task schedule(long delayNanos, Runnable action) {
        Task t = new Task(ticker.getAsLong() + Math.max(0, delayNanos), sequence.incrementAndGet(), action);
        tasks.add(t);
        if (delayNanos <= 0 || realTime && tasks.peek() == t) {
            synchronized (wake) {
                wake.notifyAll();
            }
        }
        return t;
    }

    /** The loop the owner runs on its thread. */
    public void loop() {
        while (running) {
            runDue();
            synchronized (wake) {
                if (!running) {
                    return;
                }
                try {
                    wake.wait(waitMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private long waitMillis() {
        if (!realTime) {
            return granularityMillis;
        }
        Task next = tasks.peek();
        if (next == null) {
            return 0; // until a task is scheduled
        }
        long nanos = next.due - ticker.getAsLong();
        return nanos <= 0 ? 1 : Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    /** Runs every task that is due now; also callable by tests and by the owner's stop. */
    public void runDue() {
        long now = ticker.getAsLong();
        Task t;
        while ((t = tasks.peek()) != null && now - t.due >= 0) {
            if (tasks.remove(t) && !t.cancelled) {
                guard.run("timed task", t.action);
            }
        }
    }

    public void stop() {
        running = false;
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /** A scheduled action. */
    public static final class Task implements Comparable<Task> {
        final long due;
        final long seq;
        final Runnable action;
        volatile boolean cancelled;

        Task(long due, long seq, Runnable action) {
            this.due = due;
            this.seq = seq;
            this.action = action;
        }

        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(due - o.due, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
