package dev.outpost.core.internal;

import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The permits a poll loop's thread takes before a receive, one per delivery it may hold: a full
 * batch's worth if they come free within the batch wait, else what is free (at least one). A full
 * batch is never more than the semaphore holds: its permits at start, or its capacity now for
 * {@link Slots} (a worker's prefetch that opens and closes).
 */
public final class BatchPermits {
    /** Null when nothing bounds the deliveries held. */
    private final Semaphore slots;
    private final int maxBatch;
    private final long batchWaitNanos;
    private volatile int fullBatch;

    public BatchPermits(Optional<Semaphore> slots, int maxBatch, long batchWaitNanos) {
        this.slots = slots.orElse(null);
        this.maxBatch = maxBatch;
        this.batchWaitNanos = batchWaitNanos;
        this.fullBatch = maxBatch;
    }

    /** The loop starts: a full batch is no more than what the semaphore holds now. */
    public void started() {
        if (slots != null) {
            fullBatch = Math.max(1, Math.min(maxBatch, slots.availablePermits()));
        }
    }

    /** Waits for permits (interruptibly) and says how many it took: what the next receive may ask for. */
    public int take() throws InterruptedException {
        if (slots == null) {
            return maxBatch;
        }
        int full = slots instanceof Slots s ? Math.max(1, Math.min(maxBatch, s.capacity())) : fullBatch;
        if (full > 1 && slots.tryAcquire(full, batchWaitNanos, TimeUnit.NANOSECONDS)) {
            return full;
        }
        slots.acquire();
        int n = 1;
        while (n < maxBatch && slots.tryAcquire()) {
            n++;
        }
        return n;
    }

    /** Returns permits a receive did not fill (or all, when it failed). */
    public void giveBack(int permits) {
        if (slots != null) {
            slots.release(permits);
        }
    }
}
