package dev.outpost.fleet.internal;

import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * Regex matching with a bounded cost: the matcher reads the value through a view that counts
 * character reads and gives up past a budget, so no pattern (catastrophic backtracking included)
 * costs more than {@link #BUDGET} reads per host. A match given up on counts as no match.
 */
public final class BoundedRegex {
    /** Character reads allowed per match. */
    public static final int BUDGET = 100_000;
    private static final LongAdder GIVEN_UP = new LongAdder();

    private BoundedRegex() {}

    public static boolean find(Pattern p, String value) {
        try {
            return p.matcher(new Counted(value)).find();
        } catch (OverBudget e) {
            GIVEN_UP.increment();
            return false;
        }
    }

    /** Matches given up on since the JVM started. */
    public static long givenUp() {
        return GIVEN_UP.sum();
    }

    private static final class OverBudget extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OverBudget() {
            super(null, null, false, false);
        }
    }

    private static final class Counted implements CharSequence {
        private final String s;
        private final int[] reads;

        Counted(String s) {
            this(s, new int[1]);
        }

        private Counted(String s, int[] reads) {
            this.s = s;
            this.reads = reads;
        }

        @Override
        public char charAt(int index) {
            if (++reads[0] > BUDGET) {
                throw new OverBudget();
            }
            return s.charAt(index);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Counted(s.substring(start, end), reads);
        }

        @Override
        public String toString() {
            return s;
        }
    }
}
