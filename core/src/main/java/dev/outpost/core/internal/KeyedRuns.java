package dev.outpost.core.internal;

import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs with an idempotency key, off the worker's slots while their durable writes commit.
 *
 * <p>A keyed run waits for two commits (its claim before the collector, its outcome before the
 * answer). Holding a slot, and so a thread, through both capped a worker at {@code concurrency}
 * keyed requests per two commits, with small commit groups. Instead the delivery trades its slot
 * for one of {@value #PENDING_PER_SLOT} × {@code concurrency} pending permits, and the store's
 * commit hands the rest (the collector, then publish and ack) to the runner pool. The order and
 * what a crash leaves are unchanged: claim committed → collector → outcome committed → publish →
 * ack. With no pending permit free a run waits on its slot as before, so deliveries in flight stay
 * bounded by {@code (1 + PENDING_PER_SLOT) × concurrency}, and collectors run on at most
 * {@code concurrency} runner threads. A store whose {@link dev.outpost.spi.Registry#writesAsync} is
 * false gets no pending permits: its writes block anyway.
 */
final class KeyedRuns {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.Worker");
    /** Pending keyed deliveries per slot: enough for commit groups of a few hundred writes at concurrency 16. */
    static final int PENDING_PER_SLOT = 16;

    private final WorkerSettings s;
    private final Idempotency idempotency;
    private final Semaphore slots;
    private final Semaphore pending;
    private final Executor runners;
    private final Finisher finisher;
    /**
     * Collectors running at once, where slots alone do not bound them (null elsewhere): an
     * in-process transport's slot threads run collectors themselves, beside the runners that keyed
     * runs continue on once their claim commits; without it up to twice concurrency ran at once.
     */
    private final Semaphore collectors;

    /**
     * @param runners the runner pool; a task it refuses (the worker is stopping) is dropped: shutdown hands its delivery back
     * @param slotsRunCollectors whether the slots' own threads run collectors (an in-process transport)
     */
    KeyedRuns(WorkerSettings settings, Semaphore slots, Executor runners, Finisher finisher, boolean slotsRunCollectors) {
        this.s = settings;
        this.idempotency = settings.idempotency().orElseThrow();
        this.slots = slots;
        // a store whose async writes are the SPI's defaults blocks the caller anyway: keep runs on their slots
        this.pending = new Semaphore(idempotency.storeCommitsAsync() ? PENDING_PER_SLOT * settings.concurrency() : 0);
        this.runners = task -> {
            try {
                runners.execute(task);
            } catch (RejectedExecutionException stopping) {
                log.debug("worker {}: stopping; a keyed delivery is handed back", settings.workerId());
            }
        };
        this.finisher = finisher;
        this.collectors = slotsRunCollectors && pending.availablePermits() > 0 ? new Semaphore(settings.concurrency()) : null;
    }

    /** Waits until fewer than concurrency collectors run; false (the delivery handed back, its claim released) when interrupted. */
    boolean enterCollector(InFlight f) {
        if (collectors == null) {
            return true;
        }
        try {
            collectors.acquire();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (f.held != null) {
                idempotency.release(f.held);
            }
            finisher.handBack(f);
            return false;
        }
    }

    /** A collector entered with {@link #enterCollector} returned. */
    void exitCollector() {
        if (collectors != null) {
            collectors.release();
        }
    }

    /**
     * Claims {@code req}'s key without holding {@code f}'s slot; {@code claimed} then runs on a
     * runner. False (nothing done) when no pending permit is free: the caller claims on its slot.
     */
    boolean claimOffSlot(InFlight f, Request req, String key, Duration lease, Runnable claimed) {
        if (!pending.tryAcquire()) {
            return false;
        }
        f.permit = pending; // from now on finishing f gives back the pending permit
        slots.release();
        try {
            idempotency.claimAsync(req, f.sender, key, lease, runners, (claim, failure) -> {
                try {
                    if (failure != null) {
                        finisher.internalFailure(f, Finisher.unwrap(failure));
                    } else if (f.state.get() != InFlight.RUNNING) {
                        if (claim instanceof Idempotency.Held held) {
                            idempotency.release(held); // handed back at shutdown while it was claimed
                        }
                    } else if (settle(f, claim)) {
                        claimed.run();
                    }
                } catch (Throwable t) {
                    finisher.internalFailure(f, t);
                }
            });
        } catch (RuntimeException e) {
            finisher.internalFailure(f, e);
        }
        return true;
    }

    /**
     * Applies a claim's answer: true when the run is ours ({@code f.held} set); otherwise the
     * delivery was finished here (answered from the store, refused as a conflict, or put back
     * while another run holds the key).
     */
    boolean settle(InFlight f, Idempotency.Claim claim) {
        if (claim instanceof Idempotency.Held held) {
            f.held = held;
            return true;
        }
        if (claim instanceof Idempotency.Conflict conflict) {
            finisher.reject(f, RejectReason.IDEMPOTENCY_CONFLICT, conflict.detail());
        } else if (claim instanceof Idempotency.Stored stored) {
            if (f.claim()) {
                finisher.answer(f, stored.response(), Optional.empty(), stored.response().isOk());
            }
        } else if (f.claim()) {
            log.debug("worker {}: {}: {}", s.workerId(), f.request.id(), ((Idempotency.Busy) claim).detail());
            finisher.retry(f, s.backoff().delay(f.attempt() + 1));
        }
        return false;
    }

    /**
     * A run that waited so long for a runner that its claim's lease might end before it does: it does not start (by
     * then another run may take the key). Its claim is given up and the delivery comes back later, as when the key is busy.
     */
    void lapsed(InFlight f) {
        idempotency.release(f.held); // a no-op when the lease ended and someone else holds the key now
        f.held = null;
        if (f.claim()) {
            log.debug("worker {}: {} waited past its idempotency lease for a runner; retried", s.workerId(), f.request.id());
            finisher.retry(f, s.backoff().delay(f.attempt() + 1));
        }
    }

    /**
     * Keeps the outcome of a run before it is published (a crash after this answers from the
     * store), then runs {@code then}: on this thread when {@code f} holds its slot, else on a
     * runner once the outcome committed.
     */
    void record(InFlight f, Response response, Runnable then) {
        if (f.held == null) {
            then.run();
        } else if (f.permit != pending) {
            idempotency.record(f.held, response);
            then.run();
        } else {
            idempotency.recordAsync(f.held, response, runners).whenComplete((v, failure) -> {
                try {
                    then.run();
                } catch (Throwable t) {
                    finisher.internalFailure(f, t);
                }
            });
        }
    }
}
