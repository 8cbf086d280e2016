package dev.outpost.core.internal;

import dev.outpost.ConfigException;
import java.time.Duration;
import java.util.Objects;

/** Argument checks for builders: a bad value is a {@link ConfigException} naming the setting. */
public final class Checks {
    private Checks() {}

    public static String text(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw ConfigException.of(name, "must not be blank");
        }
        if (value.chars().anyMatch(Character::isISOControl)) { // names are quoted in logs and on terminals
            throw ConfigException.of(name, "must not contain control characters");
        }
        return value;
    }

    public static int range(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw ConfigException.of(name, "must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    public static Duration positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw ConfigException.of(name, "must be positive, was " + value);
        }
        return value;
    }

    /** {@code value} if it is at least {@code min} (written as 1ms, 5s... in the message). */
    public static Duration atLeast(Duration value, Duration min, String name) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(min) < 0) {
            throw ConfigException.of(name, "must be at least " + min.toMillis() + "ms, was " + value);
        }
        return value;
    }

    public static Duration nonNegative(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw ConfigException.of(name, "must not be negative, was " + value);
        }
        return value;
    }

    /** {@code value} if it is not negative and at most {@code max}. */
    public static Duration between(Duration value, Duration max, String name) {
        nonNegative(value, name);
        if (value.compareTo(max) > 0) {
            throw ConfigException.of(name, "must be at most " + max + ", was " + value);
        }
        return value;
    }

    /** Each value checked as {@link #text}; an immutable list. */
    public static java.util.List<String> texts(String[] values, String name) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String v : java.util.Objects.requireNonNull(values, name)) {
            out.add(text(v, name));
        }
        return java.util.List.copyOf(out);
    }
}
