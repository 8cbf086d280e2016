package dev.outpost.inmemory.internal;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One queue with SQS semantics, under its own lock.
 *
 * <p>Its messages sit in {@link MessagePlaces} (ready, in flight in receive order, or timed). Expiry
 * is lazy: every receive, depth and peek first moves what is due back to ready. No thread and no
 * timer per message.
 *
 * <p>Deadlines are read from the ticker (nanoseconds, {@link System#nanoTime} unless a test
 * supplies another); how long a receive waits is always real time.
 */
public final class MemoryQueue {
    private final String name;
    private final LongSupplier ticker;
    private final Accounting accounting;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition available = lock.newCondition();
    private final MessagePlaces places = new MessagePlaces();
    // configuration: written under the lock, read without it only where noted
    private long visibilityNanos;
    private long delayNanos;
    private int maxReceiveCount;
    private String deadLetterQueue;
    private volatile int maxMessageBytes;
    private long seq;
    private int waiters;
    private long receipts;
    /** What new messages are handed to as they are sent ({@link #pushTo}); null when none. Under the lock. */
    private Consumer<Delivery> pushTo;
    private volatile boolean closed;

    /** An empty queue; {@code ticker} gives deadlines in nanoseconds. */
    public MemoryQueue(String name, Settings settings, LongSupplier ticker, Accounting accounting) {
        this.name = name;
        this.ticker = ticker;
        this.accounting = accounting;
        apply(settings);
    }

    /** A queue's behaviour, resolved against the transport's defaults; 0 and null for "none". */
    public record Settings(Duration visibility, Duration delay, int maxReceiveCount, String deadLetterQueue,
            int maxMessageBytes) {}

    /** Shared byte accounting, redrive and counters for all queues of a transport. */
    public interface Accounting {
        /** {@code bytes} left the transport (acked, purged). */
        void released(long bytes);

        /** Moves {@code message} to {@code deadLetterQueue}, keeping its id. Called without the source's lock. */
        void redrive(String deadLetterQueue, Message message, String messageId);

        /** Counts one operation ({@link Ops}). */
        void count(int op);
    }

    /** The queue's name. */
    public String name() {
        return name;
    }

    /** The largest body this queue takes; read without the lock by senders. */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /**
     * Changes how the queue behaves, in place, so that receivers already waiting on it keep
     * working. Messages in flight keep the deadline they have.
     */
    public void configure(Settings settings) {
        lock.lock();
        try {
            if (MemoryDelivery.nanos(settings.visibility()) != visibilityNanos) {
                places.unorderInFlight();
            }
            apply(settings);
        } finally {
            lock.unlock();
        }
    }

    private void apply(Settings s) {
        // past a century is for ever all the same; toNanos() overflows past 292 years
        visibilityNanos = MemoryDelivery.nanos(s.visibility());
        delayNanos = MemoryDelivery.nanos(s.delay());
        maxReceiveCount = s.maxReceiveCount();
        deadLetterQueue = s.deadLetterQueue();
        maxMessageBytes = s.maxMessageBytes();
    }

    /**
     * Appends messages (a redriven one keeps {@code messageId}; null gives each a new id). When a receiver takes pushes
     * and nothing waits before them, they are received at once and handed to it on this thread, outside the lock.
     */
    public void add(List<Message> messages, String messageId) {
        Consumer<Delivery> to = null;
        List<MemoryDelivery> pushed = null;
        lock.lock();
        try {
            long now = delayNanos > 0 || pushTo != null ? ticker.getAsLong() : 0;
            // pushed only where a receive would have taken them next: nothing visible before them (one whose
            // visibility or hand-back delay ended is, though expiry is lazy), no delay
            if (pushTo != null && delayNanos == 0 && !closed) {
                promote(now);
                if (!places.hasReady()) {
                    to = pushTo;
                    pushed = new ArrayList<>(messages.size());
                }
            }
            for (Message m : messages) {
                Entry e = new Entry(m, ++seq, messageId);
                if (delayNanos > 0) {
                    places.addTimed(e, now + delayNanos);
                } else if (to != null) {
                    e.receiveCount = 1;
                    e.receipt = ++receipts;
                    places.received(e, now + visibilityNanos);
                    pushed.add(new MemoryDelivery(this, e, e.receipt, 1));
                } else {
                    places.addReady(e);
                }
            }
            if (delayNanos == 0 && to == null) {
                wake(messages.size());
            } else if (delayNanos > 0 && waiters > 0) {
                available.signalAll(); // waiters may need to wake earlier for the new deadline
            }
        } finally {
            lock.unlock();
        }
        if (pushed != null) {
            for (MemoryDelivery d : pushed) {
                try {
                    to.accept(d);
                } catch (Throwable receiverFailed) {
                    // the receiver's own boundary failed: a receive takes it now (a stale receipt is a no-op)
                    retry(d.entry(), d.receipt(), 0);
                }
            }
        }
    }

    /** Makes {@code receiver} take what is sent from now on; false when another does, or the queue is closed. */
    public boolean pushTo(Consumer<Delivery> receiver) {
        lock.lock();
        try {
            if (pushTo != null || closed) {
                return false;
            }
            pushTo = receiver;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Stops pushing to {@code receiver}, if it is the one pushed to. */
    public void stopPushing(Consumer<Delivery> receiver) {
        lock.lock();
        try {
            if (pushTo == receiver) {
                pushTo = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Wakes up to {@code n} waiting receivers: one per message is enough, since each takes at least one. */
    private void wake(int n) {
        if (waiters == 0) {
            return;
        }
        if (n >= waiters) {
            available.signalAll();
        } else {
            for (int i = 0; i < n; i++) {
                available.signal();
            }
        }
    }

    /**
     * Takes up to {@code max} visible messages, waiting up to {@code wait} (real time) for the
     * first; empty when none came or the queue was closed. Redrives what is over its receive count.
     * A message this thread handed back at once is left to a receiver waiting, if any: so that clients
     * sharing a reply queue pass each other's answers on instead of taking them back themselves.
     */
    public List<Delivery> receive(int max, Duration wait) throws InterruptedException {
        long waitUntil = System.nanoTime() + MemoryDelivery.nanos(wait);
        long self = Thread.currentThread().getId();
        List<Delivery> out = null;
        List<Entry> redriven = null;
        String dlq = null;
        lock.lockInterruptibly();
        try {
            while (true) {
                if (closed) {
                    return List.of();
                }
                long now = ticker.getAsLong();
                long nextDue = promote(now);
                boolean leftForWaiter = false;
                while (places.hasReady() && (out == null || out.size() < max)) {
                    if (places.peekReady().handedBackBy == self && waiters > 0) {
                        // it handed this back at once, so another receiver may take it: one waiting gets it first
                        // (it was signalled, but this thread is running and would barge in ahead of it every time)
                        leftForWaiter = true;
                        break;
                    }
                    Entry e = places.pollReady();
                    e.handedBackBy = 0;
                    e.receiveCount++;
                    if (maxReceiveCount > 0 && e.receiveCount > maxReceiveCount) {
                        MessagePlaces.redriven(e);
                        if (redriven == null) {
                            redriven = new ArrayList<>();
                            dlq = deadLetterQueue;
                        }
                        redriven.add(e);
                        continue;
                    }
                    e.receipt = ++receipts;
                    places.received(e, now + visibilityNanos);
                    if (out == null) {
                        out = new ArrayList<>(max);
                    }
                    out.add(new MemoryDelivery(this, e, e.receipt, e.receiveCount));
                }
                if (out != null) {
                    return out;
                }
                if (leftForWaiter) {
                    available.signal(); // one waiter at least is awake for it, whatever woke the others
                }
                long left = waitUntil - System.nanoTime();
                if (left <= 0) {
                    return List.of();
                }
                long sleep = nextDue == Long.MAX_VALUE ? left : Math.min(left, Math.max(0, nextDue - now) + 1);
                waiters++;
                try {
                    available.awaitNanos(sleep);
                } finally {
                    waiters--;
                }
            }
        } finally {
            lock.unlock();
            if (redriven != null) {
                // outside the lock, so that two queues' locks are never held together
                for (Entry e : redriven) {
                    accounting.released(e.message.size());
                    accounting.redrive(dlq, e.message, e.messageId(name));
                }
            }
        }
    }

    /** Moves what is due to ready, waking receivers for it; returns when the next in-flight or timed entry becomes due. */
    private long promote(long now) {
        int moved = places.promote(now);
        if (moved > 0) {
            wake(moved);
        }
        return places.nextDue();
    }

    boolean ack(Entry e, long receipt) {
        lock.lock();
        try {
            if (!MessagePlaces.live(e, receipt)) {
                return false; // stale receipt: the message was redelivered or already deleted
            }
            places.detach(e);
            accounting.released(MessagePlaces.gone(e));
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Acks several deliveries of this queue under one lock; stale receipts are skipped, as by {@link #ack}. */
    public void ackAll(List<MemoryDelivery> deliveries) {
        long bytes = 0;
        lock.lock();
        try {
            for (MemoryDelivery d : deliveries) {
                Entry e = d.entry();
                if (!MessagePlaces.live(e, d.receipt())) {
                    continue;
                }
                places.detach(e);
                bytes += MessagePlaces.gone(e);
            }
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < deliveries.size(); i++) {
            accounting.count(Ops.ACK);
        }
        accounting.released(bytes);
    }

    boolean retry(Entry e, long receipt, long delayNanos) {
        lock.lock();
        try {
            if (!MessagePlaces.live(e, receipt)) {
                return false;
            }
            places.detach(e);
            e.receipt = 0;
            if (delayNanos <= 0) {
                e.handedBackBy = Thread.currentThread().getId();
                places.handBack(e); // handed back: first in line again
                wake(1);
            } else {
                places.addTimed(e, ticker.getAsLong() + delayNanos);
                if (waiters > 0 && places.firstTimed(e)) {
                    available.signalAll(); // waiters sleep until the earliest deadline they saw: this one is earlier
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    boolean extend(Entry e, long receipt, long visibilityNanos) {
        lock.lock();
        try {
            if (!MessagePlaces.live(e, receipt)) {
                return false;
            }
            // still in flight: the receipt stays valid and inFlight is unchanged
            places.unschedule(e);
            places.addTimed(e, ticker.getAsLong() + visibilityNanos);
            if (waiters > 0 && places.firstTimed(e)) {
                available.signalAll(); // as in retry: a shorter visibility must not wait out a long poll
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Messages visible now. */
    public long depth() {
        lock.lock();
        try {
            promote(ticker.getAsLong());
            return places.readyCount();
        } finally {
            lock.unlock();
        }
    }

    /** Messages received and neither acked, handed back nor expired. */
    public int inFlight() {
        lock.lock();
        try {
            promote(ticker.getAsLong());
            return places.inFlightCount();
        } finally {
            lock.unlock();
        }
    }

    /** Every message in the queue (visible, in flight or delayed), oldest first. */
    public List<Message> peek() {
        lock.lock();
        try {
            promote(ticker.getAsLong());
            return places.all();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the queue holds any message. */
    public boolean isEmpty() {
        lock.lock();
        try {
            return places.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Deletes every message; receipts held for them become stale. */
    public void purge() {
        lock.lock();
        try {
            accounting.released(places.purge());
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiting receiver (they return empty) and makes later receives return empty. */
    public void close() {
        closed = true;
        lock.lock();
        try {
            available.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Receivers waiting in {@link #receive} now: a seam for tests. */
    int waitingReceivers() {
        lock.lock();
        try {
            return waiters;
        } finally {
            lock.unlock();
        }
    }

    boolean closed() {
        return closed;
    }

    void count(int op) {
        accounting.count(op);
    }

    /** Operation codes for the transport's counters. */
    public static final class Ops {
        public static final int SEND = 0;
        public static final int RECEIVE = 1;
        public static final int ACK = 2;
        public static final int RETRY = 3;
        public static final int EXTEND = 4;
        public static final int REDRIVE = 5;

        private Ops() {}
    }
}
