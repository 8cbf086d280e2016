package dev.outpost.core.internal;

import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Actions due at a time on a nano ticker (call timeouts, broadcast deadlines), run by whoever sweeps. */
public final class Expiries {
    private final PriorityBlockingQueue<Expiry> queue = new PriorityBlockingQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    /** Cancelled entries still queued: a call answered at once would else stay here until its timeout. */
    private final AtomicInteger cancelled = new AtomicInteger();
    private final LongSupplier ticker;
    private static final java.time.Duration CENTURY = java.time.Duration.ofDays(36_500);

    public Expiries(LongSupplier ticker) {
        this.ticker = ticker;
    }

    /** {@code d} in nanoseconds, at most a century: longer is for ever all the same, and overflows a long past 292 years. */
    public static long nanos(java.time.Duration d) {
        return d.compareTo(CENTURY) > 0 ? CENTURY.toNanos() : d.toNanos();
    }

    /** {@code start + d}, or {@link java.time.Instant#MAX} past it: a scheduled job's timeout may be centuries. */
    public static java.time.Instant instantAfter(java.time.Instant start, java.time.Duration d) {
        try {
            return start.plus(d);
        } catch (java.time.DateTimeException | ArithmeticException e) {
            return java.time.Instant.MAX;
        }
    }

    /** Runs {@code action} at the first sweep after {@code afterNanos} from now, unless {@linkplain Expiry#cancel cancelled}. */
    public Expiry add(long afterNanos, Runnable action) {
        Expiry e = new Expiry(this, ticker.getAsLong() + afterNanos, sequence.incrementAndGet(), action);
        queue.add(e);
        return e;
    }

    /** Runs every action that is due, and drops cancelled entries once they are most of the queue. */
    public void sweep() {
        int dead = cancelled.get();
        if (dead > 64 && dead > queue.size() / 2) {
            // linear, and only once as many entries were cancelled since: constant per cancel
            queue.removeIf(x -> {
                if (x.action == null) {
                    cancelled.decrementAndGet();
                    return true;
                }
                return false;
            });
        }
        long now = ticker.getAsLong();
        Expiry e;
        while ((e = queue.poll()) != null) {
            if (now - e.deadlineNanos < 0) {
                queue.add(e);
                break;
            }
            // taken, not read: a cancel racing this finds nothing and does not count itself
            Runnable a = (Runnable) Expiry.ACTION.getAndSet(e, (Runnable) null);
            if (a != null) {
                a.run();
            } else {
                cancelled.decrementAndGet();
            }
        }
    }

    /** Entries queued, the cancelled ones included. */
    public int size() {
        return queue.size();
    }

    /** One pending action. */
    public static final class Expiry implements Comparable<Expiry> {
        private static final java.lang.invoke.VarHandle ACTION;
        private final Expiries owner;
        private final long deadlineNanos;
        private final long seq;
        private volatile Runnable action;

        static {
            try {
                ACTION = java.lang.invoke.MethodHandles.lookup().findVarHandle(Expiry.class, "action", Runnable.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private Expiry(Expiries owner, long deadlineNanos, long seq, Runnable action) {
            this.owner = owner;
            this.deadlineNanos = deadlineNanos;
            this.seq = seq;
            this.action = action;
        }

        /**
         * The action will not run, and what it holds is let go now: a call answered long before its
         * timeout kept its future and response reachable from here until the timeout passed.
         */
        public void cancel() {
            if (ACTION.getAndSet(this, (Runnable) null) != null) {
                owner.cancelled.incrementAndGet();
            }
        }

        @Override
        public int compareTo(Expiry o) {
            int c = Long.compare(deadlineNanos - o.deadlineNanos, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
