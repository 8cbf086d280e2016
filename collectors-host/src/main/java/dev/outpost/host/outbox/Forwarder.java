package dev.outpost.host.outbox;

import dev.outpost.core.outbox.MessageJournal;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.NoSuchDestinationException;
import dev.outpost.spi.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox's loop: forwards the oldest waiting messages in batches (one
 * {@link Transport#sendBatch} per batch, all for one destination, in order) and deletes them once
 * the wrapped transport accepted the batch; backs off while it fails. Whatever the wrapped
 * transport throws, {@link Error}s included, counts as a failed attempt: the loop goes on. Messages
 * refused for good (too large; for a destination still missing after {@link #MAX_ATTEMPTS}) are removed.
 */
final class Forwarder implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(OutboxTransport.class);
    /** Attempts at a message whose destination does not exist before it is removed as undeliverable. */
    static final int MAX_ATTEMPTS = 5;

    /** How many messages behind a missing destination's batch are read to see whether it blocks another's. */
    private static final int LOOK_BEHIND = 1_000;

    private final Transport delegate;
    private final MessageJournal queue;
    private final int batchSize;
    private final Duration retryDelay;
    private final Duration maxRetryDelay;
    private final Duration sendTimeout;
    private final BooleanSupplier running;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean signalled;
    /** The oldest message's sequence while sends of it find no destination, and how often they did. */
    private long missingSeq = -1;
    private int missingAttempts;
    /** A destination found missing on {@link #MAX_ATTEMPTS} attempts; until a send to it goes through, one refusal is enough. */
    private String missing;
    /** The destination of the last send refused because the outbox was full; null when none since the last look. */
    private volatile String refusedFor;
    /** The newest sequence of the batch being sent; -1 when none. DROP_OLDEST never drops up to it. */
    volatile long inFlightTo = -1;
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong undeliverable = new AtomicLong();
    final AtomicLong failedAttempts = new AtomicLong();
    /** Failed attempts since the last forward that went through: an outage's first warns, its end is said once. */
    private long outageFailures;
    final AtomicLong batches = new AtomicLong();

    Forwarder(Transport delegate, MessageJournal queue, int batchSize, Duration retryDelay, Duration maxRetryDelay, Duration sendTimeout,
            BooleanSupplier running) {
        this.delegate = delegate;
        this.queue = queue;
        this.batchSize = batchSize;
        this.retryDelay = retryDelay;
        this.maxRetryDelay = maxRetryDelay;
        this.sendTimeout = sendTimeout;
        this.running = running;
    }

    /** A send to {@code destination} was refused because the outbox was full. */
    void refused(String destination) {
        refusedFor = destination;
    }

    void signal() {
        lock.lock();
        try {
            signalled = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void run() {
        Duration backoff = retryDelay;
        // after a failure one message probes the destination: a batch waits until it is back, and
        // DROP_OLDEST keeps all but that one message to choose from meanwhile
        boolean probing = false;
        while (true) {
            // shutdown stops the loop through running() (set before it interrupts): an interrupt the
            // wrapped transport left set must not end the loop, nor fail the outbox's file reads
            Thread.interrupted();
            if (!running.getAsBoolean()) {
                return;
            }
            List<MessageJournal.Entry> batch;
            try {
                synchronized (queue) { // with send's drop: the entries picked here are never dropped while sent
                    batch = queue.oldest(probing ? 1 : batchSize);
                    if (!batch.isEmpty()) {
                        inFlightTo = batch.get(batch.size() - 1).seq();
                    }
                }
            } catch (Throwable e) {
                log.error("outbox: cannot read the outbox: {}", e.toString());
                if (!pause(nanos(maxRetryDelay), true)) {
                    return;
                }
                continue;
            }
            if (batch.isEmpty()) {
                if (!pause(TimeUnit.SECONDS.toNanos(1), true)) {
                    return;
                }
                continue;
            }
            long waitNanos = 0;
            try {
                Throwable failure = forward(batch);
                probing = failure != null;
                if (failure == null) {
                    backoff = retryDelay;
                    if (outageFailures > 0) {
                        log.warn("outbox: forwarding to '{}' resumed after {} failed attempts; {} messages waiting",
                                batch.get(0).destination(), outageFailures, queue.size());
                        outageFailures = 0;
                    }
                } else {
                    failedAttempts.incrementAndGet();
                    // counted per outage: a total over the process's life put the next outage's first warning anywhere
                    if (outageFailures++ % 20 == 0) {
                        log.warn("outbox: '{}' unavailable ({}); {} messages waiting, retrying in {}", batch.get(0).destination(),
                                failure, queue.size(), backoff);
                    }
                    waitNanos = nanos(backoff);
                    backoff = backoff.compareTo(maxRetryDelay.dividedBy(2)) > 0 ? maxRetryDelay : backoff.multipliedBy(2);
                }
            } catch (InterruptedException ie) {
                return;
            } finally {
                inFlightTo = -1; // while backing off nothing is being sent: DROP_OLDEST may take it
            }
            if (waitNanos > 0 && !pause(waitNanos, false)) {
                return;
            }
        }
    }

    /** Sends one batch; null when it went through (or was removed as undeliverable), else the failure. */
    private Throwable forward(List<MessageJournal.Entry> batch) throws InterruptedException {
        String destination = batch.get(0).destination();
        List<Message> messages = batch.stream().map(MessageJournal.Entry::message).toList();
        Throwable cause = send(destination, messages);
        if (cause == null) {
            batches.incrementAndGet();
            removeAll(batch);
            delivered.addAndGet(batch.size());
            if (destination.equals(missing)) {
                missing = null;
            }
            return null;
        }
        if (cause instanceof NoSuchDestinationException) {
            return missingDestination(destination, batch, cause);
        }
        if (!(cause instanceof MessageTooLargeException)) {
            return cause;
        }
        // one of them is refused for good: find which by sending them one by one, in order
        for (MessageJournal.Entry e : batch) {
            Throwable one = send(destination, List.of(e.message()));
            if (one == null) {
                delivered.incrementAndGet();
            } else if (one instanceof MessageTooLargeException) {
                undeliverable.incrementAndGet();
                log.error("outbox: '{}' refuses message {} for good ({}); removed", destination, e.seq(), one.getMessage());
            } else {
                return one;
            }
            removeAll(List.of(e));
        }
        return null;
    }

    /**
     * A destination that does not exist will not appear by itself (a typo in a job): held on to, its
     * messages would block every one behind them for good. It gets a few attempts (it may be being
     * created), then its messages are removed as undeliverable.
     */
    private Throwable missingDestination(String destination, List<MessageJournal.Entry> batch, Throwable cause) {
        long head = batch.get(0).seq();
        if (head != missingSeq) {
            missingSeq = head;
            missingAttempts = 0;
        }
        if (!destination.equals(missing) && ++missingAttempts < MAX_ATTEMPTS) {
            return cause;
        }
        if (!othersWaitBehind(destination, batch)) {
            // it blocks no one: more likely a server restarted empty, its queues not yet recreated, than a typo; kept
            return cause;
        }
        missing = destination;
        missingSeq = -1;
        undeliverable.addAndGet(batch.size());
        log.error("outbox: '{}' does not exist ({}); {} message(s) for it removed", destination, cause.getMessage(), batch.size());
        removeAll(batch);
        return null;
    }

    /**
     * Whether a message for another destination waits among the next {@value #LOOK_BEHIND} behind {@code batch}, or was
     * refused since the last look because the outbox was full: a missing destination would block it. Each is a file read, once a retry: past them the messages are kept (a backlog
     * that long for one destination is an outage's more likely than a typo's).
     */
    private boolean othersWaitBehind(String destination, List<MessageJournal.Entry> batch) {
        String refused = refusedFor;
        refusedFor = null;
        if (refused != null && !refused.equals(destination)) {
            return true; // a full outbox refused another destination's message: none can wait behind, yet it is blocked
        }
        try {
            int looked = 0;
            for (Optional<Long> seq = queue.oldestAfter(batch.get(batch.size() - 1).seq()); seq.isPresent() && looked++ < LOOK_BEHIND;
                    seq = queue.oldestAfter(seq.get())) {
                Optional<MessageJournal.Entry> e = queue.read(seq.get());
                if (e.isPresent() && !e.get().destination().equals(destination)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return true; // cannot tell: as before, the missing destination's messages go so the rest can
        }
    }

    private Throwable send(String destination, List<Message> messages) throws InterruptedException {
        try {
            (messages.size() == 1 ? delegate.send(destination, messages.get(0)) : delegate.sendBatch(destination, messages))
                    .get(nanos(sendTimeout), TimeUnit.NANOSECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (InterruptedException e) {
            if (!running.getAsBoolean()) {
                throw e;
            }
            return e; // not shutdown's: a failed attempt, and the loop goes on
        } catch (TimeoutException e) {
            return e;
        } catch (Throwable e) { // the wrapped transport threw instead of failing its future, an Error included
            return e;
        }
    }

    /**
     * {@code d} in nanoseconds, at most Long.MAX_VALUE (292 years): toNanos and toMillis of a longer one (a
     * million days, "no timeout" as ChronoUnit.FOREVER) throw, which failed every forward or ended the thread.
     */
    private static long nanos(Duration d) {
        return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
    }

    private void removeAll(List<MessageJournal.Entry> entries) {
        for (MessageJournal.Entry e : entries) {
            try {
                queue.remove(e.seq());
            } catch (IOException io) {
                log.error("outbox: could not remove message {}: {}", e.seq(), io.toString());
            }
        }
    }

    /** Waits for {@code nanos}, cut short by a signal when {@code wakeOnSignal}; false when stopping. */
    private boolean pause(long nanos, boolean wakeOnSignal) {
        lock.lock();
        try {
            long left = nanos;
            while (left > 0 && running.getAsBoolean() && !(wakeOnSignal && signalled)) {
                left = wake.awaitNanos(left);
            }
            if (wakeOnSignal) {
                signalled = false;
            }
        } catch (InterruptedException e) {
            return running.getAsBoolean(); // shutdown's interrupt, or a stray one that only cuts the pause short
        } finally {
            lock.unlock();
        }
        return running.getAsBoolean();
    }
}
