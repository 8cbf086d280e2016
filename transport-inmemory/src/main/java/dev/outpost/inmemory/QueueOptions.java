package dev.outpost.inmemory;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one in-memory queue behaves. Unset options take the transport's defaults.
 *
 * @param visibilityTimeout how long a received message stays invisible
 * @param delay how long a sent message waits before it becomes visible
 * @param maxReceiveCount receives after which a message moves to {@code deadLetterQueue} instead
 *     (SQS's redrive policy); empty for no redrive
 * @param deadLetterQueue where redriven messages go
 */
public record QueueOptions(Optional<Duration> visibilityTimeout, Duration delay, Optional<Integer> maxReceiveCount,
        Optional<String> deadLetterQueue) {

    /** Validates the components. */
    public QueueOptions {
        Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(maxReceiveCount, "maxReceiveCount");
        Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        visibilityTimeout.ifPresent(v -> {
            if (v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException("visibilityTimeout must be positive, was " + v);
            }
        });
        if (maxReceiveCount.isPresent() != deadLetterQueue.isPresent()) {
            throw new IllegalArgumentException("maxReceiveCount and deadLetterQueue go together");
        }
        maxReceiveCount.ifPresent(n -> {
            if (n < 1) {
                throw new IllegalArgumentException("maxReceiveCount must be at least 1, was " + n);
            }
        });
    }

    /** The transport's defaults. */
    public static QueueOptions defaults() {
        return builder().build();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link QueueOptions}. */
    public static final class Builder {
        private Optional<Duration> visibilityTimeout = Optional.empty();
        private Duration delay = Duration.ZERO;
        private Optional<Integer> maxReceiveCount = Optional.empty();
        private Optional<String> deadLetterQueue = Optional.empty();

        private Builder() {}

        /** How long a received message stays invisible. */
        public Builder visibilityTimeout(Duration visibilityTimeout) {
            this.visibilityTimeout = Optional.of(Objects.requireNonNull(visibilityTimeout, "visibilityTimeout"));
            return this;
        }

        /** How long a sent message waits before it can be received. */
        public Builder delay(Duration delay) {
            this.delay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /** Moves a message to {@code deadLetterQueue} once it was received more than {@code maxReceiveCount} times. */
        public Builder redrive(int maxReceiveCount, String deadLetterQueue) {
            this.maxReceiveCount = Optional.of(maxReceiveCount);
            this.deadLetterQueue = Optional.of(Objects.requireNonNull(deadLetterQueue, "deadLetterQueue"));
            return this;
        }

        /** Builds the options. */
        public QueueOptions build() {
            return new QueueOptions(visibilityTimeout, delay, maxReceiveCount, deadLetterQueue);
        }
    }
}
