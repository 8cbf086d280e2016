package dev.outpost.fleet.internal;

import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Timed tasks read against an injectable nano ticker: one thread wakes every {@code granularity}
 * and runs what is due, so tests move time with a test clock and never sleep.
 */
public final class Sweeper {
    private final LongSupplier ticker;
    private final long granularityMillis;
    private final Guard guard;
    private final PriorityBlockingQueue<Task> tasks = new PriorityBlockingQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean running = true;
    private final Object wake = new Object();

    public Sweeper(LongSupplier ticker, long granularityMillis, Guard guard) {
        this.ticker = ticker;
        this.granularityMillis = granularityMillis;
        this.guard = guard;
    }

    /** Runs {@code action} once {@code delayNanos} have passed on the ticker; the handle cancels it. */
    public Task schedule(long delayNanos, Runnable action) {
        Task t = new Task(ticker.getAsLong() + Math.max(0, delayNanos), sequence.incrementAndGet(), action);
        tasks.add(t);
        if (delayNanos <= 0) {
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
                    wake.wait(granularityMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
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
