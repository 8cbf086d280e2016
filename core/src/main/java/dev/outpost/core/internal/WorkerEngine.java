package dev.outpost.core.internal;

import dev.outpost.Request;
import dev.outpost.ShutdownResult;
import dev.outpost.core.PollLoop;
import dev.outpost.core.WorkerStatus;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Sender;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker loop: poll ({@link PollLoop}) → check ({@link RequestChecks}) → run
 * ({@link RequestRuns}, on {@link CollectorRunner}) → finish ({@link Finisher}: publish, dead-letter, ack).
 *
 * <p>Every path that can fail again on the next delivery of the same message is bounded by the
 * attempt count: a collector's retryable failure, a response that cannot be published, an
 * unexpected failure of the loop itself. Past the bound the message is dead-lettered with a
 * reason and acked.
 */
public final class WorkerEngine {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.Worker");
    private static final long SWEEP_MILLIS = 25;

    private final WorkerSettings s;
    private final OwnedThreads threads;
    private final Slots slots;
    /** Null unless the prefetch opens and closes with the runs' durations. */
    private final PrefetchGovernor governor;
    /** Runs may stay on pollers: a threshold is set, and no run blocks on I/O of its own (idempotency store, outbox fsync). */
    private final boolean inline;
    private final Runners runners;
    private final ScheduledThreadPoolExecutor timer;
    private final Deadlines deadlines;
    private final Guard guard;
    private final SlotSet<InFlight> inFlight;
    /** Whether a sweep is scheduled: sweeps run only while deliveries are in flight, so an idle worker never wakes. */
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final AtomicReference<WorkerStatus.State> state = new AtomicReference<>(WorkerStatus.State.NEW);
    private final CompletableFuture<ShutdownResult> terminated = new CompletableFuture<>();
    private final WorkerCounters counters = new WorkerCounters();
    private final Refusals refusals;
    private final RequestChecks checks;
    private final Finisher finisher;
    private final RequestRuns runs;
    private final PollLoop loop;
    private volatile Instant startedAt = Instant.EPOCH;
    /** Each slot's thread receives and handles its own deliveries (see {@link dev.outpost.spi.Transport#receivesLocally()}). */
    private final boolean direct;

    public WorkerEngine(WorkerSettings settings) {
        this.s = settings;
        this.threads = new OwnedThreads("worker", settings.threadFactory());
        this.direct = settings.transport().receivesLocally();
        this.inline = settings.inlineBelowNanos() > 0 && settings.idempotency().isEmpty() && settings.outbox().isEmpty();
        // a delivery held is a slot: prefetch adds slots that wait for a runner, not runs
        int prefetch = direct ? 0 : settings.prefetch();
        boolean adaptive = prefetch > 0 && settings.adaptivePrefetch();
        this.slots = new Slots(settings.concurrency() + (adaptive ? 0 : prefetch));
        this.governor = adaptive ? new PrefetchGovernor(slots, settings.concurrency(), prefetch) : null;
        this.inFlight = new SlotSet<>(settings.concurrency() + prefetch);
        this.runners = new Runners(settings.concurrency(), threads.role("runner"), prefetch > 0 && inline, this::handBack);
        this.timer = new ScheduledThreadPoolExecutor(1, threads.role("timer"));
        this.deadlines = new Deadlines(settings.ticker(), settings.concurrency());
        CollectorRunner runner = new CollectorRunner("worker " + settings.workerId(), deadlines, settings.ticker());
        this.guard = new Guard("worker " + settings.workerId());
        Optional<DedupeCache> dedupe = settings.dedupeWindow() > 0
                ? Optional.of(new DedupeCache(settings.dedupeWindow())) : Optional.empty();
        this.refusals = new Refusals(settings.workerId(), settings.ticker());
        this.checks = new RequestChecks(settings, dedupe, runner);
        this.finisher = new Finisher(settings, counters, refusals, guard, runner, dedupe, slots, inFlight);
        Optional<KeyedRuns> keyed = settings.idempotency().map(i -> new KeyedRuns(settings, slots, runners.executor(), finisher, direct));
        this.runs = new RequestRuns(settings, runner, counters, governor, guard, finisher, keyed);
        // A receive that costs no network call (an in-process queue) is cheaper than handing a
        // delivery to another thread: then every slot's thread polls for itself, one message at a time.
        this.loop = PollLoop.builder(settings.transport(), settings.source())
                .owner("worker " + settings.workerId())
                .threads(direct ? settings.concurrency() : settings.pollers())
                .maxBatch(direct ? 1 : 10)
                .pollWait(settings.pollWait())
                .freeSlots(slots)
                .standby(!direct)
                .clock(settings.clock())
                .threadFactory(threads.role(direct ? "runner" : "poller"))
                .onReceiveFailure((source, e) -> guard.run("listener onError",
                        () -> s.listener().onError("receive from " + source, e)))
                .handler(this::received)
                .build();
    }

    public WorkerSettings settings() {
        return s;
    }

    public void start() {
        if (state.get() == WorkerStatus.State.NEW) {
            // a queue named wrong fails here, as the client's reply destination does; a transport unreachable now (a check
            // it could not make: a TransportException, by the SPI) is an outage the worker waits out, as ever
            try {
                s.transport().verify(s.source());
            } catch (dev.outpost.spi.NoSuchDestinationException e) {
                throw e;
            } catch (dev.outpost.spi.TransportException e) {
                log.warn("worker {}: could not check '{}' now, receives will retry: {}", s.workerId(), s.source(), e.getMessage());
            }
        }
        if (s.outbox().isPresent() && state.get() == WorkerStatus.State.NEW) {
            try {
                s.outbox().get().open();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("worker " + s.workerId() + ": the result outbox cannot be opened", e);
            }
        }
        if (!state.compareAndSet(WorkerStatus.State.NEW, WorkerStatus.State.RUNNING)) {
            throw new IllegalStateException("worker " + s.workerId() + " was already started");
        }
        startedAt = s.clock().instant();
        timer.prestartCoreThread(); // idle until a delivery is in flight: it waits on an empty queue, no wake-ups
        if (!direct) {
            runners.prestart();
        }
        loop.start();
        if (outboxPending() && sweeping.compareAndSet(false, true)) {
            scheduleSweep(); // answers kept before a restart are published without waiting for a delivery
        }
        List<String> running = s.collectors().entrySet().stream().filter(e -> e.getValue().allowed())
                .map(Map.Entry::getKey).toList();
        log.info("worker {} polling '{}', running up to {} at once; collectors {}", s.workerId(), s.source(), s.concurrency(), running);
    }

    private void handBack(InFlight f) {
        finisher.handBack(f);
    }

    /** One delivery from the poll loop, holding one slot. */
    private void received(Delivery d) {
        long now = s.ticker().getAsLong();
        InFlight f = new InFlight(d, now, now + s.visibility().toNanos() / 2);
        inFlight.add(f);
        if (!sweeping.get() && sweeping.compareAndSet(false, true)) {
            scheduleSweep();
        }
        if (direct) {
            handle(f, false);
        } else if (inline && runners.enterOnPoller()) {
            try {
                handle(f, true);
            } finally {
                runners.exitOnPoller();
            }
        } else {
            runners.handOff(f, () -> handle(f, false));
        }
    }

    /**
     * Checks {@code f} and runs it. On a poller's thread ({@code onPoller}) the run stays there
     * only when its collector's last run took less than {@code outpost.worker.inline-below-micros},
     * since waking a runner costs more than such a run; otherwise (first run, slow or blocking
     * collectors) it goes to a runner, which times it again: a collector that turns slow holds a
     * poller for one run, one that turns fast comes back. With an idempotency store or a result
     * outbox (I/O in every run) every run goes to a runner.
     */
    private void handle(InFlight f, boolean onPoller) {
        if (state.get() != WorkerStatus.State.RUNNING) {
            finisher.handBack(f);
            return;
        }
        try {
            counters.received.increment();
            guard.run("listener onReceived", () -> s.listener().onReceived(f.delivery));
            if (finisher.republishPending(f)) {
                return;
            }
            Verdict v = checks.check(f);
            if (!(v instanceof Verdict.Run r)) {
                act(f, v);
                return;
            }
            long last = counters.lastRunNanos(r.entry().collector().name());
            if (onPoller && (last < 0 || last >= s.inlineBelowNanos())) {
                runners.handOff(f, () -> runOnRunner(f, r));
                return;
            }
            runs.run(f, r.entry(), f.request);
        } catch (Throwable t) {
            finisher.internalFailure(f, t);
        }
    }

    private void runOnRunner(InFlight f, Verdict.Run r) {
        try {
            if (state.get() != WorkerStatus.State.RUNNING) {
                finisher.handBack(f);
            } else {
                runs.run(f, r.entry(), f.request);
            }
        } catch (Throwable t) {
            finisher.internalFailure(f, t);
        }
    }

    private void act(InFlight f, Verdict v) {
        if (v instanceof Verdict.Reject reject) {
            finisher.reject(f, reject.reason(), reject.detail());
        } else if (v instanceof Verdict.Filtered filtered) {
            var r = filtered.refusal();
            finisher.reject(f, r.reason(), r.detail(), r.answer(), r.deadLetter());
        } else {
            finisher.duplicate(f);
        }
    }

    // ---------------------------------------------------------------- timeouts and visibility

    private void scheduleSweep() {
        try {
            timer.schedule(this::sweep, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RuntimeException stopped) {
            sweeping.set(false); // the timer is shut down: nothing left to watch
        }
    }

    private void sweep() {
        try {
            sweepOnce();
        } finally {
            // Stop when nothing is in flight and the result outbox holds nothing to publish; a delivery
            // added after the check sees the flag clear and arms again.
            sweeping.set(false);
            if ((!inFlight.isEmpty() || outboxPending()) && sweeping.compareAndSet(false, true)) {
                scheduleSweep();
            } else if (governor != null && inFlight.isEmpty()) {
                governor.idle(); // the timer stops: the pause until a delivery arms it again is no run's
            }
        }
    }

    private boolean outboxPending() {
        return s.outbox().isPresent() && s.outbox().get().size() > 0;
    }

    private void sweepOnce() {
        try {
            deadlines.sweep();
            if (s.outbox().isPresent()) {
                s.outbox().get().flush();
            }
            long now = s.ticker().getAsLong();
            if (governor != null) {
                if (inFlight.isEmpty()) {
                    governor.idle(); // kept going by the outbox alone: no run is late
                }
                governor.adjust(now);
            }
            long visibility = s.visibility().toNanos();
            // When every run allowed is one let go (below), a delivery waiting for a run (prefetched) waits for ever: let go too
            int[] letGo = {0};
            inFlight.forEach(f -> letGo[0] += f.collecting && f.deadlineNanos != 0 && now - f.deadlineNanos >= visibility ? 1 : 0);
            boolean holdWaiting = letGo[0] < s.concurrency();
            inFlight.forEach(f -> {
                // Keep long work invisible, but not past its deadline: a stuck run must not hold a message for ever.
                // Its answer's publish too, until the ack or retry is issued (settling): a slow reply queue must not let
                // the request come back and run again while its answer is on the way.
                int state = f.state.get();
                if ((state == InFlight.RUNNING || state == InFlight.FINISHING && !f.settling) && now - f.nextExtendNanos > 0
                        && (f.deadlineNanos == 0 ? holdWaiting : now - f.deadlineNanos < visibility)) {
                    f.nextExtendNanos = now + visibility / 2;
                    try {
                        f.delivery.extend(s.visibility()).whenComplete((v, e) -> {
                            if (e != null && !f.settling) { // one racing its ack may find the message gone
                                counters.transportErrors.increment();
                            }
                        });
                    } catch (RuntimeException e) {
                        counters.transportErrors.increment();
                    }
                }
            });
        } catch (Throwable t) {
            log.error("worker {}: timer failed", s.workerId(), t);
        }
    }

    // ---------------------------------------------------------------- shutdown

    public CompletableFuture<ShutdownResult> shutdown() {
        long t0 = System.nanoTime();
        if (state.compareAndSet(WorkerStatus.State.NEW, WorkerStatus.State.STOPPED)) {
            loop.shutdown();
            runners.shutdownNow();
            timer.shutdownNow();
            CollectorTable.closeAll(s.collectors().values(), guard);
            List<String> alive = threads.awaitTermination(System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
            terminated.complete(new ShutdownResult(alive.isEmpty(), alive, 0, Duration.ofNanos(System.nanoTime() - t0)));
            return terminated;
        }
        // Hand-backs are counted where they happen, once per delivery (its claim decides): those of a runner that took
        // a prefetched delivery while the worker was stopping too, which the drain's own count missed.
        long handedBackBefore = counters.handedBack.sum();
        if (!state.compareAndSet(WorkerStatus.State.RUNNING, WorkerStatus.State.STOPPING)) {
            return terminated;
        }
        ShutdownThread.start(threads, () -> drain(t0, handedBackBefore));
        return terminated;
    }

    private void drain(long t0, long handedBackBefore) {
        List<String> alive = List.of();
        try {
            long deadline = t0 + s.drainTimeout().toNanos();
            CompletableFuture<ShutdownResult> polling = loop.shutdown(); // first: no receive begins to take back what goes back
            // held by prefetch, never started: another worker may take them now, and not after a run on a poller
            runners.handBackWaiting();
            try {
                polling.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // runs still going on the loop's threads are handed back below
            }
            runners.handBackWaiting(); // those the pollers handed over while they stopped
            while (!inFlight.isEmpty() && System.nanoTime() - deadline < 0) {
                Thread.sleep(5);
            }
            List<InFlight> left = new ArrayList<>();
            inFlight.forEach(left::add);
            for (InFlight f : left) {
                finisher.handBack(f); // claim first, so the interrupted run cannot answer or retry it
            }
            deadlines.interruptAll();
            runners.shutdownNow();
            timer.shutdownNow();
            // a collector that ignores interrupts keeps its thread: the result says so
            alive = threads.awaitTermination(System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
            CollectorTable.closeAll(s.collectors().values(), guard);
            log.info("worker {} stopped: {} unfinished deliveries handed back{}", s.workerId(),
                    counters.handedBack.sum() - handedBackBefore,
                    alive.isEmpty() ? "" : "; threads still running: " + alive);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            log.error("worker {}: shutdown failed", s.workerId(), t);
        } finally {
            state.set(WorkerStatus.State.STOPPED);
            int unfinished = (int) (counters.handedBack.sum() - handedBackBefore);
            terminated.complete(new ShutdownResult(alive.isEmpty(), alive, unfinished, Duration.ofNanos(System.nanoTime() - t0)));
        }
    }

    /**
     * Whether the caller is one of the worker's threads (a collector, a listener), or inside its listener on the
     * transport's thread (an answer sent there): the shutdown waits for it.
     */
    public boolean onOwnThread() {
        return threads.owns(Thread.currentThread()) || finisher.inListener();
    }

    public CompletableFuture<ShutdownResult> terminated() {
        return terminated;
    }

    // ---------------------------------------------------------------- status

    public WorkerStatus status() {
        OptionalLong depth;
        try {
            depth = s.transport().depth(s.source());
        } catch (RuntimeException e) {
            depth = OptionalLong.empty();
        }
        long now = s.ticker().getAsLong();
        List<WorkerStatus.RunningRequest> running = new ArrayList<>();
        inFlight.forEach(f -> {
            Request r = f.request;
            if (r != null && f.collecting) {
                running.add(new WorkerStatus.RunningRequest(r.id(), r.collector(), f.sender.map(Sender::name).orElse(""),
                        f.attempt(), (now - f.startedNanos) / 1_000_000, f.progress));
            }
        });
        running.sort((a, b) -> Long.compare(b.runningMillis(), a.runningMillis()));
        Map<String, String> codecStatus;
        try {
            codecStatus = Map.copyOf(s.codec().status());
        } catch (RuntimeException e) {
            codecStatus = Map.of("error", e.getClass().getSimpleName());
        }
        return new WorkerStatus(s.workerId(), state.get(), startedAt, s.source(), s.concurrency(),
                slots.capacity() - s.concurrency(), inFlight.size(), depth, counters.snapshot(loop.receiveFailures(),
                guard.failures() + loop.handlerFailures()), counters.latency(), counters.collectors(), running, loop.threads(),
                codecStatus, refusals.snapshot(), loop.receiveFailure());
    }

    /** The values this worker runs with, under their configuration keys. */
    public Map<String, String> effectiveConfig() {
        return s.configView();
    }
}
