package dev.outpost.ops;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.ops.internal.ActionRunner;
import dev.outpost.ops.internal.Actions;
import dev.outpost.ops.internal.DueUndos;
import dev.outpost.ops.internal.RuleConfig;
import dev.outpost.ops.internal.Templates;
import dev.outpost.ops.internal.Text;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Registry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link Rule}s on {@link Observation}s: {@link #offer} queues an observation (bounded; a full
 * queue drops it and counts), one thread matches it against every rule and does the actions of
 * those that match, within each rule's rate limit. An undo is written to the registry (under
 * {@code outpost.ops.rules.store}, default {@code ops/undo/}) before its action runs, and is done
 * when the clock passes its time, by this engine or by a new one over the same registry after a
 * restart; it is deleted once done. In dry-run mode (engine-wide or per rule) actions are announced
 * to the notifier and nothing is called, written or stored.
 *
 * <p>Rules come from {@link Builder#rule} or from {@code outpost.ops.rules.NAME.*} (see the
 * module's README), validated at {@link Builder#build()}.
 */
public final class RulesEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RulesEngine.class);
    /** The longest pause before a failed undo is tried again. */
    static final Duration MAX_UNDO_PAUSE = Duration.ofMinutes(15);
    private static final Observation TICK = new Observation("-", "-", java.util.Set.of(), JsonNodeFactory.instance.nullNode());

    private final Fleet fleet;
    private final Optional<Registry> registry;
    private final List<Rule> rules;
    private final Consumer<String> notifier;
    private final Clock clock;
    private final boolean dryRun;
    private final String store;
    private final Duration poll;
    private final ActionRunner actions;
    /** Empty without a registry: nowhere to keep undos. */
    private final Optional<DueUndos> undos;
    private final BlockingQueue<Observation> queue;
    private final Lifecycle lifecycle;
    private final Map<String, Deque<Instant>> firings = new HashMap<>();
    private final Map<String, Deque<Instant>> refusals = new HashMap<>();
    private final Map<String, AtomicLong> counters = new TreeMap<>();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong handled = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<ShutdownResult>> stopping =
            new java.util.concurrent.atomic.AtomicReference<>();

    private RulesEngine(Builder b) {
        fleet = b.fleet;
        registry = b.registry;
        rules = List.copyOf(b.rules);
        notifier = b.notifier;
        clock = b.clock;
        dryRun = b.dryRun;
        store = b.store;
        poll = b.poll;
        actions = new ActionRunner(fleet, registry, b.callTimeout, notifier, () -> counters.get("failures").incrementAndGet());
        queue = new ArrayBlockingQueue<>(b.queue);
        lifecycle = new Lifecycle("outpost-ops-rules", new OwnedThreads("ops-rules", Optional.ofNullable(b.threads)));
        undos = registry.map(r -> new DueUndos(r, store, poll, MAX_UNDO_PAUSE, actions, notifier, counters::get, rules));
        for (String c : List.of("observed", "matched", "fired", "rate-limited", "dry-run", "undone", "failures", "dropped",
                "refused", "unreadable", "undos-lost", "undos-rejected")) {
            counters.put(c, new AtomicLong());
        }
    }

    /** An engine acting on {@code fleet}. */
    public static Builder builder(Fleet fleet) {
        return new Builder(fleet);
    }

    /** The rules, as configured. */
    public List<Rule> rules() {
        return rules;
    }

    /** Starts the engine's thread. @throws IllegalStateException when started before */
    public RulesEngine start() {
        lifecycle.start();
        lifecycle.startThread("loop", this::loop);
        return this;
    }

    /** Queues {@code o} for the rules; false when the queue is full or the engine not running. */
    public boolean offer(Observation o) {
        Objects.requireNonNull(o, "o");
        accepted.incrementAndGet();
        if (!lifecycle.running() || !queue.offer(o)) {
            counters.get("dropped").incrementAndGet();
            handled.incrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * Whether every observation offered so far has been handled (its actions taken and notified);
     * an action's own answers, observed while it runs, are offered before it counts as handled.
     */
    public boolean idle() {
        return handled.get() == accepted.get();
    }

    /** Counters: observed, matched, fired, rate-limited, dry-run, undone, failures, dropped, refused, unreadable, undos-lost, undos-rejected. */
    public Map<String, Long> stats() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Undos stored and not yet done. */
    public int pendingUndos() {
        return registry.map(r -> r.list(store).size()).orElse(0);
    }

    private void loop() {
        try {
            handleUntilStopped();
        } finally {
            undos.ifPresent(u -> guarded(u::storeOrReportKept));
        }
    }

    private void handleUntilStopped() {
        // after shutdown the observations already queued are still handled (bounded by the shutdown wait)
        while (lifecycle.running() || !queue.isEmpty()) {
            try {
                Observation o = queue.poll(poll.toNanos(), TimeUnit.NANOSECONDS);
                boolean real = o != null && o != TICK;
                try {
                    if (real) {
                        for (Rule r : rules) {
                            guarded(() -> apply(r, o));
                        }
                    }
                    undos.ifPresent(u -> guarded(() -> u.runDue(clock.instant())));
                    if (real) {
                        // counted once fully handled (its due undos included), so a reader of stats sees the effects
                        counters.get("observed").incrementAndGet();
                    }
                } finally {
                    if (real) {
                        handled.incrementAndGet();
                    }
                }
            } catch (InterruptedException e) {
                if (!lifecycle.running()) {
                    return;
                }
            } catch (Throwable e) { // an Error from an action never stops the loop
                counters.get("failures").incrementAndGet();
                LOG.warn("rules loop", e);
            }
        }
    }

    private void guarded(Runnable r) {
        try {
            r.run();
        } catch (Throwable e) { // user code (fleet, registry, notifier) boundary
            counters.get("failures").incrementAndGet();
            LOG.warn("rule action failed", e);
        }
    }

    private void apply(Rule r, Observation o) {
        if (!r.matches(o)) {
            return;
        }
        counters.get("matched").incrementAndGet();
        Instant now = clock.instant();
        Deque<Instant> fired = firings.computeIfAbsent(r.name(), n -> new ArrayDeque<>());
        if (!withinRate(fired, r, now)) {
            counters.get("rate-limited").incrementAndGet();
            return;
        }
        ObjectNode action;
        Optional<ObjectNode> undoAction;
        try {
            action = Actions.resolved(r.action(), r, o);
            undoAction = r.undo().map(u -> Actions.resolved(u.action(), r, o));
        } catch (Templates.UnsafeValue e) {
            counters.get("refused").incrementAndGet();
            // not counted in the firings' rate: a host's refused values must not keep the rule from acting on
            // others'; announced within a rate of their own, so they cannot flood the chat either
            Deque<Instant> announced = refusals.computeIfAbsent(r.name(), n -> new ArrayDeque<>());
            if (withinRate(announced, r, now)) {
                announced.addLast(now);
                LOG.warn("rule {} on {}: not run: {}", r.name(), Text.oneLine(o.host()), e.getMessage());
                notifier.accept("rule " + r.name() + " on " + Text.oneLine(o.host()) + " not run: " + e.getMessage());
            }
            return;
        }
        if (r.maxFirings() != Integer.MAX_VALUE) { // a rule without a rate keeps no times: they would grow with its firings
            fired.addLast(now);
        }
        if (dryRun || r.dryRun()) {
            notifier.accept("[dry-run] rule " + r.name() + " on " + Text.oneLine(o.host()) + " would: " + Actions.describe(r.action(), r, o)
                    + r.undo().map(u -> "; undone after " + u.after()).orElse(""));
            counters.get("dry-run").incrementAndGet();
            return;
        }
        if (r.undo().isPresent() && registry.isPresent()) {
            // stored first: a crash between storing and acting undoes an action that never ran, which is harmless
            ObjectNode rec = Actions.undoRecord(r.name(), o.host(), now.plus(r.undo().get().after()), undoAction.orElseThrow());
            registry.get().register(store + now.toEpochMilli() + "-" + UUID.randomUUID(), rec, Optional.empty());
        }
        counters.get("fired").incrementAndGet();
        actions.run(Actions.fromStored(action), o.host());
        notifier.accept("rule " + r.name() + " on " + Text.oneLine(o.host()) + ": " + Actions.describe(r.action(), r, o));
    }

    /** Whether {@code times} (dropping those out of the rule's window) leaves room for one more. */
    private static boolean withinRate(Deque<Instant> times, Rule r, Instant now) {
        while (!times.isEmpty() && !times.peekFirst().isAfter(now.minus(r.window()))) {
            times.pollFirst();
        }
        return times.size() < r.maxFirings();
    }

    /**
     * Stops taking observations, handles those already queued, and stops the thread; stored undos stay
     * for the next engine. An undo the registry would not take back is tried once more, else logged
     * and announced, and the result is not clean. Idempotent, the same future every call.
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        CompletableFuture<ShutdownResult> f = stopping.get();
        if (f == null) {
            stopping.compareAndSet(null, lifecycle.shutdown(Duration.ofSeconds(10), false, () -> queue.offer(TICK))
                    .thenApply(r -> counters.get("undos-lost").get() == 0 ? r
                            : new ShutdownResult(false, r.threadsStillAlive(), r.handedBack(), r.took())));
            f = stopping.get();
        }
        return f;
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        try {
            shutdown().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Builds a {@link RulesEngine}. */
    public static final class Builder {
        private final Fleet fleet;
        private Optional<Registry> registry = Optional.empty();
        private final List<Rule> rules = new ArrayList<>();
        private Consumer<String> notifier = m -> LOG.info("{}", m);
        private Clock clock = Clock.systemUTC();
        private Boolean dryRun;
        private String store;
        private Duration poll;
        private Duration callTimeout = Duration.ofSeconds(30);
        private Integer queue;
        private ThreadFactory threads; // empty: Outpost's named threads
        private ConfigSource config;

        private Builder(Fleet fleet) {
            this.fleet = Objects.requireNonNull(fleet, "fleet");
        }

        /** Where undos are stored and registry actions write. */
        public Builder registry(Registry registry) {
            this.registry = Optional.of(registry);
            return this;
        }

        /** Adds a rule (beside configured ones). */
        public Builder rule(Rule rule) {
            rules.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /** Where notify actions and announcements go (the chat); default the log. */
        public Builder notifier(Consumer<String> notifier) {
            this.notifier = Objects.requireNonNull(notifier, "notifier");
            return this;
        }

        /** The clock for rate limits and undo times. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Announce every action instead of doing it. */
        public Builder dryRun(boolean on) {
            this.dryRun = on;
            return this;
        }

        /** The registry prefix undos are stored under (default {@code ops/undo/}). */
        public Builder store(String prefix) {
            this.store = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** How often due undos are looked for (default 1 s). */
        public Builder poll(Duration poll) {
            this.poll = Objects.requireNonNull(poll, "poll");
            return this;
        }

        /**
         * How long a call action waits for its hosts (default 30 s).
         *
         * @throws IllegalArgumentException when not positive or over 3650d: every call action would fail at run time
         */
        public Builder callTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(RuleConfig.MAX_DURATION) > 0) {
                throw new IllegalArgumentException("callTimeout must be positive and at most 3650d, was " + timeout);
            }
            this.callTimeout = timeout;
            return this;
        }

        /** Makes the engine's thread. */
        public Builder threadFactory(ThreadFactory threads) {
            this.threads = Objects.requireNonNull(threads, "threads");
            return this;
        }

        /** Binds {@code outpost.ops.rules.*}: dry-run, store, poll, queue and the rules. */
        public Builder configure(ConfigSource config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** @throws ConfigException naming every bad key, its value and where it was set */
        public RulesEngine build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            if (config != null) {
                rules.addAll(RuleConfig.read(config, problems));
                try {
                    if (dryRun == null) {
                        dryRun = config.booleanValue("outpost.ops.rules.dry-run").orElse(null);
                    }
                    if (poll == null) {
                        poll = config.duration("outpost.ops.rules.poll").orElse(null);
                    }
                    if (queue == null) {
                        queue = config.intValue("outpost.ops.rules.queue").orElse(null);
                    }
                } catch (ConfigException e) {
                    problems.addAll(e.problems());
                }
                if (store == null) {
                    store = config.string("outpost.ops.rules.store").filter(s -> !s.isBlank()).orElse(null);
                }
            }
            dryRun = dryRun != null && dryRun;
            poll = poll != null ? poll : Duration.ofSeconds(1);
            queue = queue != null ? queue : 10_000;
            store = store != null ? store : "ops/undo/";
            if (poll.isNegative() || poll.isZero() || poll.compareTo(Duration.ofDays(1)) > 0) {
                problems.add(new ConfigException.Problem("outpost.ops.rules.poll", "must be positive and at most 1d, was " + poll));
            }
            if (queue < 1 || queue > 1_000_000) {
                problems.add(new ConfigException.Problem("outpost.ops.rules.queue", "must be 1 to 1000000, was " + queue));
            }
            RuleConfig.checkBounds(rules, problems); // rules passed in code too: the clock must add these at every firing
            boolean needsRegistry = rules.stream().anyMatch(r -> r.undo().isPresent() || r.action().kind() == Rule.Kind.REGISTRY);
            if (needsRegistry && registry.isEmpty()) {
                problems.add(new ConfigException.Problem("outpost.ops.rules",
                        "a rule with an undo or a registry action needs a registry (RulesEngine.Builder.registry)"));
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new RulesEngine(this);
        }
    }
}
