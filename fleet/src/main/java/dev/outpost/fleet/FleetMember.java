package dev.outpost.fleet;

import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.RequestFilter;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.fleet.internal.HostFilter;
import dev.outpost.fleet.internal.MemberRecord;
import dev.outpost.fleet.internal.Registration;
import dev.outpost.fleet.internal.Sweeper;
import dev.outpost.spi.Collector;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Registry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's entry in the fleet inventory: started beside the worker, it registers the host at
 * {@code fleet/hosts/ID} in any {@link Registry} with its id, request destination, collectors,
 * tags and facts, refreshes the entry's time to live every heartbeat, deletes it on a graceful
 * stop, and lets it expire when the process dies.
 *
 * <pre>{@code
 * FleetMember member = FleetMember.builder(registry).id("web-1").tags("web").collectors(collectors).build();
 * Worker worker = Worker.builder(transport).id("web-1").collectors(collectors)
 *         .filter(member.filter()).build();
 * worker.start();
 * member.start();
 * }</pre>
 *
 * <p><b>Registry cost.</b> One write at start, one {@code replace} per heartbeat (default every
 * 5 minutes: 12 writes per host per hour, 120,000 per hour for 10,000 hosts, about 33 per second,
 * each one item under 1 KB on DynamoDB), one delete at stop. Facts are read again every
 * {@code facts-refresh} and ride on the next heartbeat's write: a change costs no extra write. The
 * {@link #filter() filter} reads the registry only for requests a caller marked cancellable.
 */
public final class FleetMember implements AutoCloseable {
    /** The registry prefix of the inventory: {@code fleet/hosts/ID}. */
    public static final String HOSTS_PREFIX = "fleet/hosts/";
    /** Default time between refreshes of the entry. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofMinutes(5);
    /** Default time between runs of {@code host.facts}. */
    public static final Duration DEFAULT_FACTS_REFRESH = Duration.ofHours(1);
    /** The collector whose result becomes the host's facts. */
    public static final String FACTS_COLLECTOR = "host.facts";
    private static final Logger log = LoggerFactory.getLogger(FleetMember.class);

    private enum State { NEW, RUNNING, STOPPED }

    private final Registry registry;
    private final String id;
    private final Duration heartbeat;
    private final Duration ttl;
    private final Duration factsRefresh;
    private final LongSupplier ticker;
    private final OwnedThreads threads;
    private final Guard guard;
    private final Sweeper sweeper;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CompletableFuture<ShutdownResult> terminated = new CompletableFuture<>();
    private final Registration registration;
    private final HostFilter filter;
    private final Object lock = new Object();
    private final MemberRecord record;
    private volatile Thread timer;

    private FleetMember(Builder b, String id, String requests, Set<String> tags, Map<String, String> facts,
            Duration heartbeat, Duration ttl, Duration factsRefresh) {
        this.registry = b.registry;
        this.id = id;
        this.heartbeat = heartbeat;
        this.ttl = ttl;
        this.factsRefresh = factsRefresh;
        this.ticker = b.ticker;
        this.threads = new OwnedThreads("fleet-member", b.threadFactory, true);
        this.guard = new Guard("fleet member " + id);
        this.sweeper = new Sweeper(ticker, ticker == Sweeper.SYSTEM_TICKER, 1000, guard); // heartbeats are minutes apart: a wake-up a second is plenty
        this.record = new MemberRecord(id, requests, List.copyOf(b.collectors.keySet()),
                Optional.ofNullable(b.collectors.get(FACTS_COLLECTOR)), tags, facts, b.clock, guard);
        this.registration = new Registration(registry, id, ttl);
        this.filter = new HostFilter(registry, this::record);
    }

    /** A builder for a member registering in {@code registry}. */
    public static Builder builder(Registry registry) {
        return new Builder(registry);
    }

    /** This host's id. */
    public String id() {
        return id;
    }

    /** What this member registers (or last registered). */
    public HostRecord record() {
        return record.current();
    }

    /**
     * The filter for this host's worker ({@code Worker.Builder.filter}): before anything runs, a
     * topic broadcast whose selector does not select this host is acked quietly (no answer, no
     * dead-letter copy), and a request a fleet caller cancelled (see {@link Fleet}) is answered
     * {@code rejected} with reason {@code cancelled} and acked without a dead-letter copy. Every
     * other request passes. Reads the registry only for requests a caller marked cancellable.
     */
    public RequestFilter filter() {
        return filter;
    }

    /** Requests the {@link #filter() filter} refused as cancelled. */
    public long cancelledRequests() {
        return filter.cancelled();
    }

    /** Topic broadcasts the {@link #filter() filter} acked quietly because they select other hosts. */
    public long notSelectedRequests() {
        return filter.notSelected();
    }

    /**
     * Reads the facts, registers the entry and starts the heartbeat thread. A registry that is
     * down does not stop the start: the heartbeat retries.
     *
     * @throws IllegalStateException when started before
     */
    public FleetMember start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException("fleet member " + id + " was already started");
        }
        record.started();
        refreshFacts();
        beat();
        sweeper.schedule(Sweeper.nanos(heartbeat), this::heartbeatTask);
        sweeper.schedule(Sweeper.nanos(factsRefresh), this::factsTask);
        Thread t = threads.newThread(sweeper::loop, "heartbeat");
        timer = t;
        t.start();
        return this;
    }

    /** Registry writes made so far (register, refresh, delete). */
    public long writes() {
        return registration.writes();
    }

    /** Registry operations that failed (retried at the next heartbeat). */
    public long failures() {
        return registration.failures();
    }

    /** Refreshes the entry now (also what the heartbeat does). */
    public void beat() {
        synchronized (lock) {
            if (state.get() == State.RUNNING) {
                registration.write(record());
            }
        }
    }

    private void heartbeatTask() {
        if (state.get() == State.RUNNING) {
            try {
                beat();
            } finally { // whatever a beat throws, the next one comes: without it a live host leaves the inventory
                sweeper.schedule(Sweeper.nanos(heartbeat), this::heartbeatTask);
            }
        }
    }

    private void factsTask() {
        if (state.get() == State.RUNNING) {
            try {
                refreshFacts();
            } finally {
                sweeper.schedule(Sweeper.nanos(factsRefresh), this::factsTask);
            }
        }
    }

    /** Runs {@code host.facts} (if the worker has it) and keeps what it returned for the next write. */
    public void refreshFacts() {
        record.refreshFacts();
    }

    /**
     * Deletes the entry (only if it is still ours) and stops the heartbeat. Idempotent: every
     * call returns the same future.
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        State was = state.getAndSet(State.STOPPED);
        if (was == State.STOPPED) {
            return terminated;
        }
        long t0 = System.nanoTime();
        sweeper.stop();
        if (was == State.RUNNING) {
            synchronized (lock) {
                registration.delete();
            }
        }
        Thread t = timer;
        if (t != null) {
            t.interrupt();
        }
        List<String> alive = threads.awaitTermination(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        terminated.complete(new ShutdownResult(alive.isEmpty(), alive, 0, Duration.ofNanos(System.nanoTime() - t0)));
        return terminated;
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        shutdown().join();
    }

    @Override
    public String toString() {
        return "FleetMember[" + id + ", heartbeat " + heartbeat + ", ttl " + ttl + "]";
    }

    /**
     * Builds a {@link FleetMember}. Values set by a method win over {@link #configure
     * configuration}; every problem is reported at {@link #build()}. Not thread-safe.
     */
    public static final class Builder {
        private final Registry registry;
        private String id;
        private String requests;
        private final Map<String, Collector> collectors = new LinkedHashMap<>();
        private Set<String> tags;
        private final Map<String, String> facts = new TreeMap<>();
        private Duration heartbeat;
        private Duration ttl;
        private Duration factsRefresh;
        private Clock clock = Clock.systemUTC();
        private LongSupplier ticker = Sweeper.SYSTEM_TICKER;
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();

        private Builder(Registry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** The host id: the same as the worker's ({@code outpost.fleet.host.id}, else {@code outpost.worker.id}). */
        public Builder id(String id) {
            this.id = HostRecord.checkId(id);
            return this;
        }

        /** The destination the worker reads ({@code outpost.fleet.host.requests}, else {@code outpost.worker.requests}). */
        public Builder requests(String destination) {
            this.requests = requireText(destination, "requests");
            return this;
        }

        /** The worker's collectors: their names are listed, and {@code host.facts}, if among them, supplies facts. */
        public Builder collectors(Iterable<? extends Collector> collectors) {
            for (Collector c : collectors) {
                this.collectors.put(c.name(), c);
            }
            return this;
        }

        /** Tags ({@code outpost.fleet.host.tags}); replaces configured ones. */
        public Builder tags(String... tags) {
            Set<String> t = new LinkedHashSet<>();
            for (String s : tags) {
                t.add(checkTag(s));
            }
            this.tags = t;
            return this;
        }

        /** One fact, winning over the same fact from {@code host.facts} and from configuration. */
        public Builder fact(String name, String value) {
            facts.put(requireText(name, "fact name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** How often the entry is refreshed; default 5 minutes. */
        public Builder heartbeat(Duration every) {
            this.heartbeat = positive(every, "heartbeat");
            return this;
        }

        /** The entry's time to live; default 3 heartbeats. Must exceed the heartbeat. */
        public Builder ttl(Duration ttl) {
            this.ttl = positive(ttl, "ttl");
            return this;
        }

        /** How often {@code host.facts} runs again; default 1 hour. */
        public Builder factsRefresh(Duration every) {
            this.factsRefresh = positive(every, "factsRefresh");
            return this;
        }

        /** Where {@code startedAt} is read. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where heartbeat times are read (nanoseconds). */
        public Builder ticker(LongSupplier nanoTicker) {
            this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
            return this;
        }

        /** Makes the member's one thread (the heartbeat). */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(factory, "factory"));
            return this;
        }

        /** Takes {@code outpost.fleet.host.*} from {@code config} for what no method set. */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * Builds the member; nothing is written and no thread started before {@link FleetMember#start()}.
         *
         * @throws ConfigException naming every bad value
         */
        public FleetMember build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            String hostId = id;
            if (hostId == null) {
                Optional<String> c = text("outpost.fleet.host.id").or(() -> text("outpost.worker.id"));
                if (c.isEmpty()) {
                    problems.add(new ConfigException.Problem("outpost.fleet.host.id",
                            "a host id is required (FleetMember.Builder.id, outpost.fleet.host.id or outpost.worker.id)"));
                } else {
                    try {
                        hostId = HostRecord.checkId(c.get());
                    } catch (IllegalArgumentException e) {
                        problems.add(new ConfigException.Problem("outpost.fleet.host.id", e.getMessage()));
                    }
                }
            }
            String req = requests != null ? requests
                    : text("outpost.fleet.host.requests").or(() -> text("outpost.worker.requests")).orElse("requests");
            Set<String> t = tags;
            if (t == null) {
                t = new LinkedHashSet<>();
                for (String s : config.map(c -> c.list("outpost.fleet.host.tags")).orElse(List.of())) {
                    try {
                        t.add(checkTag(s));
                    } catch (IllegalArgumentException e) {
                        problems.add(new ConfigException.Problem("outpost.fleet.host.tags", e.getMessage()));
                    }
                }
            }
            Map<String, String> f = new TreeMap<>();
            for (String s : config.map(c -> c.list("outpost.fleet.host.facts")).orElse(List.of())) {
                int eq = s.indexOf('=');
                if (eq <= 0) {
                    problems.add(new ConfigException.Problem("outpost.fleet.host.facts", "'" + s + "' is not NAME=VALUE"));
                } else {
                    f.put(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
                }
            }
            f.putAll(facts);
            Duration hb = duration(heartbeat, "outpost.fleet.host.heartbeat", DEFAULT_HEARTBEAT, problems);
            Duration tt = duration(ttl, "outpost.fleet.host.ttl", threeBeats(hb, problems), problems);
            Duration fr = duration(factsRefresh, "outpost.fleet.host.facts-refresh", DEFAULT_FACTS_REFRESH, problems);
            if (tt.compareTo(hb) <= 0) {
                problems.add(new ConfigException.Problem("outpost.fleet.host.ttl", "the ttl (" + tt
                        + ") must be longer than the heartbeat (" + hb + "), or live hosts expire between beats"));
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new FleetMember(this, hostId, req, t, f, hb, tt, fr);
        }

        /** The default ttl, three heartbeats; a heartbeat too long for that is reported unless a ttl is given. */
        private Duration threeBeats(Duration hb, List<ConfigException.Problem> problems) {
            try {
                return hb.multipliedBy(3);
            } catch (ArithmeticException tooLong) {
                if (ttl == null && !config.flatMap(c -> c.string("outpost.fleet.host.ttl")).filter(s -> !s.isBlank()).isPresent()) {
                    problems.add(new ConfigException.Problem("outpost.fleet.host.heartbeat", "is too long for the default ttl of"
                            + " three heartbeats, was " + hb + "; set outpost.fleet.host.ttl"));
                }
                return Duration.ofSeconds(Long.MAX_VALUE, 999_999_999); // not used: a ttl is given, or the problem stops build()
            }
        }

        private Duration duration(Duration set, String key, Duration dflt, List<ConfigException.Problem> problems) {
            if (set != null) {
                return set;
            }
            try {
                Optional<Duration> d = config.flatMap(c -> c.string(key).filter(s -> !s.isBlank()).isPresent()
                        ? c.duration(key) : Optional.empty());
                if (d.isPresent() && (d.get().isNegative() || d.get().isZero())) {
                    problems.add(new ConfigException.Problem(key, "must be positive, was " + d.get()));
                    return dflt;
                }
                return d.orElse(dflt);
            } catch (ConfigException e) {
                problems.addAll(e.problems());
                return dflt;
            }
        }

        private Optional<String> text(String key) {
            return config.flatMap(c -> c.string(key)).map(String::trim).filter(s -> !s.isEmpty());
        }
    }

    static String checkTag(String tag) {
        Objects.requireNonNull(tag, "tag");
        if (!tag.matches("[A-Za-z0-9._:/-]{1,64}")) {
            throw new IllegalArgumentException("tags are 1 to 64 of [A-Za-z0-9._:/-], was '" + tag + "'");
        }
        return tag;
    }

    private static String requireText(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return s;
    }

    private static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
        return d;
    }
}
