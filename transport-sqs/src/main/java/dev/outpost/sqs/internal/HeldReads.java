package dev.outpost.sqs.internal;

import dev.outpost.spi.Delivery;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One source's offloaded messages between their receive and the receive that hands them on: those whose payload is
 * being read, and those read (a delivery each) that no receive has returned yet. A receive given up on abandons its
 * own; a closing transport abandons all. What is abandoned is released by the receiver, never handed on.
 */
final class HeldReads {
    /** A delivery read and not handed on yet, with what releasing it needs. */
    record Ready(Incoming in, String url, SqsDelivery delivery) {}

    /** What a close took: deliveries to release, reads to end (each released when it ends). */
    record Closed(List<Ready> ready, List<Incoming> reading) {}

    private final Set<Incoming> reading = new HashSet<>();
    private final Set<Incoming> abandoned = new HashSet<>();
    private final ArrayDeque<Ready> ready = new ArrayDeque<>();
    private CompletableFuture<Void> changed = new CompletableFuture<>();
    private boolean closed;

    /** Completes when a read ends after this call. */
    synchronized CompletableFuture<Void> changed() {
        return changed;
    }

    synchronized int count() {
        return reading.size() + ready.size();
    }

    /** Marks {@code in} as being read; false when closed (it must be released instead). */
    synchronized boolean reading(Incoming in) {
        if (closed) {
            return false;
        }
        reading.add(in);
        return true;
    }

    synchronized boolean isAbandoned(Incoming in) {
        return closed || abandoned.contains(in);
    }

    /**
     * {@code in}'s read ended, giving {@code delivery} (null: none, it is unreadable or left for another receive).
     * False when it was abandoned meanwhile: the caller releases it.
     */
    synchronized boolean ended(Incoming in, String url, SqsDelivery delivery) {
        reading.remove(in);
        if (closed || abandoned.remove(in)) {
            return false;
        }
        if (delivery != null) {
            ready.add(new Ready(in, url, delivery));
        }
        return true;
    }

    /** Wakes the receives waiting for a read to end. */
    void signal() {
        CompletableFuture<Void> c;
        synchronized (this) {
            c = changed;
            changed = new CompletableFuture<>();
        }
        c.complete(null);
    }

    /** Up to {@code max} deliveries read since, oldest first. */
    synchronized List<Delivery> take(int max) {
        if (ready.isEmpty()) {
            return List.of();
        }
        List<Delivery> out = new ArrayList<>(Math.min(max, ready.size()));
        while (out.size() < max && !ready.isEmpty()) {
            out.add(ready.poll().delivery());
        }
        return out;
    }

    /**
     * Abandons {@code batch} (its receive was given up on): those still being read are released when their read ends;
     * those read already are returned, for the caller to release.
     */
    synchronized List<Ready> abandon(Collection<Incoming> batch) {
        for (Incoming in : batch) {
            if (reading.contains(in)) {
                abandoned.add(in);
            }
        }
        List<Ready> out = new ArrayList<>();
        for (Iterator<Ready> it = ready.iterator(); it.hasNext(); ) {
            Ready r = it.next();
            if (batch.contains(r.in())) {
                it.remove();
                out.add(r);
            }
        }
        return out;
    }

    /** Closes: nothing more is handed on. Returns the deliveries to release and the reads to end. */
    synchronized Closed close() {
        closed = true;
        List<Ready> r = new ArrayList<>(ready);
        ready.clear();
        return new Closed(r, new ArrayList<>(reading));
    }
}
