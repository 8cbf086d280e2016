package dev.outpost.inmemory.internal;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.TransportException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One queue with SQS semantics, under one lock.
 *
 * <p>Ready messages sit in a deque. Received messages with the queue's own visibility timeout
 * expire in receive order, so they sit in an intrusive FIFO list from which an ack unlinks them in
 * O(1); messages with another deadline (delayed sends, retries with a delay, extensions) sit in a
 * priority queue. Expiry is lazy: every receive, depth and peek first moves what is due back to
 * ready. No thread and no timer per message.
 */
public final class MemoryQueue {
    private static final int READY = 0;
    private static final int IN_FLIGHT = 1;
    private static final int TIMED = 2;
    private static final int GONE = 3;

    final String name;
    private final long visibilityNanos;
    private final long delayNanos;
    private final int maxReceiveCount;
    private final String deadLetterQueue;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition available = lock.newCondition();
    private final ArrayDeque<Entry> ready = new ArrayDeque<>();
    private final PriorityQueue<Entry> timed = new PriorityQueue<>(Comparator.comparingLong((Entry e) -> e.visibleAt)
            .thenComparingLong(e -> e.seq));
    private final Entry fifo = new Entry(null, -1);
    private final AtomicLong seq = new AtomicLong();
    private final Accounting accounting;
    private int inFlight;
    private int waiters;
    private long receipts;
    private volatile boolean closed;

    public MemoryQueue(String name, Duration visibility, Duration delay, int maxReceiveCount, String deadLetterQueue,
            Accounting accounting) {
        this.name = name;
        this.visibilityNanos = visibility.toNanos();
        this.delayNanos = delay.toNanos();
        this.maxReceiveCount = maxReceiveCount;
        this.deadLetterQueue = deadLetterQueue;
        this.accounting = accounting;
        fifo.prev = fifo;
        fifo.next = fifo;
    }

    /** Shared byte accounting and redrive for all queues of a transport. */
    public interface Accounting {
        void released(long bytes);

        void redrive(String deadLetterQueue, Message message);

        void count(int op);
    }

    public String name() {
        return name;
    }

    public void add(List<Message> messages) {
        long now = System.nanoTime();
        lock.lock();
        try {
            for (Message m : messages) {
                Entry e = new Entry(m, seq.incrementAndGet());
                if (delayNanos > 0) {
                    e.visibleAt = now + delayNanos;
                    e.state = TIMED;
                    timed.add(e);
                } else {
                    e.state = READY;
                    ready.addLast(e);
                }
            }
            if (waiters > 0) {
                available.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    public List<Delivery> receive(int max, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        List<Delivery> out = null;
        List<Message> redriven = null;
        lock.lockInterruptibly();
        try {
            while (true) {
                if (closed) {
                    return List.of();
                }
                long now = System.nanoTime();
                long nextDue = promote(now);
                while (!ready.isEmpty() && (out == null || out.size() < max)) {
                    Entry e = ready.pollFirst();
                    e.receiveCount++;
                    if (maxReceiveCount > 0 && e.receiveCount > maxReceiveCount) {
                        e.state = GONE;
                        if (redriven == null) {
                            redriven = new ArrayList<>();
                        }
                        redriven.add(e.message);
                        continue;
                    }
                    e.receipt = ++receipts;
                    e.visibleAt = now + visibilityNanos;
                    e.state = IN_FLIGHT;
                    linkLast(e);
                    inFlight++;
                    if (out == null) {
                        out = new ArrayList<>(Math.min(max, 10));
                    }
                    out.add(new MemoryDelivery(this, e, e.receipt, e.receiveCount));
                }
                if (out != null) {
                    return out;
                }
                long left = deadline - now;
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
                for (Message m : redriven) {
                    accounting.released(m.size());
                    accounting.redrive(deadLetterQueue, m);
                }
            }
        }
    }

    /** Moves what is due to ready; returns when the next timed or in-flight entry becomes due. */
    private long promote(long now) {
        boolean moved = false;
        while (fifo.next != fifo && fifo.next.visibleAt - now <= 0) {
            Entry e = fifo.next;
            unlink(e);
            inFlight--;
            e.state = READY;
            e.receipt = 0;
            ready.addLast(e);
            moved = true;
        }
        while (!timed.isEmpty() && timed.peek().visibleAt - now <= 0) {
            Entry e = timed.poll();
            if (e.receipt != 0) {
                inFlight--;
            }
            e.state = READY;
            e.receipt = 0;
            ready.addLast(e);
            moved = true;
        }
        if (moved && waiters > 0) {
            available.signalAll();
        }
        long next = Long.MAX_VALUE;
        if (fifo.next != fifo) {
            next = fifo.next.visibleAt;
        }
        if (!timed.isEmpty() && (next == Long.MAX_VALUE || timed.peek().visibleAt - next < 0)) {
            next = timed.peek().visibleAt;
        }
        return next;
    }

    boolean ack(Entry e, long receipt) {
        lock.lock();
        try {
            if (e.receipt != receipt || e.state == READY || e.state == GONE) {
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

    boolean retry(Entry e, long receipt, long delayNanos) {
        lock.lock();
        try {
            if (e.receipt != receipt || e.state == READY || e.state == GONE) {
                return false;
            }
            detach(e);
            e.receipt = 0;
            if (delayNanos <= 0) {
                e.state = READY;
                ready.addFirst(e);
                if (waiters > 0) {
                    available.signalAll();
                }
            } else {
                e.state = TIMED;
                e.visibleAt = System.nanoTime() + delayNanos;
                timed.add(e);
                if (waiters > 0) {
                    available.signalAll(); // a waiter may need to wake earlier for this deadline
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
            if (e.receipt != receipt || e.state == READY || e.state == GONE) {
                return false;
            }
            if (e.state == IN_FLIGHT) {
                unlink(e);
            } else {
                timed.remove(e);
            }
            e.state = TIMED;
            e.visibleAt = System.nanoTime() + visibilityNanos;
            timed.add(e);
            // still in flight: the receipt stays valid and inFlight is unchanged
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

    public long depth() {
        lock.lock();
        try {
            promote(System.nanoTime());
            return ready.size();
        } finally {
            lock.unlock();
        }
    }

    public int inFlight() {
        lock.lock();
        try {
            promote(System.nanoTime());
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** Every message in the queue (visible, in flight or delayed), oldest first. */
    public List<Message> peek() {
        lock.lock();
        try {
            promote(System.nanoTime());
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

    /** Deletes every message. */
    public void purge() {
        lock.lock();
        try {
            long bytes = 0;
            for (Entry e : ready) {
                bytes += e.message.size();
                e.state = GONE;
            }
            for (Entry e = fifo.next; e != fifo; e = e.next) {
                bytes += e.message.size();
                e.state = GONE;
            }
            for (Entry e : timed) {
                bytes += e.message.size();
                e.state = GONE;
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

    public void close() {
        closed = true;
        lock.lock();
        try {
            available.signalAll();
        } finally {
            lock.unlock();
        }
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

    static final class Entry {
        Message message;
        final long seq;
        int receiveCount;
        long receipt;
        long visibleAt;
        int state;
        Entry prev;
        Entry next;

        Entry(Message message, long seq) {
            this.message = message;
            this.seq = seq;
        }
    }

    /** A receipt for one receive of one entry. */
    static final class MemoryDelivery implements Delivery {
        private final MemoryQueue queue;
        private final Entry entry;
        private final long receipt;
        private final int receiveCount;
        private final Message message;

        MemoryDelivery(MemoryQueue queue, Entry entry, long receipt, int receiveCount) {
            this.queue = queue;
            this.entry = entry;
            this.receipt = receipt;
            this.receiveCount = receiveCount;
            this.message = entry.message;
        }

        @Override
        public String id() {
            return queue.name + "/" + entry.seq + "/" + receipt;
        }

        @Override
        public String messageId() {
            return queue.name + "/" + entry.seq;
        }

        @Override
        public String source() {
            return queue.name;
        }

        @Override
        public Message message() {
            return message;
        }

        @Override
        public int receiveCount() {
            return receiveCount;
        }

        @Override
        public CompletableFuture<Void> ack() {
            queue.count(Ops.ACK);
            queue.ack(entry, receipt);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> retry(Duration delay) {
            if (delay.isNegative()) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("delay must not be negative, was " + delay));
            }
            queue.count(Ops.RETRY);
            queue.retry(entry, receipt, delay.toNanos());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> extend(Duration visibility) {
            if (visibility.isNegative()) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("visibility must not be negative, was " + visibility));
            }
            queue.count(Ops.EXTEND);
            if (queue.closed) {
                return CompletableFuture.failedFuture(new TransportException(queue.name, "transport is closed"));
            }
            queue.extend(entry, receipt, visibility.toNanos());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public String toString() {
            return "Delivery[" + id() + ", receiveCount=" + receiveCount + "]";
        }
    }

    /** Operation codes for the transport's counters. */
    public static final class Ops {
        public static final int SEND = 0;
        public static final int RECEIVE = 1;
        public static final int ACK = 2;
        public static final int RETRY = 3;
        public static final int EXTEND = 4;

        private Ops() {}
    }
}
