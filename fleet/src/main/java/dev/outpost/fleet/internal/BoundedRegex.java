package dev.outpost.fleet.internal;

import dev.outpost.core.BoundedPattern;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * A selector's regex match with a bounded cost (core's {@link BoundedPattern}): at most
 * {@link #BUDGET} character reads per host, and a match given up on counts as no match.
 */
public final class BoundedRegex {
    /** Character reads allowed per match. */
    public static final int BUDGET = 100_000;
    private static final LongAdder GIVEN_UP = new LongAdder();

    private BoundedRegex() {}

    public static boolean find(Pattern p, String value) {
        try {
            return BoundedPattern.of(p, BUDGET).find(value);
        } catch (BoundedPattern.TooCostly e) {
            GIVEN_UP.increment();
            return false;
        }
    }

    /** Matches given up on since the JVM started. */
    public static long givenUp() {
        return GIVEN_UP.sum();
    }
}
