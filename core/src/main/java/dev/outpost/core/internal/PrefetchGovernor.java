package dev.outpost.core.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * Opens and closes a worker's automatic prefetch (deliveries held beyond {@code concurrency},
 * waiting for a runner) from how long runs take, so that a delivery waits about
 * {@link #TARGET_WAIT_NANOS} at most on average: by Little's law, {@code prefetch} waiting
 * deliveries wait {@code prefetch × mean run / concurrency}. Fast collectors get the whole
 * prefetch (several receives open at once); slow ones none, so a fleet's idle workers take what
 * this one could not start.
 *
 * <p>{@link #ran} is called by the runs; {@link #adjust} by the worker's timer, which alone
 * changes the slots, and by {@link #idle}. Until a run has finished, nothing opens; while none finishes, the mean is at
 * least the time since the last one did, so stuck runs close it too.
 */
public final class PrefetchGovernor {
    /** How long a delivery should wait for a runner, on average. */
    static final long TARGET_WAIT_NANOS = 250_000_000L;

    private final Slots slots;
    private final int concurrency;
    private final int max;
    private final LongAdder runs = new LongAdder();
    private final LongAdder runNanos = new LongAdder();
    // the timer's own
    private long seenRuns;
    private long seenNanos;
    private long meanNanos = -1;
    private long lastRunAt;
    private boolean watching;

    /**
     * @param slots the worker's slots, holding {@code concurrency} permits (prefetch closed)
     * @param max the most it opens
     */
    public PrefetchGovernor(Slots slots, int concurrency, int max) {
        this.slots = slots;
        this.concurrency = concurrency;
        this.max = max;
    }

    /** A run finished after {@code nanos}. */
    public void ran(long nanos) {
        runNanos.add(nanos);
        runs.increment();
    }

    /** Sets the prefetch from the runs since the last call; {@code now} from the worker's ticker. */
    public void adjust(long now) {
        long r = runs.sum();
        long n = runNanos.sum();
        long done = r - seenRuns;
        if (done > 0) {
            long mean = Math.max(1, (n - seenNanos) / done);
            meanNanos = meanNanos < 0 ? mean : (meanNanos + mean) / 2;
            lastRunAt = now;
        } else if (!watching) {
            // the first call, or the first since nothing was held: no run is late yet. Not guessed from a gap
            // between calls: a timer late on a loaded machine must still see runs that do not end
            lastRunAt = now;
        } else if (meanNanos >= 0) {
            meanNanos = Math.max(meanNanos, now - lastRunAt);
        }
        watching = true;
        seenRuns = r;
        seenNanos = n;
        int want = meanNanos < 0 ? 0 : (int) Math.min(max, concurrency * TARGET_WAIT_NANOS / meanNanos);
        slots.capacity(concurrency + want);
    }

    /** Nothing is held (the timer may stop until something is): the time until the next call is no run's. */
    public void idle() {
        watching = false;
    }

    /** Deliveries it lets the worker hold beyond its concurrency now. */
    public int open() {
        return slots.capacity() - concurrency;
    }
}
