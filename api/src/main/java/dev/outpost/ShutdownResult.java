package dev.outpost;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a long-lived component (a worker, client, scheduler, registry, server) stopped.
 *
 * @param clean true when every thread it owned had ended within its time and nothing was left
 *     undone
 * @param threadsStillAlive names of threads still running when the time was up (a collector that
 *     ignores interrupts keeps its thread)
 * @param handedBack deliveries given back to the queue unfinished (they will be delivered again)
 * @param took how long the shutdown took
 */
public record ShutdownResult(boolean clean, List<String> threadsStillAlive, int handedBack, Duration took) {
    /** Validates and copies the components. */
    public ShutdownResult {
        threadsStillAlive = List.copyOf(threadsStillAlive);
        Objects.requireNonNull(took, "took");
    }
}
