package dev.outpost.fleet;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a rollout walks the expected set: an optional canary batch first, then batches, with a
 * pause between them, at most {@code maxConcurrency} hosts running at once, stopping when more
 * than {@code maxErrors} hosts failed.
 *
 * <pre>{@code
 * RolloutPlan plan = RolloutPlan.builder().canary(Size.of(1)).batchSize(Size.percent(25))
 *         .pause(Duration.ofMinutes(1)).maxConcurrency(Size.of(10)).maxErrors(Size.of(2)).build();
 * }</pre>
 *
 * @param batchSize hosts per batch
 * @param canary an optional first batch; any failure in it stops the rollout
 * @param pause the wait between batches
 * @param maxConcurrency hosts running at once
 * @param maxErrors failures tolerated; one more stops the rollout ({@link Outcome#isFailure()})
 */
public record RolloutPlan(Size batchSize, Optional<Size> canary, Duration pause, Size maxConcurrency, Size maxErrors) {
    /** Validates the components. */
    public RolloutPlan {
        Objects.requireNonNull(batchSize, "batchSize");
        Objects.requireNonNull(canary, "canary");
        Objects.requireNonNull(pause, "pause");
        if (pause.isNegative()) {
            throw new IllegalArgumentException("pause must not be negative, was " + pause);
        }
        Objects.requireNonNull(maxConcurrency, "maxConcurrency");
        Objects.requireNonNull(maxErrors, "maxErrors");
        if (batchSize.resolve(100) < 1 && !batchSize.percent()) {
            throw new IllegalArgumentException("batchSize must be at least 1");
        }
    }

    /** A builder: by default one batch of every host, no canary, no pause, unbounded concurrency, no errors tolerated. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A number of hosts, absolute or a percentage of the expected set (rounded up, at least 1 for
     * batch sizes and concurrency; rounded down for error budgets).
     *
     * @param value the count or the percentage
     * @param percent whether {@code value} is a percentage
     */
    public record Size(int value, boolean percent) {
        /** Validates the components. */
        public Size {
            if (value < 0 || percent && value > 100) {
                throw new IllegalArgumentException("a size is a count of at least 0 or a percentage of 0 to 100, was " + value
                        + (percent ? "%" : ""));
            }
        }

        /** An absolute count. */
        public static Size of(int count) {
            return new Size(count, false);
        }

        /** A percentage of the expected set. */
        public static Size percent(int percent) {
            return new Size(percent, true);
        }

        /** {@code 10} or {@code 25%}. */
        public static Size parse(String text) {
            Objects.requireNonNull(text, "text");
            String t = text.trim();
            try {
                return t.endsWith("%") ? percent(Integer.parseInt(t.substring(0, t.length() - 1).trim())) : of(Integer.parseInt(t));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a size is a count (10) or a percentage (25%), was '" + text + "'");
            }
        }

        /** The count for an expected set of {@code total} hosts, rounding up. */
        public int resolve(int total) {
            return percent ? (int) ((total * (long) value + 99) / 100) : value; // long: total * value overflows an int
        }

        /** The count for an error budget out of {@code total}, rounding down. */
        public int resolveBudget(int total) {
            return percent ? (int) (total * (long) value / 100) : value;
        }

        @Override
        public String toString() {
            return value + (percent ? "%" : "");
        }
    }

    /** Builds a {@link RolloutPlan}. */
    public static final class Builder {
        private Size batchSize = Size.percent(100);
        private Optional<Size> canary = Optional.empty();
        private Duration pause = Duration.ZERO;
        private Size maxConcurrency = Size.percent(100);
        private Size maxErrors = Size.of(0);

        private Builder() {}

        /** Hosts per batch. */
        public Builder batchSize(Size size) {
            this.batchSize = Objects.requireNonNull(size, "size");
            return this;
        }

        /** A first batch of this size; any failure in it stops the rollout. */
        public Builder canary(Size size) {
            this.canary = Optional.of(Objects.requireNonNull(size, "size"));
            return this;
        }

        /** The wait between batches. */
        public Builder pause(Duration pause) {
            this.pause = Objects.requireNonNull(pause, "pause");
            return this;
        }

        /** Hosts running at once. */
        public Builder maxConcurrency(Size size) {
            this.maxConcurrency = Objects.requireNonNull(size, "size");
            return this;
        }

        /** Failures tolerated before no new host starts. */
        public Builder maxErrors(Size size) {
            this.maxErrors = Objects.requireNonNull(size, "size");
            return this;
        }

        /** Builds the plan. */
        public RolloutPlan build() {
            return new RolloutPlan(batchSize, canary, pause, maxConcurrency, maxErrors);
        }
    }
}
