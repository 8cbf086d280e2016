package dev.outpost.micrometer;

import dev.outpost.ErrorInfo;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.Worker;
import dev.outpost.core.WorkerListener;
import dev.outpost.core.WorkerStatus;
import dev.outpost.micrometer.internal.TagLimiter;
import dev.outpost.spi.Delivery;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Worker}'s figures as Micrometer meters. Pass it to the worker's builder as its listener
 * (for counts and run times), then {@link #monitor(Worker)} the built worker (for gauges):
 *
 * <pre>{@code
 * WorkerMetrics metrics = WorkerMetrics.create(meterRegistry);
 * Worker worker = Worker.builder(transport).collector(new DiskUsage()).listener(metrics).build();
 * metrics.monitor(worker);
 * worker.start();
 * }</pre>
 *
 * <p>Meters (tags in brackets; {@code collector} and {@code reason} take at most
 * {@link MeterSettings#maxTagValues()} values each, later ones are {@code other}):
 * <ul>
 *   <li>{@code outpost.worker.requests} timer [collector, outcome = ok | error]: requests answered;
 *   <li>{@code outpost.worker.received} counter: deliveries received;
 *   <li>{@code outpost.worker.retries} counter [collector]: runs handed back for another attempt;
 *   <li>{@code outpost.worker.rejected} counter [reason]: deliveries refused without running;
 *   <li>{@code outpost.worker.dead.lettered} counter [reason]: copies sent to dead-letter;
 *   <li>{@code outpost.worker.errors} counter: failures outside collectors (transport, encoding);
 *   <li>gauges {@code outpost.worker.in.flight}, {@code outpost.worker.concurrency}, {@code outpost.worker.prefetch},
 *       {@code outpost.worker.queue.depth} (NaN when the transport cannot tell) and
 *       {@code outpost.worker.healthy} (1 or 0), once {@link #monitor(Worker) monitored}.
 * </ul>
 *
 * <p>The listener methods only increment meters, so they are cheap on the worker's threads.
 */
public final class WorkerMetrics implements WorkerListener {
    private final MeterRegistry registry;
    private final MeterSettings settings;
    private final TagLimiter collectors;
    private final TagLimiter reasons;
    private final Counter received;
    private final Counter errors;
    // looked up per event: a registry lookup allocates an id, a map hit does not
    private final Map<String, Timer[]> timers = new ConcurrentHashMap<>();
    private final Map<String, Counter> retries = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();

    private WorkerMetrics(MeterRegistry registry, MeterSettings settings) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.collectors = new TagLimiter(settings.maxTagValues());
        this.reasons = new TagLimiter(settings.maxTagValues());
        this.received = Counter.builder("outpost.worker.received").description("deliveries received")
                .tags(settings.commonTags()).register(registry);
        this.errors = Counter.builder("outpost.worker.errors").description("failures outside collectors")
                .tags(settings.commonTags()).register(registry);
    }

    /** Metrics with {@link MeterSettings#DEFAULTS}. */
    public static WorkerMetrics create(MeterRegistry registry) {
        return new WorkerMetrics(registry, MeterSettings.DEFAULTS);
    }

    /** Metrics with the given settings. */
    public static WorkerMetrics create(MeterRegistry registry, MeterSettings settings) {
        return new WorkerMetrics(registry, settings);
    }

    /**
     * Registers the gauges that read {@code worker}'s status: in-flight, concurrency, queue depth,
     * health. The gauges hold the worker weakly, as Micrometer's gauges do.
     *
     * @return this
     */
    public WorkerMetrics monitor(Worker worker) {
        Objects.requireNonNull(worker, "worker");
        Gauge.builder("outpost.worker.in.flight", worker, w -> w.status().inFlight())
                .description("deliveries held now: running, or waiting for a runner (prefetch)").tags(settings.commonTags())
                .register(registry);
        Gauge.builder("outpost.worker.concurrency", worker, w -> w.status().concurrency())
                .description("requests that may run at once").tags(settings.commonTags()).register(registry);
        Gauge.builder("outpost.worker.prefetch", worker, w -> w.status().prefetch())
                .description("deliveries it may hold now beyond those running").tags(settings.commonTags()).register(registry);
        Gauge.builder("outpost.worker.queue.depth", worker, WorkerMetrics::depth)
                .description("messages waiting in the worker's queue").tags(settings.commonTags()).register(registry);
        Gauge.builder("outpost.worker.healthy", worker, w -> w.status().healthy() ? 1 : 0)
                .description("1 while running with every poller alive").tags(settings.commonTags()).register(registry);
        return this;
    }

    private static double depth(Worker worker) {
        WorkerStatus s = worker.status();
        return s.queueDepth().isPresent() ? s.queueDepth().getAsLong() : Double.NaN;
    }

    @Override
    public void onReceived(Delivery delivery) {
        received.increment();
    }

    @Override
    public void onCompleted(Request request, Response response, Duration elapsed) {
        // keyed by the collector's own name once it is admitted, so a known name costs one lookup
        Timer[] byStatus = timers.get(request.collector());
        String collector;
        if (byStatus == null) {
            collector = collectors.tag(request.collector());
            byStatus = timers.computeIfAbsent(collector, c -> new Timer[ResponseStatus.values().length]);
        } else {
            collector = request.collector();
        }
        int i = response.status().ordinal();
        Timer t = byStatus[i];
        if (t == null) {
            t = Timer.builder("outpost.worker.requests").description("requests answered")
                    .tags(settings.tags(Tag.of("collector", collector), Tag.of("outcome", response.status().code())))
                    .publishPercentiles(settings.percentiles()).publishPercentileHistogram(settings.percentileHistogram())
                    .register(registry);
            byStatus[i] = t; // a race registers the same meter twice: Micrometer returns the one it has
        }
        t.record(elapsed.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void onRetry(Request request, int attempt, Duration delay, ErrorInfo error) {
        counter(retries, "outpost.worker.retries", "runs handed back for another attempt", "collector",
                collectors.tag(request.collector())).increment();
    }

    @Override
    public void onRejected(Delivery delivery, RejectReason reason, String detail) {
        counter(rejected, "outpost.worker.rejected", "deliveries refused without running", "reason",
                reasons.tag(reason.code())).increment();
    }

    @Override
    public void onDeadLettered(Delivery delivery, RejectReason reason, String detail) {
        counter(deadLettered, "outpost.worker.dead.lettered", "copies sent to the dead-letter destination", "reason",
                reasons.tag(reason.code())).increment();
    }

    @Override
    public void onError(String context, Throwable error) {
        errors.increment();
    }

    private Counter counter(Map<String, Counter> cache, String name, String description, String tag, String value) {
        Counter c = cache.get(value);
        return c != null ? c : cache.computeIfAbsent(value, v -> Counter.builder(name).description(description)
                .tags(settings.tags(Tag.of(tag, v))).register(registry));
    }
}
