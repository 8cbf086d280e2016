package dev.outpost.inmemory;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one in-memory queue behaves, like an SQS queue's attributes. Options left unset take the
 * transport's defaults.
 *
 * <pre>{@code
 * QueueOptions.builder()
 *         .visibilityTimeout(Duration.ofSeconds(2))
 *         .redrive(3, "requests-dlq")     // the 4th receive moves the message to requests-dlq
 *         .build();
 * }</pre>
 *
 * @param visibilityTimeout how long a received message stays invisible; empty for the transport's
 * @param delay how long a sent message waits before it becomes visible (SQS's delivery delay)
 * @param maxReceiveCount receives after which a message moves to {@code deadLetterQueue} instead of
 *     being delivered again (SQS's redrive policy); empty for no redrive
 * @param deadLetterQueue where redriven messages go; present exactly when {@code maxReceiveCount} is
 * @param maxMessageBytes the largest body this queue takes; empty for the transport's
 */
public record QueueOptions(Optional<Duration> visibilityTimeout, Duration delay, Optional<Integer> maxReceiveCount,
        Optional<String> deadLetterQueue, Optional<Integer> maxMessageBytes) {

    /** Validates the components. */
    public QueueOptions {
        Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(maxReceiveCount, "maxReceiveCount");
        Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
        Objects.requireNonNull(maxMessageBytes, "maxMessageBytes");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        visibilityTimeout.ifPresent(v -> {
            if (v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException("visibilityTimeout must be positive, was " + v);
            }
        });
        if (maxReceiveCount.isPresent() != deadLetterQueue.isPresent()) {
            throw new IllegalArgumentException("maxReceiveCount and deadLetterQueue go together: set both with redrive(n, queue)");
        }
        maxReceiveCount.ifPresent(n -> {
            if (n < 1) {
                throw new IllegalArgumentException("maxReceiveCount must be at least 1, was " + n);
            }
        });
        deadLetterQueue.ifPresent(q -> {
            if (q.isBlank()) {
                throw new IllegalArgumentException("deadLetterQueue must not be blank");
            }
        });
        maxMessageBytes.ifPresent(n -> {
            if (n < 1) {
                throw new IllegalArgumentException("maxMessageBytes must be positive, was " + n);
            }
        });
    }

    /** The transport's defaults: no delay, no redrive. */
    public static QueueOptions defaults() {
        return builder().build();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link QueueOptions}; every setter checks its argument, {@link #build()} checks them together. */
    public static final class Builder {
        private Optional<Duration> visibilityTimeout = Optional.empty();
        private Duration delay = Duration.ZERO;
        private Optional<Integer> maxReceiveCount = Optional.empty();
        private Optional<String> deadLetterQueue = Optional.empty();
        private Optional<Integer> maxMessageBytes = Optional.empty();

        private Builder() {}

        /** How long a received message stays invisible (positive); default: the transport's. */
        public Builder visibilityTimeout(Duration visibilityTimeout) {
            Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
            if (visibilityTimeout.isNegative() || visibilityTimeout.isZero()) {
                throw new IllegalArgumentException("visibilityTimeout must be positive, was " + visibilityTimeout);
            }
            this.visibilityTimeout = Optional.of(visibilityTimeout);
            return this;
        }

        /** How long a sent message waits before it can be received (zero or positive); default zero. */
        public Builder delay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative, was " + delay);
            }
            this.delay = delay;
            return this;
        }

        /**
         * Moves a message to {@code deadLetterQueue} when it would be received for the
         * {@code maxReceiveCount + 1}th time, as SQS's redrive policy does.
         */
        public Builder redrive(int maxReceiveCount, String deadLetterQueue) {
            Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
            if (maxReceiveCount < 1) {
                throw new IllegalArgumentException("maxReceiveCount must be at least 1, was " + maxReceiveCount);
            }
            this.maxReceiveCount = Optional.of(maxReceiveCount);
            this.deadLetterQueue = Optional.of(deadLetterQueue);
            return this;
        }

        /** The largest body this queue takes (positive); default: the transport's. */
        public Builder maxMessageBytes(int maxMessageBytes) {
            if (maxMessageBytes < 1) {
                throw new IllegalArgumentException("maxMessageBytes must be positive, was " + maxMessageBytes);
            }
            this.maxMessageBytes = Optional.of(maxMessageBytes);
            return this;
        }

        /** Builds the options. */
        public QueueOptions build() {
            return new QueueOptions(visibilityTimeout, delay, maxReceiveCount, deadLetterQueue, maxMessageBytes);
        }
    }
}
