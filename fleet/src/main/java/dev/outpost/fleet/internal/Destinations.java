package dev.outpost.fleet.internal;

import java.util.List;
import java.util.Optional;

/**
 * The request destinations a fleet sends to directly: exact names, or prefixes ending in {@code *}
 * (the worker's {@code reply-to.allow} form). An inventory entry is written by whoever may write
 * the registry, but the fleet sends with its own credentials: a destination outside these is never
 * sent to, whatever an entry names.
 */
public final class Destinations {
    /** The queues workers read: the worker's default {@code requests}, and {@code requests-ID}, one per host, by convention. */
    public static final List<String> DEFAULT = List.of("requests", "requests-*");
    private final List<String> patterns;

    private Destinations(List<String> patterns) {
        this.patterns = List.copyOf(patterns);
    }

    /** @throws IllegalArgumentException naming the first pattern that is not one */
    public static Destinations of(List<String> patterns) {
        if (patterns.isEmpty()) {
            throw new IllegalArgumentException("at least one destination pattern is needed (an exact name, or a prefix"
                    + " ending in *)");
        }
        for (String p : patterns) {
            problem(p).ifPresent(why -> {
                throw new IllegalArgumentException(why);
            });
        }
        return new Destinations(patterns);
    }

    /** Why {@code pattern} is not one, or empty when it is. */
    public static Optional<String> problem(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            return Optional.of("a destination pattern must not be blank");
        }
        int star = pattern.indexOf('*');
        if (star >= 0 && star < pattern.length() - 1) {
            // taken literally it would match nothing, and every host would silently lose its direct sends
            return Optional.of("'" + Printable.clipped(pattern, 80) + "' has a * before its end: a pattern is an exact"
                    + " name, * for all, or a prefix ending in *");
        }
        return Optional.empty();
    }

    /** Whether the fleet may send to {@code destination} (an empty one, unknown, is never sent to directly). */
    public boolean allows(String destination) {
        if (destination.isEmpty()) {
            return false;
        }
        for (String p : patterns) {
            if (p.endsWith("*") ? destination.startsWith(p.substring(0, p.length() - 1)) : p.equals(destination)) {
                return true;
            }
        }
        return false;
    }

    public List<String> patterns() {
        return patterns;
    }

    @Override
    public String toString() {
        return String.join(",", patterns);
    }
}
