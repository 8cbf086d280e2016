package dev.outpost.core;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A regular expression whose matching has a bounded cost, for patterns that come from callers.
 * Java's regex engine backtracks without bound and never looks at interrupts, so a pattern such as
 * {@code (.*.*.*…)z} would hold a thread (and a core) for hours; reading the text through a view
 * that counts character reads stops it after a fixed amount of work, the same on every machine.
 *
 * <p>The budget is shared by every {@link #find} of one instance (one request's matching, say);
 * an instance is used by one thread at a time.
 *
 * <pre>{@code
 * BoundedPattern name = BoundedPattern.of(Pattern.compile(params.path("name").asText()), 1_000_000);
 * try {
 *     matches = names.stream().filter(name::find).toList();
 * } catch (BoundedPattern.TooCostly e) {
 *     throw CollectorException.permanent("bad-params", "name: " + e.getMessage());
 * }
 * }</pre>
 */
public final class BoundedPattern {
    private final Pattern pattern;
    private long left;

    private BoundedPattern(Pattern pattern, long budget) {
        this.pattern = Objects.requireNonNull(pattern, "pattern");
        if (budget <= 0) {
            throw new IllegalArgumentException("budget must be positive, was " + budget);
        }
        this.left = budget;
    }

    /** {@code pattern}, allowed {@code budget} character reads over all its matches. */
    public static BoundedPattern of(Pattern pattern, long budget) {
        return new BoundedPattern(pattern, budget);
    }

    /**
     * Whether the pattern is found in {@code text}.
     *
     * @throws TooCostly when this match and those before it took more than the budget
     */
    public boolean find(String text) {
        return pattern.matcher(new Counted(text)).find();
    }

    /** Thrown when the budget is spent: the pattern needs too much backtracking. */
    public static final class TooCostly extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooCostly() {
            super("the regular expression needs too much backtracking", null, false, false);
        }
    }

    private final class Counted implements CharSequence {
        private final String text;

        Counted(String text) {
            this.text = text;
        }

        @Override
        public char charAt(int index) {
            if (--left < 0) {
                throw new TooCostly();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Counted(text.substring(start, end));
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
