package dev.outpost.testing.internal;

import java.time.Clock;
import java.time.Instant;

/** Lets a thread wait for a test clock to pass an instant; whoever advances the clock calls {@link #moved()}. */
public final class ClockWaiter {
    private final Clock clock;
    private final Object monitor = new Object();

    public ClockWaiter(Clock clock) {
        this.clock = clock;
    }

    public void awaitInstant(Instant until) throws InterruptedException {
        synchronized (monitor) {
            while (clock.instant().isBefore(until)) {
                monitor.wait(50); // bounded, so a clock moved by someone who does not call moved() is still seen
            }
        }
    }

    public void moved() {
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }
}
