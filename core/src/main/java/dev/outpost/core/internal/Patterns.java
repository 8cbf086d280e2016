package dev.outpost.core.internal;

import java.util.List;

/** Name patterns: an exact name, {@code *} for all, or a prefix ending in {@code *}. */
public final class Patterns {
    private Patterns() {}

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
