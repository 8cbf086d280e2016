package dev.outpost.core;

import dev.outpost.ShutdownResult;
import dev.outpost.ConfigException;
import dev.outpost.core.internal.Backoff;
import dev.outpost.core.internal.Builtins;
import dev.outpost.core.internal.Checks;
import dev.outpost.core.internal.CollectorEntry;
import dev.outpost.core.internal.ConfigKeys;
import dev.outpost.core.internal.Hosts;
import dev.outpost.core.internal.Patterns;
import dev.outpost.core.internal.WorkerEngine;
import dev.outpost.core.internal.WorkerSettings;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.json.JsonSchema;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Collector;
import dev.outpost.spi.ConfigSource;
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
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
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
 *       ({@link Builder#concurrency(int)}).
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
 *       while it runs, the delivery is kept invisible by extending it.
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
    /** Default number of polling threads. */
    public static final int DEFAULT_POLLERS = 1;
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
    private static final Pattern NAME = Pattern.compile("[a-z0-9_][a-z0-9._-]{0,127}");
    private static final Set<String> WORKER_COLLECTOR_KEYS = Set.of("timeout", "max-attempts");

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
     * Idempotent: every call returns the same future.
     *
     * @return completes when the shutdown is over, saying whether every thread stopped in time
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        return engine.shutdown();
    }

    /**
     * {@link #shutdown()} and wait for it. A shutdown that was not clean (a collector ignoring
     * interrupts still holds its thread) is logged; close never throws for it.
     */
    @Override
    public void close() {
        ShutdownResult r = shutdown().join();
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
        private String workerId;
        private Codec codec;
        private String requests;
        private String deadLetter;
        private String responses;
        private final List<Collector> collectors = new ArrayList<>();
        private final List<Collector> discovered = new ArrayList<>();
        private List<String> allow;
        private List<String> replyToAllow;
        private boolean builtins = true;
        private Integer concurrency;
        private Integer pollers;
        private Duration pollWait;
        private Integer maxAttempts;
        private Duration timeout;
        private Duration visibility;
        private Duration drainTimeout;
        private Duration backoffInitial;
        private Duration backoffMax;
        private Integer maxMessageBytes;
        private Integer dedupeWindow;
        private WorkerListener listener = WorkerListener.NONE;
        private Clock clock = Clock.systemUTC();
        private LongSupplier ticker = System::nanoTime;
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private final Map<String, Duration> timeouts = new HashMap<>();
        private final Map<String, Integer> attempts = new HashMap<>();
        private final Map<String, Map<String, String>> settings = new HashMap<>();
        private Optional<ConfigSource> config = Optional.empty();

        private Builder(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
        }

        /** The id responses carry; by default {@code hostname-pid}. */
        public Builder id(String workerId) {
            this.workerId = Checks.text(workerId, "id");
            return this;
        }

        /** The codec; by default {@link JsonCodec#create()}. */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** The queue to read requests from; default {@value #DEFAULT_REQUESTS}. */
        public Builder requests(String source) {
            this.requests = Checks.text(source, "requests");
            return this;
        }

        /** Where refused and exhausted messages go; default {@value #DEFAULT_DEAD_LETTER}. */
        public Builder deadLetter(String destination) {
            this.deadLetter = Checks.text(destination, "deadLetter");
            return this;
        }

        /**
         * Where responses go when a request names no {@code replyTo}; by default they are not sent.
         * This destination is always allowed as a reply destination.
         */
        public Builder responses(String destination) {
            this.responses = Checks.text(destination, "responses");
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
            List<String> list = new ArrayList<>();
            for (String p : patterns) {
                list.add(Checks.text(p, "allow"));
            }
            this.allow = List.copyOf(list);
            return this;
        }

        /**
         * The reply destinations a request may name (exact names or prefixes ending in {@code *});
         * replaces the default {@code outpost-client-*}. A request naming another is refused as
         * {@code reply-to-refused}: the worker sends with its own credentials, so senders must not
         * choose any queue they like.
         */
        public Builder allowReplyTo(String... patterns) {
            List<String> list = new ArrayList<>();
            for (String p : patterns) {
                list.add(Checks.text(p, "allowReplyTo"));
            }
            this.replyToAllow = List.copyOf(list);
            return this;
        }

        /** Whether to register the built-in {@code outpost.*} collectors; default true. */
        public Builder builtins(boolean enabled) {
            this.builtins = enabled;
            return this;
        }

        /** How many requests run at once, and so how many deliveries are held; default {@value #DEFAULT_CONCURRENCY}. */
        public Builder concurrency(int concurrency) {
            this.concurrency = Checks.range(concurrency, 1, 4096, "concurrency");
            return this;
        }

        /** How many threads poll the queue; default {@value #DEFAULT_POLLERS} (transports with slow receives want more). */
        public Builder pollers(int pollers) {
            this.pollers = Checks.range(pollers, 1, 64, "pollers");
            return this;
        }

        /** How long one receive waits for messages; default 20 s. */
        public Builder pollWait(Duration wait) {
            this.pollWait = Checks.nonNegative(wait, "pollWait");
            return this;
        }

        /**
         * How many times a message is tried: runs of a failing collector, attempts to publish its
         * response, unexpected failures; default {@value #DEFAULT_MAX_ATTEMPTS}.
         */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = Checks.range(maxAttempts, 1, 100, "maxAttempts");
            return this;
        }

        /** The retry delay: {@code initial} doubling up to {@code max}, with jitter; default 1 s to 60 s. */
        public Builder backoff(Duration initial, Duration max) {
            this.backoffInitial = Checks.nonNegative(initial, "backoff.initial");
            this.backoffMax = Checks.nonNegative(max, "backoff.max");
            return this;
        }

        /** How long a collector may run before it is interrupted; default 30 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Checks.positive(timeout, "timeout");
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
         * How long a delivery stays invisible: while a run goes on the worker extends it by this much
         * every half of it. Keep it at or below the queue's visibility timeout; default 30 s.
         */
        public Builder visibility(Duration visibility) {
            this.visibility = Checks.positive(visibility, "visibility");
            return this;
        }

        /** How long in-flight work gets to finish at shutdown; default 30 s. */
        public Builder drainTimeout(Duration drainTimeout) {
            this.drainTimeout = Checks.nonNegative(drainTimeout, "drainTimeout");
            return this;
        }

        /** The largest message accepted; larger ones are dead-lettered as oversize. Default 1 MiB. */
        public Builder maxMessageBytes(int bytes) {
            this.maxMessageBytes = Checks.range(bytes, 1, Integer.MAX_VALUE, "maxMessageBytes");
            return this;
        }

        /**
         * Drops redeliveries of the last {@code window} requests this worker answered (by sender and
         * request id); 0 (the default) turns it off.
         */
        public Builder suppressDuplicates(int window) {
            this.dedupeWindow = Checks.range(window, 0, 10_000_000, "dedupe");
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
            List<ConfigException.Problem> problems = new ArrayList<>();
            Resolver r = new Resolver(config, problems);
            String id = r.string(workerId, "outpost.worker.id", Hosts.workerId());
            String source = r.string(requests, "outpost.worker.requests", DEFAULT_REQUESTS);
            String dlq = r.string(deadLetter, "outpost.worker.dead-letter", DEFAULT_DEAD_LETTER);
            Optional<String> resp = Optional.ofNullable(r.string(responses, "outpost.worker.responses", null));
            int slots = r.integer(concurrency, "outpost.worker.concurrency", DEFAULT_CONCURRENCY, 1, 4096);
            int pollerCount = r.integer(pollers, "outpost.worker.pollers", DEFAULT_POLLERS, 1, 64);
            Duration wait = r.duration(pollWait, "outpost.worker.poll-wait", DEFAULT_POLL_WAIT, true);
            int attemptsDefault = r.integer(maxAttempts, "outpost.worker.max-attempts", DEFAULT_MAX_ATTEMPTS, 1, 100);
            Duration initial = r.duration(backoffInitial, "outpost.worker.backoff.initial", DEFAULT_BACKOFF_INITIAL, true);
            Duration max = r.duration(backoffMax, "outpost.worker.backoff.max", DEFAULT_BACKOFF_MAX, true);
            Duration timeoutDefault = r.duration(timeout, "outpost.worker.timeout", DEFAULT_TIMEOUT, false);
            Duration vis = r.duration(visibility, "outpost.worker.visibility", DEFAULT_VISIBILITY, false);
            Duration drain = r.duration(drainTimeout, "outpost.worker.drain-timeout", DEFAULT_DRAIN_TIMEOUT, true);
            int dedupe = r.integer(dedupeWindow, "outpost.worker.dedupe", DEFAULT_DEDUPE, 0, 10_000_000);
            int maxBytes = r.integer(maxMessageBytes, "outpost.worker.max-message-bytes", DEFAULT_MAX_MESSAGE_BYTES, 1,
                    Integer.MAX_VALUE);
            List<String> allowList = r.list(allow, "outpost.collectors.allow", List.of());
            List<String> replies = r.list(replyToAllow, "outpost.worker.reply-to.allow", DEFAULT_REPLY_TO_ALLOW);

            if (max.compareTo(initial) < 0) {
                problems.add(new ConfigException.Problem("outpost.worker.backoff", "max " + max + " is below initial " + initial));
            }
            if (pollerCount > slots) {
                problems.add(new ConfigException.Problem("outpost.worker.pollers", pollerCount + " pollers for " + slots
                        + " slots: a poller needs at least one free slot; use pollers <= concurrency"));
            }
            Map<String, Collector> all = new LinkedHashMap<>();
            Set<String> fromCode = new TreeSet<>();
            for (Collector c : collectors) {
                if (register(c, all, problems)) {
                    fromCode.add(c.name());
                }
            }
            for (Collector c : discovered) {
                if (!all.containsKey(c.name())) {
                    register(c, all, problems);
                }
            }
            Map<String, CollectorEntry> entries = new TreeMap<>();
            WorkerEngine[] engine = new WorkerEngine[1];
            Map<String, String> configView = configView(id, source, slots, allowList);
            if (builtins) {
                for (Collector c : Builtins.all(id, () -> engine[0].status(), () -> entries, () -> configView)) {
                    all.putIfAbsent(c.name(), c);
                }
            }
            Map<String, Map<String, String>> configured = collectorSettings(problems);
            for (String name : configured.keySet()) {
                if (!all.containsKey(name)) {
                    problems.add(new ConfigException.Problem("outpost.collectors." + name, "no collector named '" + name
                            + "' on this worker" + ConfigKeys.nearest(name, all.keySet()).map(n -> "; did you mean " + n + "?")
                            .orElse(" (registered: " + all.keySet() + ")")));
                }
            }
            for (Map.Entry<String, Collector> e : all.entrySet()) {
                String name = e.getKey();
                Collector c = e.getValue();
                JsonSchema schema;
                try {
                    schema = JsonSchema.of(c.paramsSchema());
                } catch (RuntimeException ex) {
                    problems.add(new ConfigException.Problem("collector " + name, "params schema: " + ex.getMessage()));
                    continue;
                }
                Map<String, String> fromConfig = configured.getOrDefault(name, Map.of());
                String prefix = "outpost.collectors." + name + ".";
                Duration t = timeouts.containsKey(name) ? timeouts.get(name)
                        : r.duration(null, prefix + "timeout", timeoutDefault, false);
                int a = attempts.containsKey(name) ? attempts.get(name)
                        : r.integer(null, prefix + "max-attempts", attemptsDefault, 1, 100);
                Map<String, String> own = new TreeMap<>(fromConfig);
                WORKER_COLLECTOR_KEYS.forEach(own::remove);
                own.putAll(settings.getOrDefault(name, Map.of()));
                Set<String> declared = ConfigKeys.get().under(prefix);
                if (!declared.isEmpty()) {
                    for (String k : own.keySet()) {
                        if (!declared.contains(prefix + k)) {
                            problems.add(ConfigKeys.get().unknown(prefix + k, config.flatMap(cs -> cs.sourceOf(prefix + k))));
                        }
                    }
                }
                try {
                    c.validateSettings(Map.copyOf(own));
                } catch (ConfigException ce) {
                    ce.problems().forEach(p -> problems.add(new ConfigException.Problem(
                            p.key().startsWith("outpost.") ? p.key() : prefix + p.key(), p.message())));
                } catch (RuntimeException ex) {
                    problems.add(new ConfigException.Problem(prefix + "*", "collector '" + name + "' refused its settings: "
                            + ex.getMessage()));
                }
                boolean allowed = allowList.isEmpty()
                        ? fromCode.contains(name) || Builtins.OPEN_BY_DEFAULT.contains(name)
                        : Patterns.anyMatches(allowList, name);
                entries.put(name, new CollectorEntry(c, schema, allowed, name.equals(Builtins.CONFIG), t, a, Map.copyOf(own)));
            }
            for (String pattern : allowList) {
                if (!pattern.equals("*") && all.keySet().stream().noneMatch(n -> Patterns.matches(pattern, n))) {
                    problems.add(new ConfigException.Problem("outpost.collectors.allow", "'" + pattern
                            + "' matches no registered collector (registered: " + all.keySet() + ")"));
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            int accepted = Math.min(maxBytes, transport.maxMessageBytes());
            engine[0] = new WorkerEngine(new WorkerSettings(id, transport, codec == null ? JsonCodec.create() : codec, source,
                    dlq, resp, entries, slots, pollerCount, wait, vis, drain, new Backoff(initial, max, 2.0), accepted,
                    attemptsDefault, dedupe, replies, listener, clock, ticker, threadFactory, configView));
            return new Worker(engine[0]);
        }

        private static boolean register(Collector c, Map<String, Collector> all, List<ConfigException.Problem> problems) {
            String name;
            try {
                name = c.name();
            } catch (RuntimeException e) {
                problems.add(new ConfigException.Problem("collector " + c.getClass().getName(), "name() threw " + e));
                return false;
            }
            if (name == null || !NAME.matcher(name).matches()) {
                problems.add(new ConfigException.Problem("collector " + name,
                        "names are lower-case letters, digits, '.', '-' and '_' (at most 128), e.g. disk.usage"));
                return false;
            }
            if (name.startsWith("outpost.")) {
                problems.add(new ConfigException.Problem("collector " + name, "names starting with 'outpost.' are reserved"));
                return false;
            }
            if (all.putIfAbsent(name, c) != null) {
                problems.add(new ConfigException.Problem("collector " + name, "registered twice"));
                return false;
            }
            return true;
        }

        /** {@code outpost.collectors.NAME.KEY} from configuration, by collector name. */
        private Map<String, Map<String, String>> collectorSettings(List<ConfigException.Problem> problems) {
            Map<String, Map<String, String>> out = new TreeMap<>();
            if (config.isEmpty()) {
                return out;
            }
            Set<String> names = new TreeSet<>();
            names.addAll(collectors.stream().map(Collector::name).filter(Objects::nonNull).toList());
            names.addAll(discovered.stream().map(Collector::name).filter(Objects::nonNull).toList());
            names.addAll(Builtins.NAMES);
            for (String key : config.get().keys()) {
                if (!key.startsWith("outpost.collectors.") || key.equals("outpost.collectors.allow")) {
                    continue;
                }
                String rest = key.substring("outpost.collectors.".length());
                // names contain dots: the longest registered name that prefixes the key wins
                String name = names.stream().filter(n -> rest.startsWith(n + ".")).max((a, b) -> a.length() - b.length())
                        .orElse(rest.contains(".") ? rest.substring(0, rest.lastIndexOf('.')) : rest);
                String setting = rest.length() > name.length() ? rest.substring(name.length() + 1) : "";
                if (setting.isEmpty()) {
                    problems.add(new ConfigException.Problem(key, "collector settings are outpost.collectors.NAME.KEY"));
                    continue;
                }
                out.computeIfAbsent(name, k -> new TreeMap<>()).put(setting, config.get().string(key).orElse(""));
            }
            return out;
        }

        private Map<String, String> configView(String id, String source, int slots, List<String> allowList) {
            Map<String, String> out = new TreeMap<>();
            config.ifPresent(c -> {
                if (c instanceof dev.outpost.core.config.OutpostConfig oc) {
                    out.putAll(oc.redacted());
                } else {
                    c.keys().forEach(k -> out.put(k, ConfigKeys.get().isShowable(k) ? c.string(k).orElse("") : "****"));
                }
            });
            out.put("outpost.worker.id", id);
            out.put("outpost.worker.requests", source);
            out.put("outpost.worker.concurrency", Integer.toString(slots));
            out.put("outpost.collectors.allow", String.join(",", allowList));
            return Map.copyOf(out);
        }
    }

    /** Picks explicit value, else configuration, else default; bad configured values become problems. */
    private static final class Resolver {
        private final Optional<ConfigSource> config;
        private final List<ConfigException.Problem> problems;

        Resolver(Optional<ConfigSource> config, List<ConfigException.Problem> problems) {
            this.config = config;
            this.problems = problems;
        }

        String string(String explicit, String key, String fallback) {
            if (explicit != null) {
                return explicit;
            }
            Optional<String> v = config.flatMap(c -> c.string(key)).filter(s -> !s.isBlank());
            return v.orElse(fallback);
        }

        int integer(Integer explicit, String key, int fallback, int min, int max) {
            if (explicit != null) {
                return explicit;
            }
            try {
                Optional<Integer> v = config.flatMap(c -> c.intValue(key));
                if (v.isPresent() && (v.get() < min || v.get() > max)) {
                    problems.add(new ConfigException.Problem(key, "must be between " + min + " and " + max + ", was " + v.get()
                            + config.get().from(key)));
                    return fallback;
                }
                return v.orElse(fallback);
            } catch (ConfigException e) {
                problems.addAll(e.problems());
                return fallback;
            }
        }

        Duration duration(Duration explicit, String key, Duration fallback, boolean zeroAllowed) {
            if (explicit != null) {
                return explicit;
            }
            try {
                Optional<Duration> v = config.flatMap(c -> c.duration(key));
                if (v.isPresent() && (v.get().isNegative() || (!zeroAllowed && v.get().isZero()))) {
                    problems.add(new ConfigException.Problem(key, "must be " + (zeroAllowed ? "zero or more" : "positive")
                            + ", was " + v.get() + config.get().from(key)));
                    return fallback;
                }
                return v.orElse(fallback);
            } catch (ConfigException e) {
                problems.addAll(e.problems());
                return fallback;
            }
        }

        List<String> list(List<String> explicit, String key, List<String> fallback) {
            if (explicit != null) {
                return explicit;
            }
            if (config.isPresent() && config.get().string(key).isPresent()) {
                return config.get().list(key);
            }
            return fallback;
        }
    }
}
