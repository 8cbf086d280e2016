package dev.outpost.core.config;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * "Did you mean …?" for names a user typed: configuration keys, collector names, commands. Every
 * Outpost module words its unknown-name errors with it, and so can a module of yours.
 *
 * <pre>{@code
 * String hint = Suggestions.nearest("comands", List.of("commands", "state-dir"))
 *         .map(n -> "; did you mean " + n + "?").orElse("");
 * }</pre>
 */
public final class Suggestions {
    private Suggestions() {}

    /**
     * The candidate nearest to {@code typed} by edit distance (ignoring case), when one is
     * reasonably close: at most 3 edits, or a quarter of the typed length for long names.
     */
    public static Optional<String> nearest(String typed, Iterable<String> candidates) {
        Objects.requireNonNull(typed, "typed");
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String lower = typed.toLowerCase(Locale.ROOT);
        for (String c : candidates) {
            int d = distance(lower, c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best != null && bestDistance <= Math.max(3, typed.length() / 4) ? Optional.of(best) : Optional.empty();
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
