package dev.outpost.core.internal;

import dev.outpost.Request;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Sender;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One delivery's life in a worker. Its state is claimed exactly once, either by the thread that
 * finishes it (publish + ack, retry, or dead-letter) or by shutdown (hand back), so that nothing
 * is acked after it was handed back and nothing is acked twice.
 */
final class InFlight extends SlotSet.Member {
    static final int RUNNING = 0;
    static final int FINISHING = 1;
    static final int HANDED_BACK = 2;

    final Delivery delivery;
    final long receivedNanos;
    final AtomicInteger state = new AtomicInteger(RUNNING);
    final AtomicBoolean released = new AtomicBoolean();
    /** Its ack or retry is being issued (set before the call, {@link #released} after it): no more extensions. */
    volatile boolean settling;
    volatile Request request;
    volatile Optional<Sender> sender = Optional.empty();
    volatile long deadlineNanos;
    volatile long nextExtendNanos;
    volatile boolean collecting;
    volatile String progress = "";
    volatile long startedNanos;
    /** The idempotency key this run holds, when the request has one and the worker keeps a store. */
    volatile Idempotency.Held held;
    /** When the claim of {@link #held} was asked for: its lease ends no earlier than that plus the lease. */
    volatile long claimedNanos;
    /**
     * The permit this delivery holds and gives back when it is finished: null for its slot; the
     * idempotency store's pending permit once it left its slot to wait for a durable write
     * ({@link KeyedRuns}).
     */
    volatile Semaphore permit;

    InFlight(Delivery delivery, long receivedNanos, long firstExtendNanos) {
        this.delivery = delivery;
        this.receivedNanos = receivedNanos;
        this.nextExtendNanos = firstExtendNanos;
    }

    boolean claim() {
        return state.compareAndSet(RUNNING, FINISHING);
    }

    boolean handBack() {
        return state.compareAndSet(RUNNING, HANDED_BACK);
    }

    int attempt() {
        return Math.max(1, delivery.receiveCount());
    }

    /** Duplicates are per sender: one sender cannot suppress another's request by reusing its id. */
    String dedupeKey() {
        return sender.map(Sender::name).orElse("") + '\u0000' + request.id();
    }
}
