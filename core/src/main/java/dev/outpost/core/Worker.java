package dev.outpost.core;

import dev.outpost.OutpostException;
import dev.outpost.ConfigException;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.core.internal.Backoff;
import dev.outpost.core.internal.Builtins;
import dev.outpost.core.internal.CollectorEntry;
import dev.outpost.core.internal.Hosts;
import dev.outpost.core.internal.Patterns;
import dev.outpost.core.internal.WorkerEngine;
import dev.outpost.core.internal.WorkerSettings;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.json.JsonSchema;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Collector;
import dev.outpost.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The embeddable worker loop: polls a queue, runs the requested {@link Collector}, publishes the
 * response and only then acknowledges the message.
 *
 * <pre>{@code
 * Worker worker = Worker.builder(transport)
 *         .collector(new DiskUsage())
 *         .concurrency(4)
 *         .build()
 *         .start();
 * }</pre>
 *
 * <p>What it promises:
 * <ul>
 *   <li><b>At-least-once.</b> A message is acked only after its response was published; a crash at
 *       any point loses nothing (the message comes back after its visibility timeout).
 *   <li><b>Back-pressure.</b> It never holds more deliveries than it has free slots
 *       ({@link Builder#concurrency(int)}).
 *   <li><b>Retries.</b> A retryable failure is handed back with exponential backoff and jitter
 *       until {@link Builder#maxAttempts(int)}; then it is answered with an error and a copy goes to
 *       the dead-letter destination with the reason.
 *   <li><b>Rejects.</b> Undecodable, schema-invalid, oversize, expired, unknown, disallowed or
 *       private ({@code _name}) requests, and requests from senders who may not run the collector,
 *       go straight to the dead-letter destination with the attribute {@code outpost-reject-reason}
 *       and are acked. The loop never stops for bad input.
 *   <li><b>Deadlines.</b> A run past its timeout is interrupted and counts as a retryable failure;
 *       while it runs, the delivery is kept invisible by extending it.
 *   <li><b>Graceful stop.</b> {@link #shutdown()} stops polling, lets in-flight work finish within
 *       the drain timeout, and hands what is unfinished back to the queue at once.
 * </ul>
 *
 * <p>Every worker also runs the built-in collectors {@code outpost.ping}, {@code outpost.status},
 * {@code outpost.collectors} and {@code outpost.config} (subject to the allow-list like any other).
 */
public final class Worker implements AutoCloseable {
    /** Default source queue. */
    public static final String DEFAULT_REQUESTS = "requests";
    /** Default dead-letter destination. */
    public static final String DEFAULT_DEAD_LETTER = "dead-letter";
    /** Default number of requests run at once. */
    public static final int DEFAULT_CONCURRENCY = 8;
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

    private static final Pattern NAME = Pattern.compile("[a-z0-9_][a-z0-9._-]{0,127}");

    private final WorkerEngine engine;

    private Worker(WorkerEngine engine) {
        this.engine = engine;
    }

    /** A builder for a worker reading requests from {@code transport}. */
    public static Builder builder(Transport transport) {
        return new Builder(transport);
    }

    /**
     * Starts polling.
     *
     * @return this worker
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

    /** A snapshot of counters, in-flight work, latencies and thread health. */
    public WorkerStatus status() {
        return engine.status();
    }

    /**
     * Stops polling, waits for in-flight work up to the drain timeout, hands the rest back.
     * Idempotent.
     *
     * @return completes when the worker's threads are gone
     */
    public CompletableFuture<Void> shutdown() {
        return engine.shutdown();
    }

    /** {@link #shutdown()} and wait for it (at most the drain timeout plus a few seconds). */
    @Override
    public void close() {
        CompletableFuture<Void> done = shutdown();
        try {
            done.get(engine.settings().drainTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new OutpostException("worker " + id() + " did not stop cleanly", e);
        }
    }

    @Override
    public String toString() {
        return "Worker[" + id() + " on " + engine.settings().source() + "]";
    }

    /** Builds a {@link Worker}; validated at {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final Transport transport;
        private String workerId = Hosts.workerId();
        private Codec codec = JsonCodec.create();
        private String requests = DEFAULT_REQUESTS;
        private String deadLetter = DEFAULT_DEAD_LETTER;
        private Optional<String> responses = Optional.empty();
        private final List<Collector> collectors = new ArrayList<>();
        private final List<String> allow = new ArrayList<>();
        private boolean builtins = true;
        private int concurrency = DEFAULT_CONCURRENCY;
        private int pollers = 1;
        private Duration pollWait = DEFAULT_POLL_WAIT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration visibility = DEFAULT_VISIBILITY;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private Duration backoffInitial = DEFAULT_BACKOFF_INITIAL;
        private Duration backoffMax = DEFAULT_BACKOFF_MAX;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int dedupeWindow;
        private WorkerListener listener = WorkerListener.NONE;
        private Clock clock = Clock.systemUTC();
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private final Map<String, Duration> timeouts = new HashMap<>();
        private final Map<String, Integer> attempts = new HashMap<>();
        private final Map<String, Map<String, String>> settings = new HashMap<>();
        private Optional<OutpostConfig> config = Optional.empty();

        private Builder(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
        }

        /** The id responses carry; by default {@code hostname-pid}. */
        public Builder id(String workerId) {
            this.workerId = requireText(workerId, "workerId");
            return this;
        }

        /** The codec; by default {@link JsonCodec#create()}. */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** The queue to read requests from; default {@value #DEFAULT_REQUESTS}. */
        public Builder requests(String source) {
            this.requests = requireText(source, "source");
            return this;
        }

        /** Where refused and exhausted messages go; default {@value #DEFAULT_DEAD_LETTER}. */
        public Builder deadLetter(String destination) {
            this.deadLetter = requireText(destination, "destination");
            return this;
        }

        /** Where responses go when a request names no {@code replyTo}; by default they are not sent. */
        public Builder responses(String destination) {
            this.responses = Optional.of(requireText(destination, "destination"));
            return this;
        }

        /**
         * Registers a collector. A collector that is {@link AutoCloseable} is closed when the worker
         * stops.
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

        /** Registers every collector {@link ServiceLoader} finds on the class path. */
        public Builder discoverCollectors() {
            ServiceLoader.load(Collector.class).forEach(this::collector);
            return this;
        }

        /**
         * Allows only collectors matching these patterns (exact names, or prefixes ending in
         * {@code *}); may be called more than once. Without it, every registered collector runs.
         */
        public Builder allow(String... patterns) {
            for (String p : patterns) {
                allow.add(requireText(p, "pattern"));
            }
            return this;
        }

        /** Whether to register the built-in {@code outpost.*} collectors; default true. */
        public Builder builtins(boolean enabled) {
            this.builtins = enabled;
            return this;
        }

        /** How many requests run at once, and so how many deliveries are held; default {@value #DEFAULT_CONCURRENCY}. */
        public Builder concurrency(int concurrency) {
            this.concurrency = requireRange(concurrency, 1, 4096, "concurrency");
            return this;
        }

        /** How many threads poll the queue; default 1 (transports with slow receives want more). */
        public Builder pollers(int pollers) {
            this.pollers = requireRange(pollers, 1, 64, "pollers");
            return this;
        }

        /** How long one receive waits for messages; default 20 s. */
        public Builder pollWait(Duration wait) {
            this.pollWait = requireNonNegative(wait, "wait");
            return this;
        }

        /** Attempts before a retryable failure becomes an error response; default {@value #DEFAULT_MAX_ATTEMPTS}. */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = requireRange(maxAttempts, 1, 100, "maxAttempts");
            return this;
        }

        /** The retry delay: {@code initial} doubling up to {@code max}, with jitter; default 1 s to 60 s. */
        public Builder backoff(Duration initial, Duration max) {
            this.backoffInitial = requireNonNegative(initial, "initial");
            this.backoffMax = requireNonNegative(max, "max");
            return this;
        }

        /** How long a collector may run before it is interrupted; default 30 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = requirePositive(timeout, "timeout");
            return this;
        }

        /** A timeout for one collector. */
        public Builder timeout(String collector, Duration timeout) {
            timeouts.put(requireText(collector, "collector"), requirePositive(timeout, "timeout"));
            return this;
        }

        /** Max attempts for one collector. */
        public Builder maxAttempts(String collector, int maxAttempts) {
            attempts.put(requireText(collector, "collector"), requireRange(maxAttempts, 1, 100, "maxAttempts"));
            return this;
        }

        /** Settings a collector reads from {@link dev.outpost.spi.CollectorContext#settings()}. */
        public Builder settings(String collector, Map<String, String> collectorSettings) {
            settings.put(requireText(collector, "collector"), Map.copyOf(collectorSettings));
            return this;
        }

        /**
         * How long a delivery stays invisible: while a run goes on the worker extends it by this much
         * every half of it. Keep it at or below the queue's visibility timeout; default 30 s.
         */
        public Builder visibility(Duration visibility) {
            this.visibility = requirePositive(visibility, "visibility");
            return this;
        }

        /** How long in-flight work gets to finish at shutdown; default 30 s. */
        public Builder drainTimeout(Duration drainTimeout) {
            this.drainTimeout = requireNonNegative(drainTimeout, "drainTimeout");
            return this;
        }

        /** The largest message accepted; larger ones are dead-lettered as oversize. Default 1 MiB. */
        public Builder maxMessageBytes(int bytes) {
            this.maxMessageBytes = requireRange(bytes, 1, Integer.MAX_VALUE, "bytes");
            return this;
        }

        /**
         * Drops redeliveries of the last {@code window} requests this worker answered (by request id);
         * 0 (the default) turns it off.
         */
        public Builder suppressDuplicates(int window) {
            this.dedupeWindow = requireRange(window, 0, 10_000_000, "window");
            return this;
        }

        /** Observes the loop. */
        public Builder listener(WorkerListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The clock for timestamps and ttl checks; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Makes the threads that run collectors. */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /**
         * Takes every {@code outpost.worker.*} and {@code outpost.collectors.*} setting from
         * {@code config} (see {@code defaults.properties} for the keys). Later builder calls override it.
         *
         * @throws ConfigException listing every bad or unknown key
         */
        public Builder configure(OutpostConfig config) {
            Objects.requireNonNull(config, "config");
            List<ConfigException.Problem> problems = new ArrayList<>();
            Set<String> known = OutpostConfig.knownKeys();
            for (String key : config.keys()) {
                if (key.startsWith("outpost.worker.") && !known.contains(key)) {
                    problems.add(new ConfigException.Problem(key, "unknown key" + config.sourceOf(key).map(s -> " (set in " + s + ")").orElse("")));
                }
            }
            attempt(problems, () -> config.string("outpost.worker.id").ifPresent(this::id));
            attempt(problems, () -> requests(config.require("outpost.worker.requests")));
            attempt(problems, () -> deadLetter(config.require("outpost.worker.dead-letter")));
            attempt(problems, () -> config.string("outpost.worker.responses").ifPresent(this::responses));
            attempt(problems, "outpost.worker.concurrency", () -> concurrency(config.intValue("outpost.worker.concurrency")));
            attempt(problems, "outpost.worker.pollers", () -> pollers(config.intValue("outpost.worker.pollers")));
            attempt(problems, "outpost.worker.poll-wait", () -> pollWait(config.duration("outpost.worker.poll-wait")));
            attempt(problems, "outpost.worker.max-attempts", () -> maxAttempts(config.intValue("outpost.worker.max-attempts")));
            attempt(problems, "outpost.worker.backoff.initial",
                    () -> backoffInitial = requireNonNegative(config.duration("outpost.worker.backoff.initial"), "initial"));
            attempt(problems, "outpost.worker.backoff.max",
                    () -> backoffMax = requireNonNegative(config.duration("outpost.worker.backoff.max"), "max"));
            attempt(problems, "outpost.worker.timeout", () -> timeout(config.duration("outpost.worker.timeout")));
            attempt(problems, "outpost.worker.visibility", () -> visibility(config.duration("outpost.worker.visibility")));
            attempt(problems, "outpost.worker.drain-timeout", () -> drainTimeout(config.duration("outpost.worker.drain-timeout")));
            attempt(problems, "outpost.worker.dedupe", () -> suppressDuplicates(config.intValue("outpost.worker.dedupe")));
            attempt(problems, "outpost.worker.max-message-bytes",
                    () -> maxMessageBytes(config.intValue("outpost.worker.max-message-bytes")));
            List<String> allowed = config.list("outpost.collectors.allow");
            if (!allowed.isEmpty() && !allowed.equals(List.of("*"))) {
                allow.clear();
                allow.addAll(allowed);
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            this.config = Optional.of(config);
            return this;
        }

        /**
         * Builds the worker (not yet started).
         *
         * @throws ConfigException listing every problem: bad collector names, duplicate names,
         *     invalid params schemas, allow patterns that match nothing, bad per-collector settings
         */
        public Worker build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            if (backoffMax.compareTo(backoffInitial) < 0) {
                problems.add(new ConfigException.Problem("backoff", "max " + backoffMax + " is below initial " + backoffInitial));
            }
            if (pollers > concurrency) {
                problems.add(new ConfigException.Problem("pollers", pollers + " pollers for " + concurrency
                        + " slots: a poller needs at least one free slot; use pollers <= concurrency"));
            }
            Map<String, Collector> all = new LinkedHashMap<>();
            for (Collector c : collectors) {
                String name = c.name();
                if (name == null || !NAME.matcher(name).matches()) {
                    problems.add(new ConfigException.Problem("collector " + name,
                            "names are lower-case letters, digits, '.', '-' and '_' (at most 128), e.g. disk.usage"));
                } else if (name.startsWith("outpost.")) {
                    problems.add(new ConfigException.Problem("collector " + name, "names starting with 'outpost.' are reserved"));
                } else if (all.putIfAbsent(name, c) != null) {
                    problems.add(new ConfigException.Problem("collector " + name, "registered twice"));
                }
            }
            Map<String, CollectorEntry> entries = new TreeMap<>();
            WorkerEngine[] engine = new WorkerEngine[1];
            Supplier<Map<String, String>> configView = () -> {
                Map<String, String> view = config.map(OutpostConfig::redacted).orElseGet(TreeMap::new);
                Map<String, String> out = new TreeMap<>(view);
                out.put("outpost.worker.id", workerId);
                out.put("outpost.worker.requests", requests);
                out.put("outpost.worker.concurrency", Integer.toString(concurrency));
                out.put("outpost.collectors.allow", allow.isEmpty() ? "*" : String.join(",", allow));
                return out;
            };
            if (builtins) {
                for (Collector c : Builtins.all(workerId, () -> engine[0].status(), () -> entries, configView)) {
                    all.putIfAbsent(c.name(), c);
                }
            }
            for (Map.Entry<String, Collector> e : all.entrySet()) {
                String name = e.getKey();
                JsonSchema schema;
                try {
                    schema = JsonSchema.of(e.getValue().paramsSchema());
                } catch (RuntimeException ex) {
                    problems.add(new ConfigException.Problem("collector " + name, "params schema: " + ex.getMessage()));
                    continue;
                }
                Map<String, String> own = new TreeMap<>();
                Duration t = timeouts.getOrDefault(name, timeout);
                int a = attempts.getOrDefault(name, maxAttempts);
                if (config.isPresent()) {
                    own.putAll(config.get().subset("outpost.collectors." + name));
                    try {
                        if (own.containsKey("timeout") && !timeouts.containsKey(name)) {
                            t = config.get().duration("outpost.collectors." + name + ".timeout");
                        }
                        if (own.containsKey("max-attempts") && !attempts.containsKey(name)) {
                            a = config.get().intValue("outpost.collectors." + name + ".max-attempts");
                        }
                    } catch (ConfigException ce) {
                        problems.addAll(ce.problems());
                    }
                }
                own.remove("timeout"); // the worker's own keys, not the collector's
                own.remove("max-attempts");
                own.putAll(settings.getOrDefault(name, Map.of()));
                boolean allowed = allow.isEmpty() || Patterns.anyMatches(allow, name);
                entries.put(name, new CollectorEntry(e.getValue(), schema, allowed, t, a, Map.copyOf(own)));
            }
            for (String pattern : allow) {
                if (all.keySet().stream().noneMatch(n -> Patterns.matches(pattern, n))) {
                    problems.add(new ConfigException.Problem("allow " + pattern,
                            "matches no registered collector (registered: " + all.keySet() + ")"));
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            int maxBytes = Math.min(maxMessageBytes, transport.maxMessageBytes());
            engine[0] = new WorkerEngine(new WorkerSettings(workerId, transport, codec, requests, deadLetter, responses,
                    Map.copyOf(entries), concurrency, pollers, pollWait, visibility, drainTimeout,
                    new Backoff(backoffInitial, backoffMax, 2.0), maxBytes, dedupeWindow, listener, clock, threadFactory,
                    configView));
            return new Worker(engine[0]);
        }

        private static void attempt(List<ConfigException.Problem> problems, Runnable r) {
            try {
                r.run();
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }

        private static void attempt(List<ConfigException.Problem> problems, String key, Runnable r) {
            try {
                r.run();
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigException.Problem(key, e.getMessage()));
            }
        }
    }

    static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }

    static int requireRange(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    static Duration requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        return value;
    }

    static Duration requireNonNegative(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
        return value;
    }
}
