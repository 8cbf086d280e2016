package dev.outpost.fleet;

import dev.outpost.ConfigException;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ShutdownResult;
import dev.outpost.core.Client;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.fleet.internal.AnswerRouter;
import dev.outpost.fleet.internal.CallState;
import dev.outpost.fleet.internal.ConfigValues;
import dev.outpost.fleet.internal.Destinations;
import dev.outpost.fleet.internal.FleetAttributes;
import dev.outpost.fleet.internal.FleetContext;
import dev.outpost.fleet.internal.Inventory;
import dev.outpost.fleet.internal.Pings;
import dev.outpost.fleet.internal.PollPacing;
import dev.outpost.fleet.internal.Sweeper;
import dev.outpost.spi.Codec;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Registry;
import dev.outpost.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls many hosts at once and accounts for every one: discovery of the expected set (the
 * registry's inventory, or an {@code outpost.ping} broadcast), a send over the fleet topic or to
 * each host, results as they arrive, and a summary with exactly one {@link Outcome} per expected
 * host. Rollouts walk the set in batches within an error budget.
 *
 * <pre>{@code
 * try (Fleet fleet = Fleet.builder(transport).registry(registry).build().start()) {
 *     FleetCall call = fleet.call(FleetRequest.builder("outpost.ping").target(Selector.parse("tag:web")).build());
 *     FleetSummary summary = call.summary().join();
 * }
 * }</pre>
 *
 * <p>Threads: the client's poller and timer (answers are accounted on the poller, which runs no
 * user code), one timer for deadlines and pauses, and, unless a {@linkplain Builder#callbackExecutor
 * callback executor} is given, one thread for listeners and futures.
 */
public final class Fleet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Fleet.class);
    /** Default topic every worker's queue subscribes to. */
    public static final String DEFAULT_TOPIC = "fleet";
    /** Default time a call waits for answers. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
    /** Default largest expected set. */
    public static final int DEFAULT_MAX_HOSTS = 100_000;
    /** Default request destinations the fleet sends to directly: the per-host queues workers read, {@code requests-ID}. */
    public static final List<String> DEFAULT_DESTINATIONS = Destinations.DEFAULT;

    private static final Duration LOCAL_LINGER = Duration.ofMillis(1);
    private static final Duration NETWORK_LINGER = Duration.ofMillis(100);

    private enum State { NEW, RUNNING, STOPPED }

    private final Transport transport;
    private final Codec codec;
    private final Optional<Registry> registry;
    private final String topic;
    private final Duration deadline;
    private final int maxHosts;
    private final Destinations destinations;
    private final Clock clock;
    private final LongSupplier ticker;
    private final OwnedThreads threads;
    private final Guard guard;
    private final Sweeper sweeper;
    private final Client client;
    private final Optional<Executor> userExecutor;
    private volatile ExecutorService ownExecutor;
    private final AnswerRouter router = new AnswerRouter();
    private final Map<String, CallState> active = router.active();
    private final Pings pinger;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CompletableFuture<ShutdownResult> terminated = new CompletableFuture<>();
    private final LongAdder calls = new LongAdder();
    private final FleetContext context;
    private volatile Thread timer;
    private final Optional<PollPacing> pacing;

    private Fleet(Builder b, String topic, Duration deadline, int maxHosts, Destinations destinations, Optional<String> replyTo) {
        this.transport = b.transport;
        this.codec = b.codec.orElseGet(JsonCodec::create);
        this.registry = b.registry;
        this.topic = topic;
        this.deadline = deadline;
        this.maxHosts = maxHosts;
        this.destinations = destinations;
        this.clock = b.clock;
        this.ticker = b.ticker;
        this.threads = new OwnedThreads("fleet", b.threadFactory, true);
        this.guard = new Guard("fleet");
        this.sweeper = new Sweeper(ticker, ticker == Sweeper.SYSTEM_TICKER, 5, guard);
        this.userExecutor = b.callbackExecutor;
        // over a network, receives wait out the calls' deadlines in one long poll rather than many short ones
        this.pacing = transport.receivesLocally() ? Optional.empty() : Optional.of(new PollPacing(transport, System::nanoTime));
        Client.Builder cb = Client.builder(pacing.isPresent() ? pacing.get() : transport).codec(codec).ticker(ticker)
                // the poller only does the accounting; listeners run on the fleet's callback executor
                .callbackExecutor(Runnable::run).onDecoded(router::route)
                // answers of a fleet call come in hundreds at once: take several per receive (in memory: per
                // wake-up of the poller; over a network: per API call, where a receive costs far more)
                .receiveLinger(transport.receivesLocally() ? LOCAL_LINGER : NETWORK_LINGER)
                .pollers(1) // the pacing waits out a call's deadline in one long poll: more pollers would each poll
                .threadFactory(r -> threads.newThread(r, "client"));
        replyTo.ifPresent(cb::replyTo);
        b.pollWait.ifPresent(cb::pollWait);
        this.client = cb.build();
        this.pinger = new Pings(client, topic, ticker, sweeper, router.pings(), pacing, maxHosts, () -> state.get() == State.RUNNING);
        this.context = new FleetContext(clock, ticker, sweeper, guard, registry,
                () -> userExecutor.isPresent() ? userExecutor.get() : ownExecutor, router, transport, codec, client, topic, pacing,
                destinations);
    }

    /** A builder for a fleet calling through {@code transport}. */
    public static Builder builder(Transport transport) {
        return new Builder(transport);
    }

    /**
     * Starts receiving answers.
     *
     * @throws IllegalStateException when started before
     * @throws dev.outpost.spi.NoSuchDestinationException when the reply destination does not exist
     */
    public Fleet start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException("fleet on '" + client.replyTo() + "' was already started");
        }
        if (userExecutor.isEmpty()) {
            ownExecutor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                    threads.role("callbacks"));
        }
        Thread t = threads.newThread(sweeper::loop, "timer");
        timer = t;
        t.start();
        client.start();
        return this;
    }

    /** Where answers come back. */
    public String replyTo() {
        return client.replyTo();
    }

    /**
     * The hosts {@code selector} selects: from the registry's inventory when the fleet has a
     * registry (no wait), else those that answer an {@code outpost.ping} broadcast on the topic
     * within the fleet's deadline.
     */
    public Discovery discover(Selector selector) {
        return discover(selector, deadline);
    }

    /** {@link #discover(Selector)}, waiting at most {@code pingDeadline} for ping answers. */
    public Discovery discover(Selector selector, Duration pingDeadline) {
        Objects.requireNonNull(selector, "selector");
        ensureRunning();
        long t0 = ticker.getAsLong();
        if (registry.isPresent()) {
            Inventory.Read inventory = Inventory.read(registry.get(), destinations);
            List<HostRecord> hosts = Inventory.withOwnDestinations(inventory.hosts(),
                    inventory.hosts().stream().filter(selector::matches).toList());
            checkSize(hosts.size());
            return new Discovery(Discovery.Source.REGISTRY, hosts, Duration.ofNanos(ticker.getAsLong() - t0), inventory.refused(),
                    inventory.refusedHosts());
        }
        return pinger.ping(selector, FleetRequest.positive(pingDeadline, "pingDeadline")).join();
    }

    /**
     * Discovers the expected set ({@link FleetRequest#hosts()}, else {@link #discover}) and calls
     * every host. With no registry this waits for the ping deadline before sending.
     */
    public FleetCall call(FleetRequest request) {
        return start(request, expectedSet(request), Optional.empty());
    }

    /** Calls the hosts of {@code expected}. */
    public FleetCall call(FleetRequest request, Discovery expected) {
        return start(request, expected, Optional.empty());
    }

    /** Discovers the expected set and rolls the request out over it by {@code plan}. */
    public FleetCall rollout(FleetRequest request, RolloutPlan plan) {
        return start(request, expectedSet(request), Optional.of(plan));
    }

    /** Rolls the request out over {@code expected} by {@code plan}. */
    public FleetCall rollout(FleetRequest request, Discovery expected, RolloutPlan plan) {
        return start(request, expected, Optional.of(Objects.requireNonNull(plan, "plan")));
    }

    /** A call of this fleet not settled yet. */
    public Optional<FleetCall> call(String requestId) {
        return Optional.ofNullable(active.get(requestId)).map(FleetCall::new);
    }

    /** Every host sent a request by this fleet and not settled yet, over all calls. */
    public List<PendingCall> pending() {
        List<PendingCall> out = new ArrayList<>();
        active.values().forEach(c -> out.addAll(c.pending()));
        return out;
    }

    /** Counters since start. */
    public FleetStats stats() {
        return new FleetStats(calls.sum(), active.size(), router.answers(), router.late(), router.unmatched() + pinger.unmatched(),
                router.impostors(), client.undecodableResponses(), guard.failures());
    }

    private Discovery expectedSet(FleetRequest request) {
        Objects.requireNonNull(request, "request");
        if (request.hosts().isPresent()) {
            long t0 = ticker.getAsLong();
            Optional<Inventory.Read> inventory = registry.map(r -> Inventory.read(r, destinations));
            List<HostRecord> hosts = Inventory.listed(request.hosts().get(), inventory, clock.instant());
            checkSize(hosts.size());
            return new Discovery(Discovery.Source.LIST, hosts, Duration.ofNanos(ticker.getAsLong() - t0),
                    inventory.map(Inventory.Read::refused).orElse(0L), inventory.map(Inventory.Read::refusedHosts).orElse(List.of()));
        }
        return discover(request.target(), request.deadline().orElse(deadline));
    }

    private FleetCall start(FleetRequest request, Discovery given, Optional<RolloutPlan> plan) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(given, "expected");
        // a set the caller built may name one destination for two hosts, as an inventory may, or one the fleet does not send to
        List<HostRecord> allowed = Inventory.withAllowedDestinations(given.hosts(), destinations);
        Discovery expected = new Discovery(given.source(), Inventory.withOwnDestinations(allowed, allowed), given.took(),
                given.refusedEntries(), given.refusedHosts());
        ensureRunning();
        checkSize(expected.hosts().size());
        Duration wait = request.deadline().orElse(deadline);
        Duration ttl = request.ttl().orElse(wait);
        boolean cancellable = request.cancellable().orElse(registry.isPresent());
        boolean viaTopic = switch (request.route()) {
            case TOPIC -> true;
            case DIRECT -> false;
            // rollouts send host by host: directly wherever the destination is known
            case AUTO -> plan.isEmpty() && expected.hosts().stream().anyMatch(h -> h.requests().isEmpty())
                    || plan.isEmpty() && expected.source() == Discovery.Source.REGISTRY && expected.hosts().size() > 1
                            && request.target().equals(Selector.all());
        };
        Request.Builder rb = Request.builder(request.collector()).params(request.params()).replyTo(client.replyTo());
        request.attributes().forEach(rb::attribute);
        if (cancellable) {
            rb.attribute(FleetAttributes.CANCELLABLE, "true");
        }
        if (viaTopic && plan.isEmpty()) {
            Optional<String> select = FleetAttributes.topicSelector(request.target(), expected);
            select.ifPresent(s -> rb.attribute(FleetAttributes.SELECT, s));
        }
        CallState cs = new CallState(context, rb.build(), expected, wait, ttl, viaTopic, cancellable, request.listener(), plan);
        active.put(cs.requestId(), cs);
        if (state.get() != State.RUNNING) { // shut down since the check above: its cancelling may have missed this call
            active.remove(cs.requestId(), cs);
            ensureRunning();
        }
        calls.increment();
        try {
            cs.begin();
        } catch (RuntimeException | Error e) {
            // the caller gets no handle on it: left in the map, it would count as active for ever and take its answers
            active.remove(cs.requestId(), cs);
            throw e;
        }
        return new FleetCall(cs);
    }

    private void checkSize(int n) {
        if (n > maxHosts) {
            throw new IllegalArgumentException("the expected set has " + n + " hosts, more than maxHosts " + maxHosts);
        }
    }

    private void ensureRunning() {
        State s = state.get();
        if (s != State.RUNNING) {
            throw new IllegalStateException(s == State.NEW ? "fleet is not started: Fleet.builder(transport).build().start()"
                    : "fleet is closed");
        }
    }

    /**
     * Stops receiving; calls not settled are cancelled caller-side (their summaries complete). A summary still
     * waiting for listener calls once the fleet's threads have ended (or 5 s passed) completes without them.
     * Idempotent: every call returns the same future.
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        State was = state.getAndSet(State.STOPPED);
        if (was == State.STOPPED) {
            return terminated;
        }
        long t0 = System.nanoTime();
        List.copyOf(active.values()).forEach(CallState::cancelAll);
        pinger.endAll(); // the timer that ends them stops: with what they heard
        sweeper.stop();
        Thread t = timer;
        if (t != null) {
            t.interrupt();
        }
        ShutdownResult c = was == State.RUNNING ? client.shutdown().join() : client.shutdown().join();
        ExecutorService e = ownExecutor;
        if (e != null) {
            e.shutdown();
        }
        List<String> alive = threads.awaitTermination(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        // the timer that bounds their wait is stopped: summaries still waiting for listener calls go now
        List.copyOf(router.holding()).forEach(CallState::stopWaiting);
        terminated.complete(new ShutdownResult(alive.isEmpty() && c.clean(), alive, 0, Duration.ofNanos(System.nanoTime() - t0)));
        return terminated;
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        ShutdownResult r = shutdown().join();
        if (!r.clean()) {
            log.warn("fleet closed, but these threads were still running: {}", r.threadsStillAlive());
        }
    }

    /**
     * Builds a {@link Fleet}. Values set by a method win over {@link #configure configuration};
     * every problem is reported at {@link #build()}. Not thread-safe.
     */
    public static final class Builder {
        private final Transport transport;
        private Optional<Codec> codec = Optional.empty();
        private Optional<Registry> registry = Optional.empty();
        private Optional<String> topic = Optional.empty();
        private Optional<String> replyTo = Optional.empty();
        private Optional<Duration> deadline = Optional.empty();
        private Optional<Duration> pollWait = Optional.empty();
        private Optional<Integer> maxHosts = Optional.empty();
        private Optional<List<String>> allowDestinations = Optional.empty();
        private Optional<Executor> callbackExecutor = Optional.empty();
        private Clock clock = Clock.systemUTC();
        private LongSupplier ticker = Sweeper.SYSTEM_TICKER;
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();

        private Builder(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
        }

        /** The codec; must match the workers' (a {@code SealedCodec} for sealed fleets). Default {@link JsonCodec#create()}. */
        public Builder codec(Codec codec) {
            this.codec = Optional.of(Objects.requireNonNull(codec, "codec"));
            return this;
        }

        /** The registry holding the inventory (and cancellations); without one, discovery pings. */
        public Builder registry(Registry registry) {
            this.registry = Optional.of(Objects.requireNonNull(registry, "registry"));
            return this;
        }

        /** The topic every worker's queue subscribes to ({@code outpost.fleet.topic}, default {@value #DEFAULT_TOPIC}). */
        public Builder topic(String topic) {
            this.topic = Optional.of(text(topic, "topic"));
            return this;
        }

        /** Where answers come back ({@code outpost.fleet.reply-to}); default a fresh {@code outpost-client-…} name. */
        public Builder replyTo(String destination) {
            this.replyTo = Optional.of(text(destination, "replyTo"));
            return this;
        }

        /** How long calls wait by default ({@code outpost.fleet.deadline}, default 30 s). */
        public Builder deadline(Duration deadline) {
            this.deadline = Optional.of(FleetRequest.positive(deadline, "deadline"));
            return this;
        }

        /** How long one receive of answers waits (the client's poll wait). */
        public Builder pollWait(Duration wait) {
            this.pollWait = Optional.of(Objects.requireNonNull(wait, "wait"));
            return this;
        }

        /** The largest expected set ({@code outpost.fleet.max-hosts}, default 100,000). */
        public Builder maxHosts(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxHosts must be at least 1, was " + max);
            }
            this.maxHosts = Optional.of(max);
            return this;
        }

        /**
         * The request destinations the fleet sends to directly: exact names, {@code *} for all, or prefixes ending in
         * {@code *} ({@code outpost.fleet.destinations.allow}); replaces the default {@code requests, requests-*}. Whoever may
         * write the registry writes the destinations inventory entries name, while the fleet sends with its own
         * credentials: an entry naming another destination is left out of discovery, counted
         * ({@link Discovery#refusedEntries()}, {@link FleetSummary#refusedEntries()}) and logged, and a host of an
         * expected set the caller built that names one is reached over the topic instead.
         *
         * @throws IllegalArgumentException when none is given, or one is blank or has a {@code *} before its end
         */
        public Builder allowDestinations(String... patterns) {
            Objects.requireNonNull(patterns, "patterns");
            List<String> list = List.of(patterns);
            Destinations.of(list); // checked now: a bad pattern is the caller's mistake
            this.allowDestinations = Optional.of(list);
            return this;
        }

        /**
         * Where listeners and summaries run; default one thread the fleet owns. One that throws (or rejects) has them
         * run on the fleet's own thread instead. A call's summary waits for its listener calls (up to one deadline
         * after its last host settled): listeners that may block want an executor with more than one thread.
         */
        public Builder callbackExecutor(Executor executor) {
            this.callbackExecutor = Optional.of(Objects.requireNonNull(executor, "executor"));
            return this;
        }

        /** Where results are timestamped. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where deadlines and pauses are read (nanoseconds). */
        public Builder ticker(LongSupplier nanoTicker) {
            this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
            return this;
        }

        /** Makes every thread of the fleet (and of its client). */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(factory, "factory"));
            return this;
        }

        /** Takes {@code outpost.fleet.*} from {@code config} for what no method set. */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * Builds the fleet; nothing is started before {@link Fleet#start()}.
         *
         * @throws ConfigException naming every bad value
         */
        public Fleet build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            String t = topic.or(() -> configured("outpost.fleet.topic")).orElse(DEFAULT_TOPIC);
            Optional<String> reply = replyTo.or(() -> configured("outpost.fleet.reply-to"));
            Duration d = deadline.orElseGet(() -> ConfigValues.positiveDuration(config, "outpost.fleet.deadline", DEFAULT_DEADLINE,
                    problems));
            int max = maxHosts.orElseGet(() -> ConfigValues.positiveInt(config, "outpost.fleet.max-hosts", DEFAULT_MAX_HOSTS,
                    problems));
            Destinations allowed = allowDestinations.map(Destinations::of)
                    .orElseGet(() -> ConfigValues.destinations(config, "outpost.fleet.destinations.allow", problems));
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new Fleet(this, t, d, max, allowed, reply);
        }

        private Optional<String> configured(String key) {
            return config.flatMap(c -> c.string(key)).map(String::trim).filter(s -> !s.isEmpty());
        }

        private static String text(String s, String what) {
            Objects.requireNonNull(s, what);
            if (s.isBlank()) {
                throw new IllegalArgumentException(what + " must not be blank");
            }
            return s;
        }
    }
}
