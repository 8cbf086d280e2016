package dev.outpost.core.internal;

import dev.outpost.spi.ConfigSource;
import java.util.List;
import java.util.Optional;

/** Name patterns: an exact name, {@code *} for all, or a prefix ending in {@code *}. */
public final class Patterns {
    private Patterns() {}

    /**
     * Why {@code pattern} is not one, or empty when it is: a {@code *} anywhere but at the end would be taken as a
     * literal character, and a pattern meant to allow (or refuse) names would silently match none.
     */
    public static Optional<String> problem(String pattern) {
        int star = pattern.indexOf('*');
        if (star >= 0 && star < pattern.length() - 1) {
            return Optional.of(ConfigSource.quote(pattern) + " has a * before its end: a pattern is an exact name, * for all, or a prefix"
                    + " ending in * (no suffixes, no * inside)");
        }
        return Optional.empty();
    }

    public static boolean matches(String pattern, String name) {
        if (pattern.endsWith("*")) {
            return name.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.equals(name);
    }

    public static boolean anyMatches(List<String> patterns, String name) {
        for (String p : patterns) {
            if (matches(p, name)) {
                return true;
            }
        }
        return false;
    }
}
