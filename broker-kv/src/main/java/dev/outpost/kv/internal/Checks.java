package dev.outpost.kv.internal;

import java.time.Duration;
import java.util.Objects;

/** Argument checks of builder setters: each names the setting and the value refused. */
public final class Checks {
    private Checks() {}

    public static int range(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", was " + value);
        }
        return value;
    }

    public static Duration atLeast(Duration value, Duration min, String name) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(min) < 0) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
        }
        return value;
    }

    /** A ttl as whole milliseconds (at least 1); one past a long is refused as the caller's mistake. */
    public static long ttlMillis(Duration ttl) {
        try {
            return Math.max(1, ttl.toMillis());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("ttl " + ttl + " is longer than a store can hold");
        }
    }
}
