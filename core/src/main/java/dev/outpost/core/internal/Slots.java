package dev.outpost.core.internal;

import java.util.concurrent.Semaphore;

/**
 * A worker's slots, one permit per delivery it may hold, whose number may change while it runs:
 * {@link PrefetchGovernor} adds the prefetch it opens and takes back what it closes (a permit in
 * use is taken back when released).
 */
public final class Slots extends Semaphore {
    private static final long serialVersionUID = 1L;
    private volatile int capacity;

    public Slots(int permits) {
        super(permits);
        this.capacity = permits;
    }

    /** Deliveries that may be held now, in use or not. */
    public int capacity() {
        return capacity;
    }

    /**
     * Sets the deliveries that may be held; one thread changes it (the worker's timer). Permits
     * added are free at once; those taken away are the free ones at once, those in use as they come back.
     */
    void capacity(int permits) {
        int change = permits - capacity;
        capacity = permits;
        if (change > 0) {
            release(change);
        } else if (change < 0) {
            reducePermits(-change);
        }
    }
}
