package dev.outpost.core;

import dev.outpost.ShutdownResult;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.Response;
import dev.outpost.core.internal.Checks;
import dev.outpost.core.internal.CollectorEntry;
import dev.outpost.core.internal.CollectorRunner;
import dev.outpost.core.internal.Deadlines;
import dev.outpost.core.internal.Expiries;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.internal.Hosts;
import dev.outpost.core.internal.ScheduledRun;
import dev.outpost.core.internal.ShutdownThread;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.json.JsonSchema;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Collector;
import dev.outpost.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs collectors locally on a fixed period and publishes each run's {@link Response} to a
 * destination: an agent that ships the process list every 5 seconds is one {@link Job}.
 *
 * <pre>{@code
 * try (Scheduler scheduler = Scheduler.builder(transport)
 *         .job(Scheduler.Job.every(Duration.ofSeconds(5), new ProcessList(), "records"))
 *         .build()
 *         .start()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Runs stay on the grid {@code start + k × period}. A run that takes longer than its period
 * does not cause a burst of catch-up runs: the ticks it overlapped are skipped (and counted), and
 * the next run starts at the next tick. Runs go through the same runner as the worker's: the
 * collector's timeout interrupts it, whatever it throws becomes an error response, and
 * {@link AutoCloseable} collectors are closed at shutdown. Up to four runs go at once; a run that
 * ignores the interrupt at its timeout keeps its thread, and the scheduler adds one (from the
 * thread factory) for as long as it lasts, so that such runs do not hold up the other jobs. Collectors whose names start with
 * {@code _} may be scheduled: they run here, never remotely.
 */
public final class Scheduler implements AutoCloseable {
    /** Default time shutdown waits for interrupted runs to end. */
    public static final Duration DEFAULT_INTERRUPT_WAIT = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    /** The longest the scheduling thread waits before looking at the ticker again. */
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /**
     * Runner threads for runs within their timeout. A run past it was interrupted; one that ignores
     * the interrupt holds its thread, so each such run adds a thread (at most one per job, since a
     * job's runs do not overlap) while it lasts: four of them took every thread from the other jobs.
     */
    private static final int RUNNERS = 4;

    private enum State { NEW, RUNNING, STOPPED }

    private final Transport transport;
    private final Codec codec;
    private final String workerId;
    private final Clock clock;
    private final LongSupplier ticker;
    private final Duration interruptWait;
    private final List<ScheduledRun> jobs = new ArrayList<>();
    private final OwnedThreads threads;
    private final Deadlines deadlines;
    private final CollectorRunner runner;
    private final Guard guard;
    private final ThreadPoolExecutor executor;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CompletableFuture<ShutdownResult> terminated = new CompletableFuture<>();
    private volatile Thread scheduling;

    private Scheduler(Builder b) {
        this.transport = b.transport;
        this.codec = b.codec;
        this.workerId = b.workerId;
        this.clock = b.clock;
        this.ticker = b.ticker;
        this.interruptWait = b.interruptWait;
        this.threads = new OwnedThreads("scheduler", b.threadFactory);
        this.deadlines = new Deadlines(ticker, 4);
        this.runner = new CollectorRunner("scheduler " + workerId, deadlines, ticker);
        this.guard = new Guard("scheduler " + workerId);
        int size = Math.max(1, Math.min(b.jobs.size(), RUNNERS));
        this.executor = new ThreadPoolExecutor(size, size, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                threads.role("runner"));
        ScheduledRun.Env env = new ScheduledRun.Env(transport, codec, workerId, clock, ticker, runner,
                () -> state.get() == State.RUNNING);
        for (Job j : b.jobs) {
            CollectorEntry entry = new CollectorEntry(j.collector(), JsonSchema.of(j.collector().paramsSchema()), true, false,
                    j.timeout(), 1, j.settings(), java.util.Optional.empty());
            this.jobs.add(new ScheduledRun(j, entry, env));
        }
    }

    /** A builder for a scheduler publishing through {@code transport}. */
    public static Builder builder(Transport transport) {
        return new Builder(transport);
    }

    /**
     * Starts every job; the first run of each is immediate.
     *
     * @return this scheduler
     * @throws IllegalStateException when it was started before
     */
    public Scheduler start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException("scheduler already started");
        }
        long now = ticker.getAsLong();
        for (ScheduledRun r : jobs) {
            r.gridStart = now;
        }
        Thread t = threads.newThread(this::loop, "timer");
        scheduling = t;
        t.start();
        return this;
    }

    /** Per job: runs, failures and skipped ticks so far. */
    public List<JobStatus> status() {
        return jobs.stream().map(r -> new JobStatus(r.job().collector().name(), r.job().destination(), r.job().period(),
                r.runs.get(), r.failures.get(), r.skipped.get(), r.lastRun())).toList();
    }

    /**
     * Stops scheduling, interrupts runs in progress (one that fails of it publishes nothing and is
     * not counted as a failure), waits for them up to the
     * {@linkplain Builder#interruptWait interrupt wait} and closes {@link AutoCloseable}
     * collectors. Does not block: the waiting happens on a thread of the scheduler's own.
     * Idempotent: every call returns the same future.
     *
     * @return completes when it is over, saying whether every thread stopped in time
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        State was = state.getAndSet(State.STOPPED);
        if (was == State.STOPPED) {
            return terminated;
        }
        long t0 = System.nanoTime();
        Thread t = scheduling;
        if (t != null) {
            t.interrupt();
        }
        deadlines.interruptAll();
        executor.shutdownNow();
        if (was == State.NEW) {
            finishShutdown(t0, List.of());
        } else {
            long wait = Expiries.nanos(interruptWait); // toNanos() overflowed in the thread: it died, the future never completed
            ShutdownThread.start(threads, () -> finishShutdown(t0, threads.awaitTermination(t0 + wait)));
        }
        return terminated;
    }

    private void finishShutdown(long t0, List<String> alive) {
        // one collector may be several jobs (other params, another destination): closed once (AutoCloseable.close need not be idempotent)
        java.util.Set<Collector> closed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (ScheduledRun r : jobs) {
            if (r.job().collector() instanceof AutoCloseable c && closed.add(r.job().collector())) {
                guard.run("closing collector '" + r.job().collector().name() + "'", () -> {
                    try {
                        c.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
        }
        terminated.complete(new ShutdownResult(alive.isEmpty(), alive, 0, Duration.ofNanos(System.nanoTime() - t0)));
    }

    /** {@link #shutdown()} and wait for it; on one of the scheduler's own threads (a job's collector), no wait. */
    @Override
    public void close() {
        CompletableFuture<ShutdownResult> done = shutdown();
        if (threads.owns(Thread.currentThread())) { // the shutdown waits for this thread, which cannot wait for it
            return;
        }
        ShutdownResult r = done.join();
        if (!r.clean()) {
            log.warn("scheduler closed, but these threads were still running: {}", r.threadsStillAlive());
        }
    }

    private void loop() {
        while (state.get() == State.RUNNING) {
            try {
                deadlines.sweep();
                long now = ticker.getAsLong();
                long nextWake = now + MAX_PARK_NANOS;
                for (ScheduledRun r : jobs) {
                    long due = r.gridStart + r.tick * r.period;
                    if (now - due >= 0) {
                        long current = (now - r.gridStart) / r.period;
                        r.skipped.addAndGet(current - r.tick);
                        if (r.busy.compareAndSet(false, true)) {
                            handOver(r);
                        } else {
                            r.skipped.incrementAndGet();
                        }
                        r.tick = current + 1;
                        due = r.gridStart + r.tick * r.period;
                    }
                    if (due - nextWake < 0) {
                        nextWake = due;
                    }
                }
                fitRunners(now);
                LockSupport.parkNanos(Math.max(1, Math.min(MAX_PARK_NANOS, nextWake - ticker.getAsLong())));
                if (Thread.interrupted() && state.get() != State.RUNNING) {
                    return;
                }
            } catch (Throwable t) {
                if (state.get() != State.RUNNING) {
                    return;
                }
                log.error("scheduler: scheduling failed", t);
            }
        }
    }

    /** {@link #RUNNERS} threads, and one more for each run past its timeout (still running: it ignored the interrupt). */
    private void fitRunners(long now) {
        int overdue = 0;
        for (ScheduledRun r : jobs) {
            if (r.overdue(now)) {
                overdue++;
            }
        }
        int want = Math.max(1, Math.min(jobs.size(), RUNNERS + overdue));
        int have = executor.getCorePoolSize();
        if (want > have) { // the new threads come from the configured factory and take the runs queued
            executor.setMaximumPoolSize(want);
            executor.setCorePoolSize(want);
        } else if (want < have) { // a thread beyond it ends once idle
            executor.setCorePoolSize(want);
            executor.setMaximumPoolSize(want);
        }
    }

    /** Starts {@code r}'s run; a thread factory that fails loses this tick (skipped), not the job (left busy for ever). */
    private void handOver(ScheduledRun r) {
        try {
            executor.execute(r);
        } catch (RuntimeException | Error e) {
            r.busy.set(false);
            r.skipped.incrementAndGet();
            if (state.get() == State.RUNNING) {
                log.warn("scheduler: job {} could not start its run: {}", r.job().collector().name(), e.toString());
            }
        }
    }

    /**
     * One scheduled collector.
     *
     * @param collector what runs
     * @param period the time between the starts of two runs, at least 1 ms
     * @param destination where each run's response is published
     * @param params the params each run gets (valid against the collector's schema); a copy
     * @param target the target each run reports; empty for this host's worker id
     * @param timeout how long a run may take before it is interrupted
     * @param settings the collector's settings
     */
    public record Job(Collector collector, Duration period, String destination, ObjectNode params,
            Optional<String> target, Duration timeout, Map<String, String> settings) {
        /** Validates and copies the components. */
        public Job {
            Objects.requireNonNull(collector, "collector");
            Checks.atLeast(period, Duration.ofMillis(1), "period"); // shorter: the timer spun on a core
            Checks.text(destination, "destination");
            Objects.requireNonNull(params, "params");
            Objects.requireNonNull(target, "target");
            Checks.positive(timeout, "timeout");
            settings = Map.copyOf(settings);
            params = params.deepCopy();
        }

        /** A copy of the params, so that the job stays immutable. */
        @Override
        public ObjectNode params() {
            return params.deepCopy();
        }

        /** Runs {@code collector} with empty params every {@code period} (its timeout), publishing to {@code destination}. */
        public static Job every(Duration period, Collector collector, String destination) {
            return new Job(collector, period, destination, Json.object(), Optional.empty(), period, Map.of());
        }

        /** This job with other params. */
        public Job withParams(Map<String, ?> newParams) {
            return new Job(collector, period, destination, (ObjectNode) Json.toTree(newParams), target, timeout, settings);
        }

        /** This job with another timeout. */
        public Job withTimeout(Duration newTimeout) {
            return new Job(collector, period, destination, params, target, newTimeout, settings);
        }

        /** This job with collector settings. */
        public Job withSettings(Map<String, String> newSettings) {
            return new Job(collector, period, destination, params, target, timeout, newSettings);
        }
    }

    /**
     * What a job has done.
     *
     * @param collector the job's collector
     * @param destination where it publishes
     * @param period its period
     * @param runs runs so far
     * @param failures runs whose collector failed or timed out
     * @param skipped ticks skipped because a run overran its period, or whose answer a newer one replaced unsent
     * @param lastRun when the last run started
     */
    public record JobStatus(String collector, String destination, Duration period, long runs, long failures, long skipped,
            Optional<Instant> lastRun) {}

    /** Builds a {@link Scheduler}; everything is copied at {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final Transport transport;
        private Codec codec = JsonCodec.create();
        private String workerId = Hosts.workerId();
        private Clock clock = Clock.systemUTC();
        private LongSupplier ticker = System::nanoTime;
        private Duration interruptWait = DEFAULT_INTERRUPT_WAIT;
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private final List<Job> jobs = new ArrayList<>();

        private Builder(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
        }

        /** The codec responses are encoded with. */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** The worker id responses carry; default {@code hostname-pid}. */
        public Builder id(String workerId) {
            this.workerId = Checks.text(workerId, "id");
            return this;
        }

        /** The clock for timestamps. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where periods and timeouts read elapsed time (nanoseconds); default {@link System#nanoTime}. */
        public Builder ticker(LongSupplier nanoTicker) {
            this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
            return this;
        }

        /**
         * How long {@link Scheduler#shutdown()} waits, after interrupting the runs in progress, for
         * their threads to end; default 30 s. (Unlike the worker's drain, runs are interrupted
         * first, not left to finish.)
         */
        public Builder interruptWait(Duration interruptWait) {
            this.interruptWait = Checks.nonNegative(interruptWait, "interruptWait");
            return this;
        }

        /** Makes every thread the scheduler starts. */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /** Adds a job. */
        public Builder job(Job job) {
            jobs.add(Objects.requireNonNull(job, "job"));
            return this;
        }

        /**
         * Builds the scheduler (not yet started).
         *
         * @throws ConfigException when there is no job, or a job's collector has no name, or its
         *     params do not fit its schema, or its collector refuses its settings
         */
        public Scheduler build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            if (jobs.isEmpty()) {
                problems.add(new ConfigException.Problem("jobs", "a scheduler needs at least one job"));
            }
            for (Job j : jobs) {
                String name;
                try {
                    name = j.collector().name();
                } catch (RuntimeException e) {
                    problems.add(new ConfigException.Problem("job " + j.collector().getClass().getName(), "name() threw " + e));
                    continue;
                }
                if (name == null || name.isBlank()) { // no request can name it: every run would fail before it began, unseen
                    problems.add(new ConfigException.Problem("job " + j.collector().getClass().getName(),
                            "the collector's name() is " + (name == null ? "null" : "blank")));
                    continue;
                }
                try {
                    JsonSchema schema = JsonSchema.of(j.collector().paramsSchema());
                    List<String> v = schema.violations(j.params());
                    if (!v.isEmpty()) {
                        problems.add(new ConfigException.Problem("job " + name, "params are invalid: " + v));
                        continue;
                    }
                    j.collector().validateSettings(j.settings());
                } catch (ConfigException e) {
                    problems.addAll(e.problems());
                } catch (RuntimeException e) {
                    problems.add(new ConfigException.Problem("job " + name, e.getMessage()));
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new Scheduler(this);
        }
    }
}
