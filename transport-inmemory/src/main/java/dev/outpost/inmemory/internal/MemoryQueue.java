package dev.outpost.inmemory.internal;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * One queue with SQS semantics, under its own lock.
 *
 * <p>Ready messages sit in a deque. Received messages expire in receive order as long as they keep
 * the queue's own visibility timeout, so they sit in an intrusive FIFO list from which an ack
 * unlinks them in O(1). Messages with any other deadline (delayed sends, retries with a delay,
 * extensions) sit in a sorted set, O(log n) to add and remove. Expiry is lazy: every receive,
 * depth and peek first moves what is due back to ready. No thread and no timer per message.
 *
 * <p>Deadlines are read from the ticker (nanoseconds, {@link System#nanoTime} unless a test
 * supplies another); how long a receive waits is always real time.
 */
public final class MemoryQueue {
    private static final int READY = 0;
    private static final int IN_FLIGHT = 1;
    private static final int TIMED = 2;
    private static final int GONE = 3;

    private final String name;
    private final LongSupplier ticker;
    private final Accounting accounting;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition available = lock.newCondition();
    private final ArrayDeque<Entry> ready = new ArrayDeque<>();
    private final TreeSet<Entry> timed = new TreeSet<>(Comparator.comparingLong((Entry e) -> e.visibleAt)
            .thenComparingLong(e -> e.seq));
    private final Entry fifo = new Entry(null, -1, null);
    // configuration: written under the lock, read without it only where noted
    private long visibilityNanos;
    private long delayNanos;
    private int maxReceiveCount;
    private String deadLetterQueue;
    private volatile int maxMessageBytes;
    private long seq;
    private int inFlight;
    private int waiters;
    private long receipts;
    private volatile boolean closed;

    /** An empty queue; {@code ticker} gives deadlines in nanoseconds. */
    public MemoryQueue(String name, Settings settings, LongSupplier ticker, Accounting accounting) {
        this.name = name;
        this.ticker = ticker;
        this.accounting = accounting;
        fifo.prev = fifo;
        fifo.next = fifo;
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
                // the FIFO list relies on one timeout for all its entries: move them to the sorted set
                while (fifo.next != fifo) {
                    Entry e = fifo.next;
                    unlink(e);
                    e.state = TIMED;
                    timed.add(e);
                }
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

    /** Appends messages (a redriven one keeps {@code messageId}; null gives each a new id). */
    public void add(List<Message> messages, String messageId) {
        lock.lock();
        try {
            long now = delayNanos > 0 ? ticker.getAsLong() : 0;
            for (Message m : messages) {
                Entry e = new Entry(m, ++seq, messageId);
                if (delayNanos > 0) {
                    e.visibleAt = now + delayNanos;
                    e.state = TIMED;
                    timed.add(e);
                } else {
                    e.state = READY;
                    ready.addLast(e);
                }
            }
            if (delayNanos == 0) {
                wake(messages.size());
            } else if (waiters > 0) {
                available.signalAll(); // waiters may need to wake earlier for the new deadline
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
     */
    public List<Delivery> receive(int max, Duration wait) throws InterruptedException {
        long waitUntil = System.nanoTime() + MemoryDelivery.nanos(wait);
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
                while (!ready.isEmpty() && (out == null || out.size() < max)) {
                    Entry e = ready.pollFirst();
                    e.receiveCount++;
                    if (maxReceiveCount > 0 && e.receiveCount > maxReceiveCount) {
                        e.state = GONE;
                        if (redriven == null) {
                            redriven = new ArrayList<>();
                            dlq = deadLetterQueue;
                        }
                        redriven.add(e);
                        continue;
                    }
                    e.receipt = ++receipts;
                    e.visibleAt = now + visibilityNanos;
                    e.state = IN_FLIGHT;
                    linkLast(e);
                    inFlight++;
                    if (out == null) {
                        out = new ArrayList<>(max);
                    }
                    out.add(new MemoryDelivery(this, e, e.receipt, e.receiveCount));
                }
                if (out != null) {
                    return out;
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

    /** Moves what is due to ready; returns when the next in-flight or timed entry becomes due. */
    private long promote(long now) {
        int moved = 0;
        while (fifo.next != fifo && fifo.next.visibleAt - now <= 0) {
            Entry e = fifo.next;
            unlink(e);
            inFlight--;
            makeReady(e);
            moved++;
        }
        while (!timed.isEmpty() && timed.first().visibleAt - now <= 0) {
            Entry e = timed.pollFirst();
            if (e.receipt != 0) {
                inFlight--;
            }
            makeReady(e);
            moved++;
        }
        if (moved > 0) {
            wake(moved);
        }
        long next = Long.MAX_VALUE;
        if (fifo.next != fifo) {
            next = fifo.next.visibleAt;
        }
        if (!timed.isEmpty() && (next == Long.MAX_VALUE || timed.first().visibleAt - next < 0)) {
            next = timed.first().visibleAt;
        }
        return next;
    }

    private void makeReady(Entry e) {
        e.state = READY;
        e.receipt = 0; // the old receipt is stale from now on
        ready.addLast(e);
    }

    /** Whether {@code receipt} is still the live receipt of {@code e}; call under the lock. */
    private static boolean live(Entry e, long receipt) {
        return e.receipt == receipt && (e.state == IN_FLIGHT || e.state == TIMED);
    }

    boolean ack(Entry e, long receipt) {
        lock.lock();
        try {
            if (!live(e, receipt)) {
                return false; // stale receipt: the message was redelivered or already deleted
            }
            detach(e);
            e.state = GONE;
            Message m = e.message;
            e.message = null;
            accounting.released(m.size());
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
                if (!live(e, d.receipt())) {
                    continue;
                }
                detach(e);
                e.state = GONE;
                bytes += e.message.size();
                e.message = null;
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
            if (!live(e, receipt)) {
                return false;
            }
            detach(e);
            e.receipt = 0;
            if (delayNanos <= 0) {
                e.state = READY;
                ready.addFirst(e); // handed back: first in line again
                wake(1);
            } else {
                e.state = TIMED;
                e.visibleAt = ticker.getAsLong() + delayNanos;
                timed.add(e);
                if (waiters > 0 && timed.first() == e) {
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
            if (!live(e, receipt)) {
                return false;
            }
            if (e.state == IN_FLIGHT) {
                unlink(e);
            } else {
                timed.remove(e);
            }
            // still in flight: the receipt stays valid and inFlight is unchanged
            e.state = TIMED;
            e.visibleAt = ticker.getAsLong() + visibilityNanos;
            timed.add(e);
            if (waiters > 0 && timed.first() == e) {
                available.signalAll(); // as in retry: a shorter visibility must not wait out a long poll
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void detach(Entry e) {
        if (e.state == IN_FLIGHT) {
            unlink(e);
            inFlight--;
        } else if (e.state == TIMED) {
            timed.remove(e);
            if (e.receipt != 0) {
                inFlight--;
            }
        }
    }

    /** Messages visible now. */
    public long depth() {
        lock.lock();
        try {
            promote(ticker.getAsLong());
            return ready.size();
        } finally {
            lock.unlock();
        }
    }

    /** Messages received and neither acked, handed back nor expired. */
    public int inFlight() {
        lock.lock();
        try {
            promote(ticker.getAsLong());
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** Every message in the queue (visible, in flight or delayed), oldest first. */
    public List<Message> peek() {
        lock.lock();
        try {
            promote(ticker.getAsLong());
            List<Entry> all = new ArrayList<>(ready);
            for (Entry e = fifo.next; e != fifo; e = e.next) {
                all.add(e);
            }
            all.addAll(timed);
            all.sort(Comparator.comparingLong(e -> e.seq));
            List<Message> out = new ArrayList<>(all.size());
            all.forEach(e -> out.add(e.message));
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the queue holds any message. */
    public boolean isEmpty() {
        lock.lock();
        try {
            return ready.isEmpty() && fifo.next == fifo && timed.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Deletes every message; receipts held for them become stale. */
    public void purge() {
        lock.lock();
        try {
            long bytes = 0;
            for (Entry e : ready) {
                bytes += gone(e);
            }
            for (Entry e = fifo.next; e != fifo; e = e.next) {
                bytes += gone(e);
            }
            for (Entry e : timed) {
                bytes += gone(e);
            }
            ready.clear();
            timed.clear();
            fifo.next = fifo;
            fifo.prev = fifo;
            inFlight = 0;
            accounting.released(bytes);
        } finally {
            lock.unlock();
        }
    }

    private static long gone(Entry e) {
        long size = e.message.size();
        e.state = GONE;
        e.message = null;
        return size;
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

    boolean closed() {
        return closed;
    }

    void count(int op) {
        accounting.count(op);
    }

    private void linkLast(Entry e) {
        e.prev = fifo.prev;
        e.next = fifo;
        fifo.prev.next = e;
        fifo.prev = e;
    }

    private static void unlink(Entry e) {
        e.prev.next = e.next;
        e.next.prev = e.prev;
        e.prev = null;
        e.next = null;
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
