package dev.outpost.micrometer.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a tag's cardinality bounded: the first {@code max} distinct values pass, every later one
 * becomes {@value #OTHER}. Values come from the loop, but a reason or collector name must never be
 * able to grow a meter registry without bound.
 */
public final class TagLimiter {
    /** The value every value past the limit is reported as. */
    public static final String OTHER = "other";

    private final int max;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    public TagLimiter(int max) {
        this.max = max;
    }

    /** {@code value}, or {@value #OTHER} once {@code max} other values were seen. */
    public String tag(String value) {
        if (value == null || value.isEmpty()) {
            return "none";
        }
        if (seen.contains(value)) {
            return value;
        }
        synchronized (seen) {
            if (seen.size() < max) {
                seen.add(value);
                return value;
            }
        }
        return seen.contains(value) ? value : OTHER;
    }
}
