package dev.outpost.core;

import dev.outpost.ShutdownResult;
import dev.outpost.ConfigException;
import dev.outpost.core.audit.AuditLog;
import dev.outpost.core.internal.Checks;
import dev.outpost.core.internal.CollectorEntry;
import dev.outpost.core.internal.CollectorTable;
import dev.outpost.core.internal.WorkerAssembly;
import dev.outpost.core.internal.WorkerBinding;
import dev.outpost.core.internal.WorkerEngine;
import dev.outpost.core.internal.WorkerListeners;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Collector;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Registry;
import dev.outpost.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embeddable worker loop: polls a queue, runs the requested {@link Collector}, publishes the
 * response and only then acknowledges the message.
 *
 * <pre>{@code
 * try (Worker worker = Worker.builder(transport).collector(new DiskUsage()).build().start()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>What it promises:
 * <ul>
 *   <li><b>At-least-once.</b> A message is acked only after its response was published; a crash at
 *       any point loses nothing (the message comes back after its visibility timeout).
 *   <li><b>Back-pressure.</b> It never holds more deliveries than it has free slots
 *       ({@link Builder#concurrency(int)}, plus {@link Builder#prefetch(int)} when set).
 *   <li><b>Bounded attempts.</b> A retryable failure is handed back with exponential backoff and
 *       jitter until {@link Builder#maxAttempts(int)}; then it is answered with an error and a copy
 *       goes to the dead-letter destination ({@code attempts-exhausted}). The same bound holds for
 *       a response that cannot be published ({@code unanswerable}; a reply destination that does
 *       not exist is dead-lettered at once) and for unexpected failures of the loop itself
 *       ({@code internal-error}, with an incident id that the log names). A computed result is not
 *       recomputed because publishing it failed.
 *   <li><b>Rejects.</b> Undecodable, schema-invalid, oversize, expired, unknown, disallowed or
 *       private ({@code _name}) requests, requests from senders who may not run the collector, and
 *       requests naming a {@code replyTo} this worker may not send to go straight to the
 *       dead-letter destination with the attribute {@code outpost-reject-reason} and are acked.
 *   <li><b>Deadlines.</b> A run past its timeout is interrupted and counts as a retryable failure;
 *       while it runs and while its answer is published, the delivery is kept invisible by extending it.
 *   <li><b>User code cannot stop it.</b> Whatever a collector or listener throws, {@link Error}s
 *       included, is caught, counted and handled by the same policy.
 *   <li><b>Graceful stop.</b> {@link #shutdown()} stops polling, lets in-flight work finish within
 *       the drain timeout, hands what is unfinished back to the queue at once, and says in its
 *       {@link ShutdownResult} whether every thread stopped in time.
 * </ul>
 *
 * <p>Which collectors run: with no allow-list, the collectors registered in code plus the built-in
 * {@code outpost.ping}, {@code outpost.status} and {@code outpost.collectors}. Collectors found by
 * {@link Builder#discoverCollectors()} and {@code outpost.config} run only when an allow pattern
 * names them; {@code outpost.config} answers only senders a codec authenticated.
 *
 * <p>The worker's threads (pollers, runners, a timer, one for shutdown) come from the
 * {@linkplain Builder#threadFactory thread factory}; by default they are named
 * {@code outpost-worker-N-ROLE-M} and are not daemons, so close what you start.
 */
public final class Worker implements AutoCloseable {
    /** Default source queue. */
    public static final String DEFAULT_REQUESTS = "requests";
    /** Default dead-letter destination. */
    public static final String DEFAULT_DEAD_LETTER = "dead-letter";
    /** Default reply destinations a request may name: the client's default reply queues. */
    public static final List<String> DEFAULT_REPLY_TO_ALLOW = List.of("outpost-client-*");
    /** Default number of requests run at once. */
    public static final int DEFAULT_CONCURRENCY = 8;
    /** Default number of polling threads on a network transport (see {@link Builder#pollers}). */
    public static final int DEFAULT_POLLERS = 8;
    /** Default number of attempts before a retryable failure is answered as an error. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Default collector timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** Default visibility the worker keeps extending while a run goes on. */
    public static final Duration DEFAULT_VISIBILITY = Duration.ofSeconds(30);
    /** Default time in-flight work gets to finish at shutdown. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** Default long-poll wait. */
    public static final Duration DEFAULT_POLL_WAIT = Duration.ofSeconds(20);
    /** Default first retry delay (before jitter). */
    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(1);
    /** Default longest retry delay. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(60);
    /** Default largest message accepted. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
    /** Default duplicate-suppression window (off). */
    public static final int DEFAULT_DEDUPE = 0;

    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final WorkerEngine engine;

    private Worker(WorkerEngine engine) {
        this.engine = engine;
    }

    /** A builder for a worker reading requests from {@code transport}. */
    public static Builder builder(Transport transport) {
        return new Builder(transport);
    }

    /**
     * Checks that the source exists (a transport unreachable now is an outage the worker waits out), then starts polling.
     *
     * @throws dev.outpost.spi.NoSuchDestinationException when the source does not exist; the worker can start again later
     * @throws IllegalStateException when it was started before
     */
    public Worker start() {
        engine.start();
        return this;
    }

    /** The worker's id, as responses carry it. */
    public String id() {
        return engine.settings().workerId();
    }

    /** The collectors callers may run here, as {@code outpost.collectors} lists them, by name (for inventories). */
    public List<Collector> collectors() {
        return engine.settings().collectors().values().stream().filter(CollectorEntry::listed).map(CollectorEntry::collector)
                .sorted(java.util.Comparator.comparing(Collector::name)).toList();
    }

    /** A snapshot of counters, in-flight work, latencies and thread health. */
    public WorkerStatus status() {
        return engine.status();
    }

    /**
     * Stops polling, waits for in-flight work up to the drain timeout, hands the rest back.
     * Idempotent: every call returns the same future.
     *
     * @return completes when the shutdown is over, saying whether every thread stopped in time
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        return engine.shutdown();
    }

    /**
     * {@link #shutdown()} and wait for it, but not on one of the worker's own threads (a collector, a listener), which
     * the shutdown waits for. An unclean shutdown (a collector ignoring interrupts holds its thread) is logged; never thrown.
     */
    @Override
    public void close() {
        CompletableFuture<ShutdownResult> done = shutdown();
        if (engine.onOwnThread()) {
            return;
        }
        ShutdownResult r = done.join();
        if (!r.clean()) {
            log.warn("worker {} closed, but these threads were still running: {}", id(), r.threadsStillAlive());
        }
    }

    @Override
    public String toString() {
        return "Worker[" + id() + " on " + engine.settings().source() + "]";
    }

    /**
     * Builds a {@link Worker}. Values set by a method win over {@link #configure configuration},
     * whatever the order of the calls; configuration wins over the defaults. Everything is copied
     * at {@link #build()}, so a builder can be reused. Not thread-safe.
     */
    public static final class Builder {
        private final Transport transport;
        /** Values set by methods, under their configuration keys: they win over configuration. */
        private final Map<String, Object> explicit = new HashMap<>();
        private Codec codec;
        private final List<Collector> collectors = new ArrayList<>();
        private final List<Collector> discovered = new ArrayList<>();
        private boolean builtins = true;
        private final List<WorkerListener> listeners = new ArrayList<>();
        private Optional<AuditLog> audit = Optional.empty();
        private final List<RequestFilter> filters = new ArrayList<>();
        private Clock clock = Clock.systemUTC();
        private LongSupplier ticker = System::nanoTime;
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private final Map<String, Duration> timeouts = new HashMap<>();
        private final Map<String, Integer> attempts = new HashMap<>();
        private final Map<String, Map<String, String>> settings = new HashMap<>();
        private Optional<ConfigSource> config = Optional.empty();
        private Optional<Registry> idempotencyStore = Optional.empty();

        private Builder(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
        }

        /** The id responses carry, one per worker: a broadcast counts one answer per id; by default {@code hostname-pid}. */
        public Builder id(String workerId) {
            explicit.put(WorkerBinding.ID, Checks.text(workerId, "id"));
            return this;
        }

        /** The codec; by default {@link JsonCodec#create()}. */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** The queue to read requests from; default {@value #DEFAULT_REQUESTS}. */
        public Builder requests(String source) {
            explicit.put(WorkerBinding.REQUESTS, Checks.text(source, "requests"));
            return this;
        }

        /** Where refused and exhausted messages go; default {@value #DEFAULT_DEAD_LETTER}. */
        public Builder deadLetter(String destination) {
            explicit.put(WorkerBinding.DEAD_LETTER, Checks.text(destination, "deadLetter"));
            return this;
        }

        /** Where responses go when a request names no {@code replyTo} (always an allowed one); by default not sent. */
        public Builder responses(String destination) {
            explicit.put(WorkerBinding.RESPONSES, Checks.text(destination, "responses"));
            return this;
        }

        /**
         * Registers a collector; it runs unless an allow-list leaves it out. A collector that is
         * {@link AutoCloseable} is closed when the worker stops.
         */
        public Builder collector(Collector collector) {
            collectors.add(Objects.requireNonNull(collector, "collector"));
            return this;
        }

        /** Registers collectors. */
        public Builder collectors(Iterable<? extends Collector> collectors) {
            Objects.requireNonNull(collectors, "collectors").forEach(this::collector);
            return this;
        }

        /**
         * Registers every collector {@link ServiceLoader} finds on the class path. They run only
         * when an {@linkplain #allow allow pattern} names them: a jar added to the class path does
         * not open anything to remote senders by itself.
         */
        public Builder discoverCollectors() {
            ServiceLoader.load(Collector.class).forEach(c -> discovered.add(Objects.requireNonNull(c, "discovered collector")));
            return this;
        }

        /**
         * Allows only collectors matching these patterns (exact names, prefixes ending in {@code *},
         * or {@code *} for every collector); replaces earlier patterns. Without it, the collectors
         * registered in code and the built-in ping, status and collectors listing run.
         */
        public Builder allow(String... patterns) {
            explicit.put(WorkerBinding.ALLOW, Checks.texts(patterns, "allow"));
            return this;
        }

        /**
         * The reply destinations a request may name (exact names or prefixes ending in {@code *});
         * replaces the default {@code outpost-client-*}. A request naming another is refused as
         * {@code reply-to-refused}: the worker sends with its own credentials, so senders must not
         * choose any queue they like.
         */
        public Builder allowReplyTo(String... patterns) {
            explicit.put(WorkerBinding.REPLY_TO_ALLOW, Checks.texts(patterns, "allowReplyTo"));
            return this;
        }

        /** Whether to register the built-in {@code outpost.*} collectors; default true. */
        public Builder builtins(boolean enabled) {
            this.builtins = enabled;
            return this;
        }

        /**
         * How many requests run at once, and so how many deliveries are held (plus {@link #prefetch});
         * default {@value #DEFAULT_CONCURRENCY}.
         */
        public Builder concurrency(int concurrency) {
            explicit.put(WorkerBinding.CONCURRENCY, Checks.range(concurrency, 1, 4096, "concurrency"));
            return this;
        }

        /**
         * How many threads poll a network transport's queue; default {@value #DEFAULT_POLLERS}, or
         * with a fixed {@link #prefetch} one per 10 deliveries held (at most 8). While receives come
         * back empty one at a time has a receive open, so an idle queue costs one open receive; once
         * a receive brings all it asked for, all of them. In-process, each slot polls for itself.
         */
        public Builder pollers(int pollers) {
            explicit.put(WorkerBinding.POLLERS, Checks.range(pollers, 1, 64, "pollers"));
            return this;
        }

        /**
         * Deliveries held beyond the {@linkplain #concurrency running ones}, fixed: they wait for a
         * runner, kept invisible, so that fast collectors on a network transport (SQS) keep several
         * receives open. By default it is automatic: up to 10 per poller beyond the concurrency (72
         * with the defaults), open while runs are short enough that a delivery waits about 250 ms
         * for a runner at most, closed for slow ones (what a busy worker cannot start stays queued
         * for idle ones). {@code prefetch(0)} holds no more than run. Ignored in-process.
         */
        public Builder prefetch(int deliveries) {
            explicit.put(WorkerBinding.PREFETCH, Checks.range(deliveries, 0, 4096, "prefetch"));
            return this;
        }

        /** How long one receive waits for messages; default 20 s. */
        public Builder pollWait(Duration wait) {
            explicit.put(WorkerBinding.POLL_WAIT, Checks.nonNegative(wait, "pollWait"));
            return this;
        }

        /**
         * How many times a message is tried: runs of a failing collector, attempts to publish its
         * response, unexpected failures; default {@value #DEFAULT_MAX_ATTEMPTS}.
         */
        public Builder maxAttempts(int maxAttempts) {
            explicit.put(WorkerBinding.MAX_ATTEMPTS, Checks.range(maxAttempts, 1, 100, "maxAttempts"));
            return this;
        }

        /** The retry delay: {@code initial} doubling up to {@code max}, with jitter; default 1 s to 60 s. */
        public Builder backoff(Duration initial, Duration max) {
            explicit.put(WorkerBinding.BACKOFF_INITIAL, Checks.nonNegative(initial, "backoff.initial"));
            explicit.put(WorkerBinding.BACKOFF_MAX, Checks.nonNegative(max, "backoff.max"));
            return this;
        }

        /** How long a collector may run before it is interrupted; default 30 s. */
        public Builder timeout(Duration timeout) {
            explicit.put(WorkerBinding.TIMEOUT, Checks.positive(timeout, "timeout"));
            return this;
        }

        /** A timeout for one collector. */
        public Builder timeout(String collector, Duration timeout) {
            timeouts.put(Checks.text(collector, "collector"), Checks.positive(timeout, "timeout"));
            return this;
        }

        /** Max attempts for one collector. */
        public Builder maxAttempts(String collector, int maxAttempts) {
            attempts.put(Checks.text(collector, "collector"), Checks.range(maxAttempts, 1, 100, "maxAttempts"));
            return this;
        }

        /**
         * Settings a collector reads from {@link dev.outpost.spi.CollectorContext#settings()};
         * they win over {@code outpost.collectors.NAME.*} in configuration, key by key.
         */
        public Builder settings(String collector, Map<String, String> collectorSettings) {
            settings.put(Checks.text(collector, "collector"), Map.copyOf(collectorSettings));
            return this;
        }

        /**
         * How long a delivery stays invisible: while a run goes on (and its answer is published) the
         * worker extends it by this much every half of it. Keep it at or below the queue's visibility timeout; default 30 s.
         */
        public Builder visibility(Duration visibility) {
            explicit.put(WorkerBinding.VISIBILITY, Checks.positive(visibility, "visibility"));
            return this;
        }

        /** How long in-flight work gets to finish at shutdown; default 30 s. */
        public Builder drainTimeout(Duration drainTimeout) {
            explicit.put(WorkerBinding.DRAIN_TIMEOUT, Checks.nonNegative(drainTimeout, "drainTimeout"));
            return this;
        }

        /** The largest message accepted; larger ones are dead-lettered as oversize. Default 1 MiB. */
        public Builder maxMessageBytes(int bytes) {
            explicit.put(WorkerBinding.MAX_MESSAGE_BYTES, Checks.range(bytes, 1, Integer.MAX_VALUE, "maxMessageBytes"));
            return this;
        }

        /**
         * Drops redeliveries of the last {@code window} requests this worker answered (by sender and
         * request id); 0 (the default) turns it off.
         */
        public Builder suppressDuplicates(int window) {
            explicit.put(WorkerBinding.DEDUPE, Checks.range(window, 0, 10_000_000, "dedupe"));
            return this;
        }

        /**
         * Records every request this worker answers or refuses in {@code auditLog} (time, request
         * id, sender and whether a codec authenticated it, collector, a hash of the params, outcome,
         * duration). Recording never blocks the loop; start and stop the log yourself.
         */
        public Builder audit(AuditLog auditLog) {
            this.audit = Optional.of(Objects.requireNonNull(auditLog, "auditLog"));
            return this;
        }

        /**
         * Runs requests with an {@linkplain dev.outpost.Request#idempotencyKey() idempotency key} at most
         * once per sender and key: the outcome goes to {@code store} (yours to close) before the answer
         * is published and acked; retries are answered from there (see core's README).
         */
        public Builder idempotency(Registry store) {
            this.idempotencyStore = Optional.of(Objects.requireNonNull(store, "store"));
            return this;
        }

        /**
         * Keeps every answer on disk in {@code dir} (0700, files 0600) before publishing it: one that
         * cannot be published now, or was not before a crash, is published from there later, never
         * computed again. Bounds and policy: {@code outpost.worker.outbox.*}.
         */
        public Builder resultOutbox(java.nio.file.Path dir) {
            explicit.put(WorkerBinding.OUTBOX_DIR, Objects.requireNonNull(dir, "dir").toString());
            return this;
        }

        /**
         * Checks results against their collector's {@linkplain Collector#resultSchema() result schema}:
         * one that fails is answered as an {@code invalid-result} error. Default off.
         */
        public Builder checkResults(boolean enabled) {
            explicit.put(WorkerBinding.CHECK_RESULTS, Boolean.toString(enabled));
            return this;
        }

        /** Adds a filter run after the ttl and duplicate checks, before authorisation; several run in order. */
        public Builder filter(RequestFilter filter) {
            filters.add(Objects.requireNonNull(filter, "filter"));
            return this;
        }

        /** Adds a listener observing the loop; several hear each event in the order added, whatever one throws. */
        public Builder listener(WorkerListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** The clock for timestamps and ttl checks; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Where the worker reads elapsed time (nanoseconds) for deadlines and visibility
         * extensions; default {@link System#nanoTime}. Tests pass a ticker they advance by hand.
         */
        public Builder ticker(LongSupplier nanoTicker) {
            this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
            return this;
        }

        /** Makes every thread the worker starts. */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /**
         * Takes the {@code outpost.worker.*} and {@code outpost.collectors.*} settings from
         * {@code config} for everything not set by a method of this builder (see
         * {@code core/README.md} for the keys). Checked at {@link #build()}.
         */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * Builds the worker (not yet started).
         *
         * @throws ConfigException listing every problem: bad values in configuration, bad collector
         *     names, duplicate names, invalid params schemas, allow patterns that match nothing,
         *     settings for collectors that are not registered, settings a collector refuses
         */
        public Worker build() {
            return new Worker(new WorkerAssembly(transport, codec, explicit, config, new CollectorTable.Registrations(collectors,
                    discovered, builtins, timeouts, attempts, settings), WorkerListeners.of(listeners), clock, ticker, threadFactory, audit, filters,
                    idempotencyStore).engine());
        }
    }
}
