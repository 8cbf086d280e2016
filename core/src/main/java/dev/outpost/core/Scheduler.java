package dev.outpost.core;

import dev.outpost.CollectorException;
import dev.outpost.ErrorInfo;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.core.internal.Hosts;
import dev.outpost.Json;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.json.JsonSchema;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Message;
import dev.outpost.spi.Sender;
import dev.outpost.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs collectors locally on a fixed period and publishes each run's {@link Response} to a
 * destination: an agent that ships the process list every 5 seconds is one {@link Job}.
 *
 * <pre>{@code
 * Scheduler scheduler = Scheduler.builder(transport)
 *         .job(Scheduler.Job.every(Duration.ofSeconds(5), new ProcessList(), "records"))
 *         .build()
 *         .start();
 * }</pre>
 *
 * <p>Runs stay on the grid {@code start + k × period}. A run that takes longer than its period
 * does not cause a burst of catch-up runs: the ticks it overlapped are skipped (and counted),
 * and the next run starts at the next tick. Collectors whose names start with {@code _} may be
 * scheduled: they run here, never remotely.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    private final Transport transport;
    private final Codec codec;
    private final String workerId;
    private final Clock clock;
    private final List<Running> jobs = new ArrayList<>();
    private final ScheduledExecutorService executor;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private Scheduler(Builder b) {
        this.transport = b.transport;
        this.codec = b.codec;
        this.workerId = b.workerId;
        this.clock = b.clock;
        AtomicInteger n = new AtomicInteger();
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(Math.min(b.jobs.size(), 4), r -> {
            Thread t = new Thread(r, "outpost-scheduler-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        this.executor = ex;
        for (Job j : b.jobs) {
            jobs.add(new Running(j));
        }
    }

    /** A builder for a scheduler publishing through {@code transport}. */
    public static Builder builder(Transport transport) {
        return new Builder(transport);
    }

    /** Starts every job; the first run of each is immediate. */
    public Scheduler start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("scheduler already started");
        }
        long now = System.nanoTime();
        for (Running r : jobs) {
            r.gridStart = now;
            executor.execute(r);
        }
        return this;
    }

    /** Per job: runs, failures and skipped ticks so far. */
    public List<JobStatus> status() {
        return jobs.stream().map(r -> new JobStatus(r.job.collector().name(), r.job.destination(), r.job.period(),
                r.runs.get(), r.failures.get(), r.skipped.get(), Optional.ofNullable(r.lastRun))).toList();
    }

    /** Stops scheduling; a run in progress is interrupted. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final class Running implements Runnable {
        final Job job;
        final JsonSchema schema;
        final AtomicLong runs = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();
        volatile Instant lastRun;
        long gridStart;
        long tick;

        Running(Job job) {
            this.job = job;
            this.schema = JsonSchema.of(job.collector().paramsSchema());
        }

        @Override
        public void run() {
            if (closed.get()) {
                return;
            }
            try {
                runOnce();
            } catch (Throwable t) {
                log.error("scheduler: job {} failed outside its collector", job.collector().name(), t);
            }
            if (closed.get()) {
                return;
            }
            long period = job.period().toNanos();
            long now = System.nanoTime();
            long next = tick + 1;
            long due = gridStart + next * period;
            if (due - now < 0) {
                long behind = (now - gridStart) / period + 1;
                skipped.addAndGet(behind - next);
                next = behind;
                due = gridStart + next * period;
            }
            tick = next;
            try {
                executor.schedule(this, due - now, TimeUnit.NANOSECONDS);
            } catch (RuntimeException e) {
                // closed meanwhile
            }
        }

        private void runOnce() {
            Request request = Request.builder(job.collector().name()).params(job.params())
                    .target(job.target().orElse(workerId)).build();
            Instant started = clock.instant();
            lastRun = started;
            runs.incrementAndGet();
            Response response;
            List<String> violations = schema.violations(request.params());
            if (!violations.isEmpty()) {
                failures.incrementAndGet();
                response = Response.failed(request, ResponseStatus.REJECTED, new ErrorInfo(RejectReason.INVALID_PARAMS.code(),
                        String.join("; ", violations)), workerId, 1, started, clock.instant());
            } else {
                try {
                    Object result = job.collector().collect(request, new Context(started.plus(job.timeout())));
                    JsonNode node = result == null ? NullNode.getInstance()
                            : result instanceof JsonNode n ? n : Json.toTree(result);
                    response = Response.ok(request, node, workerId, 1, started, clock.instant());
                } catch (Exception e) {
                    failures.incrementAndGet();
                    ErrorInfo error = e instanceof CollectorException ce ? new ErrorInfo(ce.code(), String.valueOf(ce.getMessage()))
                            : new ErrorInfo("collector-failed", e.toString());
                    response = Response.failed(request, ResponseStatus.ERROR, error, workerId, 1, started, clock.instant());
                }
            }
            byte[] body = codec.encodeResponse(response, Optional.empty());
            transport.send(job.destination(), Message.of(body, Map.of("outpost-request-id", request.id())))
                    .whenComplete((v, e) -> {
                        if (e != null) {
                            log.warn("scheduler: could not publish {} to '{}': {}", job.collector().name(), job.destination(),
                                    e.toString());
                        }
                    });
        }

        private final class Context implements CollectorContext {
            private final Instant deadline;

            Context(Instant deadline) {
                this.deadline = deadline;
            }

            @Override
            public Instant deadline() {
                return deadline;
            }

            @Override
            public Duration remaining() {
                Duration d = Duration.between(clock.instant(), deadline);
                return d.isNegative() ? Duration.ZERO : d;
            }

            @Override
            public Optional<Sender> sender() {
                return Optional.empty();
            }

            @Override
            public int attempt() {
                return 1;
            }

            @Override
            public Map<String, String> settings() {
                return job.settings();
            }

            @Override
            public void progress(String message) {}
        }
    }

    /**
     * One scheduled collector.
     *
     * @param collector what runs
     * @param period the time between the starts of two runs
     * @param destination where each run's response is published
     * @param params the params each run gets (valid against the collector's schema)
     * @param target the target each run reports; empty for this host's worker id
     * @param timeout the deadline each run's context reports
     * @param settings the collector's settings
     */
    public record Job(Collector collector, Duration period, String destination, ObjectNode params,
            Optional<String> target, Duration timeout, Map<String, String> settings) {
        /** Validates the components. */
        public Job {
            Objects.requireNonNull(collector, "collector");
            Objects.requireNonNull(period, "period");
            Objects.requireNonNull(destination, "destination");
            Objects.requireNonNull(params, "params");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(timeout, "timeout");
            settings = Map.copyOf(settings);
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("period must be positive, was " + period);
            }
            params = params.deepCopy();
        }

        /** Runs {@code collector} with empty params every {@code period}, publishing to {@code destination}. */
        public static Job every(Duration period, Collector collector, String destination) {
            return new Job(collector, period, destination, Json.object(), Optional.empty(), period,
                    Map.of());
        }

        /** This job with other params. */
        public Job withParams(Map<String, ?> newParams) {
            return new Job(collector, period, destination, (ObjectNode) Json.toTree(newParams), target, timeout, settings);
        }
    }

    /**
     * What a job has done.
     *
     * @param collector the job's collector
     * @param destination where it publishes
     * @param period its period
     * @param runs runs so far
     * @param failures runs whose collector failed
     * @param skipped ticks skipped because a run overran its period
     * @param lastRun when the last run started
     */
    public record JobStatus(String collector, String destination, Duration period, long runs, long failures, long skipped,
            Optional<Instant> lastRun) {}

    /** Builds a {@link Scheduler}. Not thread-safe. */
    public static final class Builder {
        private final Transport transport;
        private Codec codec = JsonCodec.create();
        private String workerId = Hosts.workerId();
        private Clock clock = Clock.systemUTC();
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
            this.workerId = Worker.requireText(workerId, "workerId");
            return this;
        }

        /** The clock for timestamps. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Adds a job. */
        public Builder job(Job job) {
            jobs.add(Objects.requireNonNull(job, "job"));
            return this;
        }

        /**
         * Builds the scheduler.
         *
         * @throws IllegalArgumentException when there is no job, or a job's params do not fit its schema
         */
        public Scheduler build() {
            if (jobs.isEmpty()) {
                throw new IllegalArgumentException("a scheduler needs at least one job");
            }
            for (Job j : jobs) {
                List<String> v = JsonSchema.of(j.collector().paramsSchema()).violations(j.params());
                if (!v.isEmpty()) {
                    throw new IllegalArgumentException("params of scheduled " + j.collector().name() + " are invalid: " + v);
                }
            }
            return new Scheduler(this);
        }
    }
}
