package dev.outpost.host.outbox;

import dev.outpost.core.outbox.MessageJournal;
import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.host.internal.Config;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.NoSuchDestinationException;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} that never loses a sent message because the destination is down: every
 * {@link #send} is first written to a bounded on-disk outbox, and one thread
 * ({@code outpost-outbox-N-forwarder}) forwards the outbox to the wrapped transport, oldest first,
 * in batches of up to {@link Builder#batchSize} (10: one {@code SendMessageBatch} on SQS), deleting
 * messages only once the wrapped transport accepted their batch (a batch that failed half-way is
 * sent again whole: at-least-once, as everywhere in Outpost). While the destination is down the
 * outbox grows; when it is back the outbox drains in order. Messages left in the outbox when the
 * process stops are sent after the next start.
 *
 * <pre>{@code
 * OutboxTransport shipping = OutboxTransport.builder(sqs, Path.of("/var/lib/outpost/outbox"))
 *         .maxMessages(20_000)                      // about a day of 5-second samples
 *         .whenFull(OutboxTransport.WhenFull.DROP_OLDEST)
 *         .build().start();
 * Scheduler.builder(shipping).job(Scheduler.Job.every(Duration.ofSeconds(5), processes, "records")).build().start();
 * }</pre>
 *
 * <p>When full ({@link Builder#maxMessages} or {@link Builder#maxBytes}): {@link WhenFull#DROP_OLDEST}
 * (the default) deletes the oldest waiting message not in the batch being sent to make room and
 * counts it in {@link #dropped()} (with none, it refuses as REJECT_NEW does); {@link WhenFull#REJECT_NEW} fails the new send with a
 * {@link TransportException} and keeps what is waiting. A message the wrapped transport refuses
 * for good ({@link MessageTooLargeException}, or {@link dev.outpost.spi.NoSuchDestinationException}
 * 5 times; then further ones for that destination at their first) is removed, logged
 * and counted in {@link #undeliverable()} so that it cannot block the ones behind it. A missing destination's messages
 * are removed only when one for another destination waits behind them; else they are retried until it exists (an SQS
 * server restarted empty, whose queues are not recreated yet, loses nothing).
 *
 * <p>{@link #receive}, {@link #depth} and {@link #verify} go straight to the wrapped transport. Nothing is opened
 * before {@link #start()}, and a send before it fails; {@link #close()} stops the thread and closes
 * the wrapped transport.
 */
public final class OutboxTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(OutboxTransport.class);

    /** What a send does when the outbox is full. */
    public enum WhenFull {
        /** Delete the oldest waiting message to make room (newest samples are worth most). */
        DROP_OLDEST,
        /** Fail the new send; keep what is waiting. */
        REJECT_NEW
    }

    private final Transport delegate;
    private final MessageJournal queue;
    private final int maxMessages;
    private final long maxBytes;
    private final WhenFull whenFull;
    private final Lifecycle lifecycle;
    private final Forwarder forwarder;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private Thread thread;

    private OutboxTransport(Builder b, Path directory, int maxMessages, long maxBytes, WhenFull whenFull, Duration retryDelay,
            Duration maxRetryDelay, Duration sendTimeout, int batchSize) {
        this.delegate = b.delegate;
        this.queue = new MessageJournal(directory);
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.whenFull = whenFull;
        this.lifecycle = new Lifecycle("outbox", new OwnedThreads("outbox", b.threadFactory));
        // a full outbox always keeps one message outside the batch being sent, for DROP_OLDEST to take
        this.forwarder = new Forwarder(delegate, queue, Math.max(1, Math.min(batchSize, maxMessages - 1)), retryDelay, maxRetryDelay, sendTimeout, lifecycle::running);
    }

    /** A builder for an outbox in {@code directory} (created if missing) in front of {@code delegate}. */
    public static Builder builder(Transport delegate, Path directory) {
        return new Builder(delegate).directory(directory);
    }

    /** A builder for an outbox in front of {@code delegate}; the directory comes from {@link Builder#directory} or {@code outpost.outbox.dir}. */
    public static Builder builder(Transport delegate) {
        return new Builder(delegate);
    }

    /**
     * Opens the outbox (messages left from a previous run are kept and sent first) and starts the
     * forwarding thread.
     *
     * @return this outbox
     * @throws IOException when the directory cannot be used
     * @throws IllegalStateException when started before or shut down
     */
    public OutboxTransport start() throws IOException {
        lifecycle.start();
        try {
            queue.open();
        } catch (IOException | RuntimeException e) {
            lifecycle.failedStart();
            throw e;
        }
        try {
            thread = lifecycle.newThread(forwarder, "forwarder");
            thread.start();
        } catch (RuntimeException | Error e) {
            // no forwarder (the factory threw or returned null): sends taken now would wait on disk for nothing
            lifecycle.failedStart();
            throw e;
        }
        return this;
    }

    /**
     * Writes the message to the outbox durably and returns; the outbox thread sends it.
     *
     * @return completes once the message is on disk; exceptionally with a {@link TransportException}
     *     when the outbox is full and refuses new messages, or the disk write failed, and with a
     *     {@link NoSuchDestinationException} when {@code destination} is blank
     */
    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(message, "message");
        if (!lifecycle.running()) {
            return CompletableFuture.failedFuture(new TransportException(destination, "outbox is not running (start() it; after shutdown build a new one)"));
        }
        if (destination.isBlank()) {
            // no transport takes it: kept, it would be refused at every attempt, and everything behind it would wait for ever
            return CompletableFuture.failedFuture(new NoSuchDestinationException(destination, "destination names must not be blank"));
        }
        long size = MessageJournal.encodedSize(destination, message);
        if (size > maxBytes) {
            return CompletableFuture.failedFuture(new TransportException(destination,
                    "message of " + message.size() + " bytes is larger than the whole outbox (" + maxBytes + " bytes)"));
        }
        // an interrupt (a scheduler closing mid-run) must not lose the sample: NIO channels give up
        // when the thread is interrupted, so write with the flag cleared and restore it after
        boolean interrupted = Thread.interrupted();
        try {
            for (int attempt = 0; ; attempt++) {
                try {
                    CompletableFuture<Void> refused = appendOrRefuse(destination, message, size);
                    if (refused != null) {
                        return refused;
                    }
                    break;
                } catch (java.nio.channels.ClosedByInterruptException e) {
                    interrupted |= Thread.interrupted();
                    if (attempt == 2) {
                        return CompletableFuture.failedFuture(new TransportException(destination, "interrupted writing to the outbox", e));
                    }
                } catch (IOException e) {
                    return CompletableFuture.failedFuture(new TransportException(destination, "could not write to the outbox: " + e, e));
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        forwarder.signal();
        return CompletableFuture.completedFuture(null);
    }

    /** Appends, making room first by the full policy; a failed future when the policy refuses, null when appended. */
    private CompletableFuture<Void> appendOrRefuse(String destination, Message message, long size) throws IOException {
        synchronized (queue) {
            while (queue.size() >= maxMessages || queue.bytes() + size > maxBytes) {
                if (whenFull == WhenFull.REJECT_NEW) {
                    rejected.incrementAndGet();
                    forwarder.refused(destination);
                    return CompletableFuture.failedFuture(new TransportException(destination, "outbox full ("
                            + queue.size() + " messages, " + queue.bytes() + " bytes); the message was not kept"));
                }
                long busyTo = forwarder.inFlightTo;
                Optional<Long> victim = busyTo < 0 ? queue.oldestAfter(Long.MIN_VALUE) : queue.oldestAfter(busyTo);
                if (victim.isEmpty()) {
                    // all that waits is being sent (a batch may hold nearly all the bytes): appending anyway passed the bound
                    rejected.incrementAndGet();
                    forwarder.refused(destination);
                    return CompletableFuture.failedFuture(new TransportException(destination, "outbox full ("
                            + queue.size() + " messages, " + queue.bytes() + " bytes), all being sent; the message was not kept"));
                }
                if (!queue.remove(victim.get())) {
                    break;
                }
                if (dropped.incrementAndGet() % 100 == 1) {
                    log.warn("outbox full: dropped the oldest waiting message ({} dropped so far)", dropped.get());
                }
            }
            queue.append(destination, message);
            return null;
        }
    }

    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        return delegate.receive(source, maxMessages, wait);
    }

    @Override
    public OptionalLong depth(String source) {
        return delegate.depth(source);
    }

    /** {@inheritDoc} The wrapped transport's: a worker or consumer reading through the outbox checks its queue at start. */
    @Override
    public void verify(String destination) {
        delegate.verify(destination);
    }

    @Override
    public int maxMessageBytes() {
        return delegate.maxMessageBytes();
    }

    /** Messages waiting in the outbox. */
    public int pending() {
        return queue.size();
    }

    /** Bytes on disk for the waiting messages. */
    public long pendingBytes() {
        return queue.bytes();
    }

    /** Messages the wrapped transport accepted. */
    public long delivered() {
        return forwarder.delivered.get();
    }

    /** Waiting messages deleted to make room ({@link WhenFull#DROP_OLDEST}). */
    public long dropped() {
        return dropped.get();
    }

    /** Sends refused because the outbox was full ({@link WhenFull#REJECT_NEW}, or all that waits was being sent). */
    public long rejected() {
        return rejected.get();
    }

    /** Messages the wrapped transport refused for good (too large, or their destination does not exist), removed from the outbox. */
    public long undeliverable() {
        return forwarder.undeliverable.get();
    }

    /** Forwarding attempts that failed (each retried). */
    public long failedAttempts() {
        return forwarder.failedAttempts.get();
    }

    /** Batches the wrapped transport accepted (each one {@link Transport#sendBatch}, or one send for a single message). */
    public long batchesSent() {
        return forwarder.batches.get();
    }

    /**
     * Stops the forwarding thread (what is waiting stays on disk for the next start) and closes
     * the wrapped transport. Idempotent: every call returns the same future.
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown(Duration.ofSeconds(10), () -> {
            forwarder.signal();
            if (thread != null) {
                thread.interrupt();
                thread.join(TimeUnit.SECONDS.toMillis(5));
            }
            delegate.close();
        });
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        lifecycle.closeAndReport(shutdown());
    }

    /**
     * Builds an {@link OutboxTransport}. Values set by a method win over {@link #configure
     * configuration} ({@code outpost.outbox.*}: {@code dir}, {@code max-messages},
     * {@code max-bytes}, {@code when-full} ({@code drop-oldest} or {@code reject-new}),
     * {@code retry-delay}, {@code max-retry-delay}, {@code send-timeout}, {@code batch-size}), which
     * wins over the defaults.
     */
    public static final class Builder {
        private final Transport delegate;
        private Path directory;
        private Integer maxMessages;
        private Long maxBytes;
        private WhenFull whenFull;
        private Duration retryDelay;
        private Duration maxRetryDelay;
        private Duration sendTimeout;
        private Integer batchSize;
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();

        Builder(Transport delegate) {
            this.delegate = Objects.requireNonNull(delegate, "delegate");
        }

        /** Where waiting messages are kept (created if missing, owner-only). */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** The most messages kept; 10,000 by default (about 14 hours of 5-second samples). */
        public Builder maxMessages(int max) {
            if (max < 1) {
                throw ConfigException.of("maxMessages", "must be positive, was " + max);
            }
            this.maxMessages = max;
            return this;
        }

        /** The most bytes kept on disk; 256 MiB by default. */
        public Builder maxBytes(long max) {
            if (max < 1024) {
                throw ConfigException.of("maxBytes", "must be at least 1024, was " + max);
            }
            this.maxBytes = max;
            return this;
        }

        /** What a send does when the outbox is full; {@link WhenFull#DROP_OLDEST} by default. */
        public Builder whenFull(WhenFull policy) {
            this.whenFull = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** The first wait after a failed forward, doubling up to {@code max}; 1 s and 30 s by default. */
        public Builder retryDelay(Duration initial, Duration max) {
            Objects.requireNonNull(initial, "initial");
            Objects.requireNonNull(max, "max");
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw ConfigException.of("retryDelay", "need 0 < initial <= max, was " + initial + ", " + max);
            }
            this.retryDelay = initial;
            this.maxRetryDelay = max;
            return this;
        }

        /** How long one forward may take before it counts as failed; 30 s by default. */
        public Builder sendTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw ConfigException.of("sendTimeout", "must be positive, was " + timeout);
            }
            this.sendTimeout = timeout;
            return this;
        }

        /**
         * The most messages forwarded in one {@link Transport#sendBatch}; 10 by default (SQS's
         * {@code SendMessageBatch} limit). 1 forwards them one by one.
         */
        public Builder batchSize(int size) {
            if (size < 1 || size > 1000) {
                throw ConfigException.of("batchSize", "must be between 1 and 1000, was " + size);
            }
            this.batchSize = size;
            return this;
        }

        /** Makes the outbox's thread. */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(factory, "factory"));
            return this;
        }

        /** Takes {@code outpost.outbox.*} from {@code config} for what no method set. Checked at {@link #build()}. */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * Checks the settings; opens nothing (see {@link OutboxTransport#start()}).
         *
         * @throws ConfigException listing every problem
         */
        public OutboxTransport build() {
            Config c = new Config(config);
            Optional<Path> dir = c.path(directory, "outpost.outbox.dir");
            if (dir.isEmpty()) {
                c.problem("outpost.outbox.dir", "the outbox directory is required: set it or call directory(Path)");
            }
            int max = (int) c.number(maxMessages == null ? null : (long) maxMessages, "outpost.outbox.max-messages", 10_000, 1,
                    Integer.MAX_VALUE);
            long bytes = c.number(maxBytes, "outpost.outbox.max-bytes", 256L * 1024 * 1024, 1024, Long.MAX_VALUE);
            WhenFull policy = whenFull;
            if (policy == null) {
                String v = c.string(null, "outpost.outbox.when-full").orElse("drop-oldest");
                policy = switch (v) {
                    case "drop-oldest" -> WhenFull.DROP_OLDEST;
                    case "reject-new" -> WhenFull.REJECT_NEW;
                    default -> {
                        c.problem("outpost.outbox.when-full", "must be drop-oldest or reject-new, was '" + v + "'" + c.from("outpost.outbox.when-full"));
                        yield WhenFull.DROP_OLDEST;
                    }
                };
            }
            Duration initial = c.duration(retryDelay, "outpost.outbox.retry-delay", Duration.ofSeconds(1), false);
            Duration maxDelay = c.duration(maxRetryDelay, "outpost.outbox.max-retry-delay", Duration.ofSeconds(30), false);
            if (maxDelay.compareTo(initial) < 0) {
                c.problem("outpost.outbox.max-retry-delay", "must be at least the retry delay " + initial + ", was " + maxDelay);
            }
            Duration timeout = c.duration(sendTimeout, "outpost.outbox.send-timeout", Duration.ofSeconds(30), false);
            int batch = (int) c.number(batchSize == null ? null : (long) batchSize, "outpost.outbox.batch-size", 10, 1, 1000);
            c.throwIfAny();
            return new OutboxTransport(this, dir.get(), max, bytes, policy, initial, maxDelay, timeout, batch);
        }
    }
}
