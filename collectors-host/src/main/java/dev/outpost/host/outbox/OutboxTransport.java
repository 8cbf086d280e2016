package dev.outpost.host.outbox;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} that never loses a sent message because the destination is down: every
 * {@link #send} is first written to a bounded on-disk outbox, and one thread
 * ({@code outpost-outbox}) forwards the outbox to the wrapped transport, oldest first, deleting
 * each message only once the wrapped transport accepted it. While the destination is down the
 * outbox grows; when it is back the outbox drains in order. Messages left in the outbox when the
 * process stops are sent after the next start.
 *
 * <pre>{@code
 * Transport shipping = OutboxTransport.builder(sqs, Path.of("/var/lib/outpost/outbox"))
 *         .maxMessages(20_000)                      // about a day of 5-second samples
 *         .whenFull(OutboxTransport.WhenFull.DROP_OLDEST)
 *         .build();
 * Scheduler.builder(shipping).job(Scheduler.Job.every(Duration.ofSeconds(5), processes, "records")).build().start();
 * }</pre>
 *
 * <p>When full ({@link Builder#maxMessages} or {@link Builder#maxBytes}): {@link WhenFull#DROP_OLDEST}
 * (the default) deletes the oldest waiting message to make room and counts it in
 * {@link #dropped()}; {@link WhenFull#REJECT_NEW} fails the new send with a
 * {@link TransportException} and keeps what is waiting. A message the wrapped transport refuses
 * for good ({@link MessageTooLargeException}) is removed and counted in {@link #undeliverable()}
 * so that it cannot block the ones behind it.
 *
 * <p>{@link #receive} and {@link #depth} go straight to the wrapped transport. {@link #close()}
 * stops the thread and closes the wrapped transport.
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
    private final DiskQueue queue;
    private final int maxMessages;
    private final long maxBytes;
    private final WhenFull whenFull;
    private final Duration retryDelay;
    private final Duration maxRetryDelay;
    private final Duration sendTimeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong undeliverable = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private final Thread thread;
    private volatile long inFlight = -1;
    private volatile boolean signalled;

    private OutboxTransport(Builder b) throws IOException {
        this.delegate = b.delegate;
        this.queue = new DiskQueue(b.directory);
        this.maxMessages = b.maxMessages;
        this.maxBytes = b.maxBytes;
        this.whenFull = b.whenFull;
        this.retryDelay = b.retryDelay;
        this.maxRetryDelay = b.maxRetryDelay;
        this.sendTimeout = b.sendTimeout;
        this.thread = new Thread(this::drain, "outpost-outbox");
        thread.setDaemon(true);
        thread.start();
    }

    /** A builder for an outbox in {@code directory} (created if missing) in front of {@code delegate}. */
    public static Builder builder(Transport delegate, Path directory) {
        return new Builder(delegate, directory);
    }

    /**
     * Writes the message to the outbox durably and returns; the outbox thread sends it.
     *
     * @return completes once the message is on disk; exceptionally with a {@link TransportException}
     *     when the outbox is full and refuses new messages, or the disk write failed
     */
    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(message, "message");
        if (closed.get()) {
            return CompletableFuture.failedFuture(new TransportException(destination, "outbox is closed"));
        }
        long size = DiskQueue.encodedSize(destination, message);
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
        signal();
        return CompletableFuture.completedFuture(null);
    }

    /** Appends, making room first by the full policy; a failed future when the policy refuses, null when appended. */
    private CompletableFuture<Void> appendOrRefuse(String destination, Message message, long size) throws IOException {
        synchronized (queue) {
            while (queue.size() >= maxMessages || queue.bytes() + size > maxBytes) {
                if (whenFull == WhenFull.REJECT_NEW) {
                    rejected.incrementAndGet();
                    return CompletableFuture.failedFuture(new TransportException(destination, "outbox full ("
                            + queue.size() + " messages, " + queue.bytes() + " bytes); the message was not kept"));
                }
                Optional<Long> victim = queue.oldestExcept(inFlight);
                if (victim.isEmpty() || !queue.remove(victim.get())) {
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
        return delivered.get();
    }

    /** Waiting messages deleted to make room ({@link WhenFull#DROP_OLDEST}). */
    public long dropped() {
        return dropped.get();
    }

    /** Sends refused because the outbox was full ({@link WhenFull#REJECT_NEW}). */
    public long rejected() {
        return rejected.get();
    }

    /** Messages the wrapped transport refused for good (too large), removed from the outbox. */
    public long undeliverable() {
        return undeliverable.get();
    }

    /** Forwarding attempts that failed (each retried). */
    public long failedAttempts() {
        return failedAttempts.get();
    }

    /** Stops the outbox thread (what is waiting stays on disk) and closes the wrapped transport. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            signal();
            thread.interrupt();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            delegate.close();
        }
    }

    private void signal() {
        lock.lock();
        try {
            signalled = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits for a signal or {@code nanos}; false when closed. */
    private boolean pause(long nanos) {
        lock.lock();
        try {
            while (!signalled && nanos > 0 && !closed.get()) {
                nanos = wake.awaitNanos(nanos);
            }
            signalled = false;
        } catch (InterruptedException e) {
            return false;
        } finally {
            lock.unlock();
        }
        return !closed.get();
    }

    private void drain() {
        Duration backoff = retryDelay;
        while (!closed.get()) {
            Optional<DiskQueue.Entry> next;
            try {
                synchronized (queue) { // with send's drop: the entry picked here is never dropped while it is sent
                    next = queue.oldest();
                    next.ifPresent(x -> inFlight = x.seq());
                }
            } catch (IOException e) {
                log.error("outbox: cannot read the outbox: {}", e.toString());
                if (!pause(maxRetryDelay.toNanos())) {
                    return;
                }
                continue;
            }
            if (next.isEmpty()) {
                if (!pause(TimeUnit.SECONDS.toNanos(1))) {
                    return;
                }
                continue;
            }
            DiskQueue.Entry e = next.get();
            long waitNanos = 0;
            try {
                delegate.send(e.destination(), e.message()).get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
                queue.remove(e.seq());
                delivered.incrementAndGet();
                backoff = retryDelay;
            } catch (InterruptedException ie) {
                return;
            } catch (ExecutionException | TimeoutException | RuntimeException | IOException failure) {
                Throwable cause = failure instanceof ExecutionException ? failure.getCause() : failure;
                if (cause instanceof MessageTooLargeException) {
                    undeliverable.incrementAndGet();
                    log.error("outbox: '{}' refuses message {} for good ({}); removed", e.destination(), e.seq(),
                            cause.getMessage());
                    try {
                        queue.remove(e.seq());
                    } catch (IOException io) {
                        log.error("outbox: could not remove message {}: {}", e.seq(), io.toString());
                    }
                    continue;
                }
                if (failedAttempts.incrementAndGet() % 20 == 1) {
                    log.warn("outbox: '{}' unavailable ({}); {} messages waiting, retrying in {}", e.destination(),
                            String.valueOf(cause), queue.size(), backoff);
                }
                waitNanos = backoff.toNanos();
                backoff = backoff.multipliedBy(2).compareTo(maxRetryDelay) > 0 ? maxRetryDelay : backoff.multipliedBy(2);
            } finally {
                inFlight = -1; // while backing off the entry is not being sent: DROP_OLDEST may take it
            }
            if (waitNanos > 0 && !backOff(waitNanos)) {
                return;
            }
        }
    }

    /** Waits {@code nanos}; a new message does not cut it short (the destination is still down). False when closed. */
    private boolean backOff(long nanos) {
        lock.lock();
        try {
            long left = nanos;
            while (left > 0 && !closed.get()) {
                left = wake.awaitNanos(left);
            }
            return !closed.get();
        } catch (InterruptedException ie) {
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Builds an {@link OutboxTransport}. */
    public static final class Builder {
        private final Transport delegate;
        private final Path directory;
        private int maxMessages = 10_000;
        private long maxBytes = 256L * 1024 * 1024;
        private WhenFull whenFull = WhenFull.DROP_OLDEST;
        private Duration retryDelay = Duration.ofSeconds(1);
        private Duration maxRetryDelay = Duration.ofSeconds(30);
        private Duration sendTimeout = Duration.ofSeconds(30);

        Builder(Transport delegate, Path directory) {
            this.delegate = Objects.requireNonNull(delegate, "delegate");
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** The most messages kept; 10,000 by default (about 14 hours of 5-second samples). */
        public Builder maxMessages(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxMessages must be positive, was " + max);
            }
            this.maxMessages = max;
            return this;
        }

        /** The most bytes kept on disk; 256 MiB by default. */
        public Builder maxBytes(long max) {
            if (max < 1024) {
                throw new IllegalArgumentException("maxBytes must be at least 1024, was " + max);
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
                throw new IllegalArgumentException("need 0 < initial <= max, was " + initial + ", " + max);
            }
            this.retryDelay = initial;
            this.maxRetryDelay = max;
            return this;
        }

        /** How long one forward may take before it counts as failed; 30 s by default. */
        public Builder sendTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("sendTimeout must be positive");
            }
            this.sendTimeout = timeout;
            return this;
        }

        /**
         * Opens the outbox (messages left from a previous run are kept and sent first) and starts
         * its thread.
         *
         * @throws IOException when the directory cannot be used
         */
        public OutboxTransport build() throws IOException {
            return new OutboxTransport(this);
        }
    }
}
