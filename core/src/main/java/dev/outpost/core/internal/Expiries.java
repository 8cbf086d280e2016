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

    /** Runs {@code action} at the first sweep after {@code afterNanos} from now. */
    public void add(long afterNanos, Runnable action) {
        queue.add(new Expiry(ticker.getAsLong() + afterNanos, sequence.incrementAndGet(), action));
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
            e.action.run();
        }
    }

    private record Expiry(long deadlineNanos, long seq, Runnable action) implements Comparable<Expiry> {
        @Override
        public int compareTo(Expiry o) {
            int c = Long.compare(deadlineNanos - o.deadlineNanos, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
