package dev.outpost.host.internal;

import java.util.regex.Pattern;

/**
 * Matches a caller's regular expression with a budget of character reads. Java's regex engine
 * backtracks without bound and never looks at interrupts, so {@code (.*.*.*…)z} from a remote
 * caller would hold a worker thread (and a core) for hours; counting the reads the engine makes
 * stops it after a fixed amount of work, the same on every machine.
 */
public final class BoundedMatch {
    /** Character reads allowed for one request's matching: far more than any sane pattern needs. */
    public static final long DEFAULT_BUDGET = 20_000_000L;

    private final Pattern pattern;
    private long left;

    /** Thrown when the budget is spent. */
    public static final class TooCostly extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooCostly() {
            super("the regular expression needs too much backtracking", null, false, false);
        }
    }

    public BoundedMatch(Pattern pattern, long budget) {
        this.pattern = pattern;
        this.left = budget;
    }

    /**
     * Whether the pattern is found in {@code text}.
     *
     * @throws TooCostly when this match and those before it took more than the budget
     */
    public boolean find(String text) {
        return pattern.matcher(new Counted(text)).find();
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
