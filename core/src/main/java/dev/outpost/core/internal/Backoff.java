package dev.outpost.core.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with "equal jitter": half the step fixed, half random, capped. */
public record Backoff(Duration initial, Duration max, double multiplier) {

    /** The delay before attempt {@code nextAttempt} (2 for the first retry). */
    public Duration delay(int nextAttempt) {
        double step = initial.toMillis() * Math.pow(multiplier, Math.max(0, nextAttempt - 2));
        long capped = (long) Math.min(step, max.toMillis());
        long half = capped / 2;
        return Duration.ofMillis(half + (half > 0 ? ThreadLocalRandom.current().nextLong(half + 1) : 0));
    }
}
