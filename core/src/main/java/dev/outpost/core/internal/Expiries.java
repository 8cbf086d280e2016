package dev.outpost.core.internal;

import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Actions due at a time on a nano ticker (call timeouts, broadcast deadlines), run by whoever sweeps. */
public final class Expiries {
    private final PriorityBlockingQueue<Expiry> queue = new PriorityBlockingQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    private final LongSupplier ticker;

    public Expiries(LongSupplier ticker) {
        this.ticker = ticker;
    }

    /** Runs {@code action} at the first sweep after {@code afterNanos} from now, unless {@linkplain Expiry#cancel cancelled}. */
    public Expiry add(long afterNanos, Runnable action) {
        Expiry e = new Expiry(ticker.getAsLong() + afterNanos, sequence.incrementAndGet(), action);
        queue.add(e);
        return e;
    }

    /** Runs every action that is due. */
    public void sweep() {
        long now = ticker.getAsLong();
        Expiry e;
        while ((e = queue.poll()) != null) {
            if (now - e.deadlineNanos < 0) {
                queue.add(e);
                break;
            }
            Runnable a = e.action;
            if (a != null) {
                a.run();
            }
        }
    }

    /** One pending action. */
    public static final class Expiry implements Comparable<Expiry> {
        private final long deadlineNanos;
        private final long seq;
        private volatile Runnable action;

        private Expiry(long deadlineNanos, long seq, Runnable action) {
            this.deadlineNanos = deadlineNanos;
            this.seq = seq;
            this.action = action;
        }

        /**
         * The action will not run, and what it holds is let go now: a call answered long before its
         * timeout kept its future and response reachable from here until the timeout passed.
         */
        public void cancel() {
            action = null;
        }

        @Override
        public int compareTo(Expiry o) {
            int c = Long.compare(deadlineNanos - o.deadlineNanos, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
