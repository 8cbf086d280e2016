package dev.outpost.inmemory.internal;

import dev.outpost.spi.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Where the messages of one {@link MemoryQueue} sit, and when they come due; every method is called under the queue's
 * lock.
 *
 * <p>Ready messages sit in a deque. Received messages expire in receive order as long as they keep the queue's own
 * visibility timeout, so they sit in an intrusive FIFO list from which an ack unlinks them in O(1). Messages with any
 * other deadline (delayed sends, retries with a delay, extensions) sit in a sorted set, O(log n) to add and remove.
 * Separate from the queue, which keeps its lock, its waiting receivers, its settings and its receipts, so that these
 * structures and the state of an entry in them change in one place.
 */
final class MessagePlaces {
    private static final int READY = 0;
    private static final int IN_FLIGHT = 1;
    private static final int TIMED = 2;
    private static final int GONE = 3;

    private final ArrayDeque<Entry> ready = new ArrayDeque<>();
    private final TreeSet<Entry> timed = new TreeSet<>(Comparator.comparingLong((Entry e) -> e.visibleAt)
            .thenComparingLong(e -> e.seq));
    private final Entry fifo = new Entry(null, -1, null);
    private int inFlight;

    MessagePlaces() {
        fifo.prev = fifo;
        fifo.next = fifo;
    }

    /** Moves every received message to the sorted set: the FIFO list relies on one timeout for all its entries. */
    void unorderInFlight() {
        while (fifo.next != fifo) {
            Entry e = fifo.next;
            unlink(e);
            e.state = TIMED;
            timed.add(e);
        }
    }

    /** Appends {@code e} to the ready messages. */
    void addReady(Entry e) {
        e.state = READY;
        ready.addLast(e);
    }

    /** Puts {@code e} back first in line; it must be detached. */
    void handBack(Entry e) {
        e.state = READY;
        ready.addFirst(e);
    }

    /**
     * Holds a detached {@code e} until {@code visibleAt}. One with a receipt stays in flight: the receipt stays valid
     * and the in-flight count is unchanged.
     */
    void addTimed(Entry e, long visibleAt) {
        e.state = TIMED;
        e.visibleAt = visibleAt;
        timed.add(e);
    }

    /** Whether {@code e} has the earliest deadline: waiters sleep until the earliest they saw. */
    boolean firstTimed(Entry e) {
        return timed.first() == e;
    }

    boolean hasReady() {
        return !ready.isEmpty();
    }

    /** The ready message a receive would take next; null when none. */
    Entry peekReady() {
        return ready.peekFirst();
    }

    Entry pollReady() {
        return ready.pollFirst();
    }

    /** {@code e}, just taken from ready, was received: in flight until {@code visibleAt} (the queue's own timeout). */
    void received(Entry e, long visibleAt) {
        e.visibleAt = visibleAt;
        e.state = IN_FLIGHT;
        e.prev = fifo.prev;
        e.next = fifo;
        fifo.prev.next = e;
        fifo.prev = e;
        inFlight++;
    }

    /** Moves what is due to ready; returns how many moved. */
    int promote(long now) {
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
        return moved;
    }

    /** When the next in-flight or timed entry becomes due; {@link Long#MAX_VALUE} when none will. */
    long nextDue() {
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

    /** Whether {@code receipt} is still the live receipt of {@code e}. */
    static boolean live(Entry e, long receipt) {
        return e.receipt == receipt && (e.state == IN_FLIGHT || e.state == TIMED);
    }

    /** Takes a received {@code e} out of the in-flight list or the sorted set, and out of the in-flight count. */
    void detach(Entry e) {
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

    /** Takes a received {@code e} out of where it waits, keeping it in the in-flight count (it is being extended). */
    void unschedule(Entry e) {
        if (e.state == IN_FLIGHT) {
            unlink(e);
        } else {
            timed.remove(e);
        }
    }

    /** Marks a detached (or just polled) {@code e} deleted and drops its message; returns the message's size. */
    static long gone(Entry e) {
        long size = e.message.size();
        e.state = GONE;
        e.message = null;
        return size;
    }

    /** Marks {@code e}, just polled from ready, redriven: it leaves this queue, keeping its message. */
    static void redriven(Entry e) {
        e.state = GONE;
    }

    int readyCount() {
        return ready.size();
    }

    int inFlightCount() {
        return inFlight;
    }

    /** Every message (visible, in flight or delayed), oldest first. */
    List<Message> all() {
        List<Entry> all = new ArrayList<>(ready);
        for (Entry e = fifo.next; e != fifo; e = e.next) {
            all.add(e);
        }
        all.addAll(timed);
        all.sort(Comparator.comparingLong(e -> e.seq));
        List<Message> out = new ArrayList<>(all.size());
        all.forEach(e -> out.add(e.message));
        return out;
    }

    boolean isEmpty() {
        return ready.isEmpty() && fifo.next == fifo && timed.isEmpty();
    }

    /** Deletes every message; returns their bytes. */
    long purge() {
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
        return bytes;
    }

    private static void unlink(Entry e) {
        e.prev.next = e.next;
        e.next.prev = e.prev;
        e.prev = null;
        e.next = null;
    }
}
