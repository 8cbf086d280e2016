package dev.outpost.core.internal;

import java.util.function.LongSupplier;

/**
 * Runs past their deadline are interrupted by {@link #sweep()}, which the owner calls from its
 * timer. Time is read from the owner's ticker, so a test that advances the ticker times a run out
 * at the next sweep.
 */
public final class Deadlines {
    private final LongSupplier ticker;
    private final SlotSet<Ticket> running;

    /** Deadlines for about {@code expected} runs at once (more are watched too, a little slower). */
    public Deadlines(LongSupplier ticker, int expected) {
        this.ticker = ticker;
        this.running = new SlotSet<>(expected);
    }

    /** Watches the calling thread until the ticket is closed. */
    public Ticket watch(long deadlineNanos) {
        Ticket t = new Ticket(Thread.currentThread(), deadlineNanos);
        running.add(t);
        return t;
    }

    /** Interrupts every watched thread whose deadline has passed. */
    public void sweep() {
        long now = ticker.getAsLong();
        running.forEach(t -> {
            if (now - t.deadlineNanos >= 0) {
                t.timeOut();
            }
        });
    }

    /** Interrupts every watched thread (shutdown). */
    public void interruptAll() {
        running.forEach(Ticket::interrupt);
    }

    /** One watched run. */
    public final class Ticket extends SlotSet.Member implements AutoCloseable {
        private final long deadlineNanos;
        private Thread thread;
        private volatile boolean timedOut;

        Ticket(Thread thread, long deadlineNanos) {
            this.thread = thread;
            this.deadlineNanos = deadlineNanos;
        }

        /** Whether the run was interrupted because its deadline passed. */
        public boolean timedOut() {
            return timedOut;
        }

        synchronized void timeOut() {
            if (thread != null && !timedOut) {
                timedOut = true;
                thread.interrupt();
            }
        }

        synchronized void interrupt() {
            if (thread != null) {
                thread.interrupt();
            }
        }

        /** Stops watching; clears an interrupt the sweep may have delivered after the run ended. */
        @Override
        public void close() {
            synchronized (this) {
                thread = null;
            }
            running.remove(this);
            Thread.interrupted();
        }
    }
}
