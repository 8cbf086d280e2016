package dev.outpost.core.internal;

/**
 * How many of a poll loop's threads may have a receive open: one while the source is idle, so an
 * idle queue costs one open receive, not one per thread (on SQS, each is a call every poll wait);
 * all of them while it is busy. Any thread may be the one: a thread that leaves a receive to
 * handle what it brought makes room for another, so a thread running a slow handler never leaves
 * the source without a receive.
 *
 * <p>A receive that brings all it asked for (more may be waiting) makes the source busy; one that
 * comes back empty makes it idle (threads already receiving finish their receive); one that brings
 * some changes nothing (one thread draining what comes is keeping up). Spring Cloud AWS's automatic
 * back-pressure mode switches on any message; waiting for a full receive spares a queue with
 * sparse traffic a round of empty receives from every thread after each message.
 */
public final class Standby {
    private final int threads;
    // guarded by this
    private int receiving;
    private boolean busy;

    public Standby(int threads) {
        this.threads = threads;
    }

    /** Waits until the calling thread may open a receive; a shutdown interrupts the wait. */
    public synchronized void enter() throws InterruptedException {
        while (receiving >= (busy ? threads : 1)) {
            wait();
        }
        receiving++;
    }

    /** The calling thread's receive ended (whatever it brought, or failed): another may open one. */
    public synchronized void leave() {
        receiving--;
        notifyAll();
    }

    /** A receive that asked for {@code asked} brought {@code deliveries}. */
    public synchronized void received(int deliveries, int asked) {
        if (deliveries == 0) {
            busy = false;
        } else if (deliveries >= asked && !busy) {
            busy = true;
            notifyAll();
        }
    }
}
