package dev.outpost.core.internal;

import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.lifecycle.Guard;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run of a request that passed the worker's checks: the claim of its idempotency key, the collector's run timed
 * for the deadlines and the status, the result checked against its schema, the counters and the prefetch governor fed,
 * and the outcome turned into an answer, a retry or a dead letter (kept in the idempotency store first). Separate from
 * {@link WorkerEngine}, which decides on which thread a delivery runs and owns the loop, the sweeps, the shutdown and
 * the status, so that what one run does with its outcome is read in one place.
 */
final class RequestRuns {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.Worker");
    private static final Duration LEASE_MARGIN = Duration.ofSeconds(30);

    private final WorkerSettings s;
    private final CollectorRunner runner;
    private final WorkerCounters counters;
    /** Null unless the prefetch opens and closes with the runs' durations. */
    private final PrefetchGovernor governor;
    private final Guard guard;
    private final Finisher finisher;
    private final Optional<KeyedRuns> keyed;

    RequestRuns(WorkerSettings s, CollectorRunner runner, WorkerCounters counters, PrefetchGovernor governor, Guard guard,
            Finisher finisher, Optional<KeyedRuns> keyed) {
        this.s = s;
        this.runner = runner;
        this.counters = counters;
        this.governor = governor;
        this.guard = guard;
        this.finisher = finisher;
        this.keyed = keyed;
    }

    /** Runs {@code req} on {@code f}'s slot, its idempotency key (when it has one and the worker a store) claimed first. */
    void run(InFlight f, CollectorEntry entry, Request req) {
        Optional<String> key = req.idempotencyKey();
        if (keyed.isPresent() && key.isPresent()) {
            Duration lease = entry.timeout().plus(s.visibility()).plus(LEASE_MARGIN);
            f.claimedNanos = s.ticker().getAsLong(); // before the store starts the lease: it ends no earlier than this plus lease
            if (keyed.get().claimOffSlot(f, req, key.get(), lease, () -> runClaimed(f, entry, req))) {
                return;
            }
            if (!keyed.get().settle(f, s.idempotency().get().claim(req, f.sender, key.get(), lease))) {
                return;
            }
        }
        runClaimed(f, entry, req);
    }

    /** Runs the collector of a request whose idempotency key (if any) this run holds, and finishes it. */
    private void runClaimed(InFlight f, CollectorEntry entry, Request req) {
        if (keyed.isPresent() && !keyed.get().enterCollector(f)) {
            return;
        }
        // The lease (timeout + visibility + margin) runs from the claim, also while the run waits for a runner or a
        // collector permit: past its visibility share the lease may end during the run, and another worker take the key.
        if (f.held != null && s.ticker().getAsLong() - f.claimedNanos > Expiries.nanos(s.visibility())) {
            keyed.get().exitCollector();
            keyed.get().lapsed(f);
            return;
        }
        int attempt = f.attempt();
        Instant started;
        CollectorRunner.Outcome outcome;
        try {
            started = s.clock().instant();
            f.startedNanos = s.ticker().getAsLong();
            f.deadlineNanos = f.startedNanos + entry.timeout().toNanos();
            f.collecting = true;
            outcome = runner.run(entry, req, f.sender, attempt, started.plus(entry.timeout()), p -> f.progress = p);
        } finally {
            f.collecting = false;
            keyed.ifPresent(KeyedRuns::exitCollector);
        }
        if (s.checkResults() && outcome instanceof CollectorRunner.Ok ok && entry.resultSchema().isPresent()) {
            outcome = runner.checkResult(entry, ok, s.workerId());
        }
        String name = req.collector();
        long nanos = outcome instanceof CollectorRunner.Ok ok ? ok.nanos() : ((CollectorRunner.Failed) outcome).nanos();
        counters.recordRun(name, nanos, outcome instanceof CollectorRunner.Failed);
        if (governor != null) {
            governor.ran(nanos);
        }
        Instant finished = s.clock().instant();
        if (outcome instanceof CollectorRunner.Ok ok) {
            Response response = Response.ok(req, ok.result(), s.workerId(), attempt, started, finished);
            recordOutcome(f, response, () -> {
                if (f.claim()) {
                    finisher.answer(f, response, Optional.empty(), true);
                }
            });
            return;
        }
        CollectorRunner.Failed failure = (CollectorRunner.Failed) outcome;
        boolean retry = failure.retryable() && attempt < entry.maxAttempts();
        if (retry && f.held != null) {
            s.idempotency().get().release(f.held);
        }
        Runnable finish = () -> failed(f, req, failure, retry, started, finished);
        if (retry) {
            finish.run();
        } else {
            recordOutcome(f, Response.failed(req, ResponseStatus.ERROR, failure.error(), s.workerId(), attempt, started, finished),
                    finish);
        }
    }

    private void failed(InFlight f, Request req, CollectorRunner.Failed failure, boolean retry, Instant started, Instant finished) {
        int attempt = f.attempt();
        String name = req.collector();
        if (!f.claim()) {
            return; // handed back at shutdown while it ran: someone else will answer it
        }
        if (failure.timedOut()) {
            counters.timedOut.increment();
        }
        if (retry) {
            Duration delay = s.backoff().delay(attempt + 1);
            guard.run("listener onRetry", () -> s.listener().onRetry(req, attempt, delay, failure.error()));
            log.debug("worker {}: {} attempt {} of '{}' failed, retrying in {}: {}", s.workerId(), req.id(), attempt,
                    name, delay, failure.error());
            finisher.retry(f, delay);
            return;
        }
        Response response = Response.failed(req, ResponseStatus.ERROR, failure.error(), s.workerId(), attempt, started, finished);
        finisher.answer(f, response, failure.retryable()
                ? Optional.of(new Finisher.DeadLetter(RejectReason.ATTEMPTS_EXHAUSTED,
                        failure.error().code() + ": " + failure.error().message()))
                : Optional.empty(), false);
    }

    /** Keeps the outcome of an idempotent run before it is published (a crash after this answers from the store), then {@code then}. */
    private void recordOutcome(InFlight f, Response response, Runnable then) {
        if (keyed.isPresent()) {
            keyed.get().record(f, response, then);
        } else {
            then.run();
        }
    }
}
