package dev.outpost.core.internal;

/**
 * Where the threads of a poll loop beyond its first wait while the source is idle: an idle queue
 * then costs one open receive, not one per thread (on SQS, each is a call every poll wait). The
 * first receive that brings anything wakes them; the first that comes back empty sends them back
 * here once their own receive returns. Spring Cloud AWS's automatic back-pressure mode switches
 * the same way.
 */
public final class Standby {
    private final Object lock = new Object();
    private volatile boolean busy;

    /** Returns at once while the source is busy; else waits until it is or the thread is interrupted. */
    public void await() throws InterruptedException {
        if (busy) {
            return;
        }
        synchronized (lock) {
            while (!busy) {
                lock.wait();
            }
        }
    }

    /** A receive brought {@code deliveries}: none sends the waiting threads' peers to wait, any wakes them. */
    public void received(int deliveries) {
        if (deliveries == 0) {
            busy = false;
        } else if (!busy) {
            synchronized (lock) {
                busy = true;
                lock.notifyAll();
            }
        }
    }

    /** Whether receives bring deliveries now. */
    public boolean busy() {
        return busy;
    }
}
