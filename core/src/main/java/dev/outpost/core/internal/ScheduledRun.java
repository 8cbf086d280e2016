package dev.outpost.core.internal;

import dev.outpost.ErrorCodes;
import dev.outpost.ErrorInfo;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.Scheduler;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job of a {@link Scheduler}: a run of its collector on a runner thread, the answer published, and what the
 * scheduling thread needs to know of it (its grid, whether a run is in progress and since when, its counts).
 */
public final class ScheduledRun implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class); // where users look for the scheduler's lines

    /** What every job of one scheduler shares; {@code running} is false once shutdown began. */
    public record Env(Transport transport, Codec codec, String workerId, Clock clock, LongSupplier ticker,
            CollectorRunner runner, java.util.function.BooleanSupplier running) {}

    private final Scheduler.Job job;
    private final CollectorEntry entry;
    private final Env env;
    /** The job's period in ticker nanoseconds (a longer one is for ever all the same). */
    public final long period;
    /** The job's run timeout in ticker nanoseconds. */
    public final long timeout;
    /** Set by the scheduling thread when it hands a run over; cleared once the run's answer is made. */
    public final AtomicBoolean busy = new AtomicBoolean();
    public final AtomicLong runs = new AtomicLong();
    public final AtomicLong failures = new AtomicLong();
    public final AtomicLong skipped = new AtomicLong();
    private final AtomicBoolean publishing = new AtomicBoolean();
    private final AtomicReference<byte[]> waiting = new AtomicReference<>();
    private volatile Instant lastRun;
    private volatile boolean inCollector;
    private volatile long startedNanos;
    /** The scheduling thread's own: where the job's grid of ticks starts, and the next tick. */
    public long gridStart;
    public long tick;

    public ScheduledRun(Scheduler.Job job, CollectorEntry entry, Env env) {
        this.job = job;
        this.entry = entry;
        this.env = env;
        this.period = Expiries.nanos(job.period());
        this.timeout = Expiries.nanos(job.timeout());
    }

    public Scheduler.Job job() {
        return job;
    }

    public Optional<Instant> lastRun() {
        return Optional.ofNullable(lastRun);
    }

    /** Whether a runner thread is in the collector past the job's timeout at ticker time {@code now} (it ignored the interrupt). */
    public boolean overdue(long now) {
        return inCollector && now - startedNanos > timeout;
    }

    @Override
    public void run() {
        byte[] body = null;
        try {
            body = runOnce();
        } catch (Throwable t) {
            log.error("scheduler: job {} failed outside its collector", job.collector().name(), t);
        } finally {
            // the run is over once its answer is made: a tick due as it is published starts the next one
            busy.set(false);
        }
        // one thread per job in send(): a send that hangs must not take every thread from the other jobs;
        // a newer answer waits for it, replacing (and skipping) one that waited already
        if (body != null && waiting.getAndSet(body) != null) {
            skipped.incrementAndGet();
        }
        while (waiting.get() != null && publishing.compareAndSet(false, true)) {
            try {
                byte[] next = waiting.getAndSet(null);
                if (next != null) {
                    publish(next);
                }
            } finally {
                publishing.set(false);
            }
        }
    }

    private void publish(byte[] body) {
        try {
            env.transport().send(job.destination(), Message.of(body)).whenComplete((v, e) -> {
                if (e != null) {
                    log.warn("scheduler: could not publish {} to '{}': {}", job.collector().name(), job.destination(),
                            e.toString());
                }
            });
        } catch (Throwable t) {
            log.error("scheduler: job {} could not be published", job.collector().name(), t);
        }
    }

    private byte[] runOnce() {
        String workerId = env.workerId();
        Clock clock = env.clock();
        Request request = Request.builder(job.collector().name()).params(job.params())
                .target(job.target().orElse(workerId)).build();
        Instant started = clock.instant();
        lastRun = started;
        runs.incrementAndGet();
        startedNanos = env.ticker().getAsLong();
        inCollector = true;
        CollectorRunner.Outcome outcome;
        try {
            outcome = env.runner().run(entry, request, Optional.empty(), 1, Expiries.instantAfter(started, job.timeout()), p -> {});
        } finally {
            inCollector = false;
        }
        if (!(outcome instanceof CollectorRunner.Ok) && !env.running().getAsBoolean()) {
            return null; // cut short by shutdown's interrupt: not the collector's failure, and no answer to publish
        }
        Response response;
        if (outcome instanceof CollectorRunner.Ok ok) {
            response = Response.ok(request, ok.result(), workerId, 1, started, clock.instant());
        } else {
            failures.incrementAndGet();
            ErrorInfo error = ((CollectorRunner.Failed) outcome).error();
            response = Response.failed(request, ResponseStatus.ERROR, error, workerId, 1, started, clock.instant());
        }
        Codec codec = env.codec();
        try {
            return codec.encodeResponse(response, Optional.empty());
        } catch (RuntimeException e) {
            String incident = env.runner().incident("scheduled " + job.collector().name() + " result cannot be encoded", e);
            return codec.encodeResponse(Response.failed(request, ResponseStatus.ERROR, new ErrorInfo(
                    ErrorCodes.UNENCODABLE_RESULT, "the result cannot be encoded (incident " + incident + ")"), workerId, 1,
                    started, clock.instant()), Optional.empty());
        }
    }
}
