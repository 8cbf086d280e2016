package dev.outpost.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.core.Worker;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.fleet.Fleet;
import dev.outpost.fleet.FleetMember;
import dev.outpost.fleet.HostRecord;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.testing.internal.ClockWaiter;
import dev.outpost.testing.internal.FaultTransport;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fleet of workers in one JVM, on one in-memory transport, one in-memory registry and one
 * {@link TestClock}, with faults injected per host: so that code built on {@link Fleet} calls can
 * be tested against every outcome in milliseconds.
 *
 * <pre>{@code
 * try (TestFleet hosts = TestFleet.builder().hosts(100).collector(Collector.of("app.work", (r, c) -> "done"))
 *         .fault("host-007", Fault.fail()).fault("host-042", Fault.offline(Duration.ofMinutes(5))).build().start();
 *      Fleet fleet = hosts.fleet().build().start()) {
 *     FleetCall call = fleet.call(FleetRequest.builder("app.work").deadline(Duration.ofSeconds(30)).build());
 *     hosts.awaitIdle(Duration.ofSeconds(10));   // the hosts that answer without waiting have answered
 *     hosts.advance(Duration.ofSeconds(31));
 *     FleetSummary summary = call.summary().join();
 * }
 * }</pre>
 *
 * <p>Hosts are named {@code host-001}…; each reads its own queue {@code requests-ID}, subscribed to
 * the fleet topic, and registers at {@code fleet/hosts/ID} (tags and facts as configured). Time
 * moves only with {@link #advance}: deadlines, ttls, slow collectors, delayed answers and offline
 * periods all follow it. {@link #awaitIdle} waits for what does not.
 */
public final class TestFleet implements AutoCloseable {
    private final TestClock clock;
    private final InMemoryTransport transport;
    private final InMemoryRegistry registry;
    private final ClockWaiter waiter;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final List<Collector> collectors;
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    /** Where the hosts have sent answers: the reply queues of the fleets and clients calling them. */
    private final java.util.Set<String> answeredTo = ConcurrentHashMap.newKeySet();
    private volatile boolean started;

    private final class Host {
        final String id;
        final String queue;
        final List<Fault> faults;
        final List<String> tags;
        final Map<String, String> facts;
        volatile Worker worker;
        volatile FleetMember member;
        volatile FaultTransport view;
        volatile Optional<Instant> offlineUntil = Optional.empty();
        /** Whether its worker was started and not stopped or killed since. */
        volatile boolean running;
        /** The instants its (slow) collector runs wait for, by run. */
        final Map<Object, Instant> waitingForClock = new ConcurrentHashMap<>();

        Host(String id, List<Fault> faults, List<String> tags, Map<String, String> facts) {
            this.id = id;
            this.queue = "requests-" + id;
            this.faults = faults;
            this.tags = tags;
            this.facts = facts;
        }

        void bring() {
            List<Collector> wrapped = collectors.stream().map(c -> wrap(this, c)).toList();
            FleetMember.Builder mb = FleetMember.builder(registry).id(id).requests(queue).collectors(wrapped)
                    .tags(tags.toArray(String[]::new)).clock(clock).ticker(clock.ticker());
            facts.forEach(mb::fact);
            FleetMember m = mb.build();
            FaultTransport v = new FaultTransport(transport, queue, faults, clock, () -> crash(this), to -> {
                if (!to.equals(Worker.DEFAULT_DEAD_LETTER)) { // nobody reads it in a test fleet
                    answeredTo.add(to);
                }
            });
            Worker w = Worker.builder(v).id(id).requests(queue).collectors(wrapped).concurrency(1)
                    .filter(m.filter()).clock(clock).ticker(clock.ticker())
                    .pollWait(Duration.ofSeconds(1)).drainTimeout(Duration.ofMillis(500)).build();
            view = v;
            member = m;
            worker = w;
        }
    }

    private TestFleet(Builder b) {
        this.clock = b.clock;
        this.transport = InMemoryTransport.builder().ticker(clock.ticker()).build();
        this.registry = InMemoryRegistry.create(clock);
        this.waiter = new ClockWaiter(clock);
        this.collectors = List.copyOf(b.collectors);
        transport.topic(Fleet.DEFAULT_TOPIC);
        for (int i = 1; i <= b.count; i++) {
            String id = String.format(b.idFormat, i);
            if (hosts.put(id, new Host(id, b.faults.getOrDefault(id, List.of()), b.tags.getOrDefault(id, List.of()),
                    b.facts.getOrDefault(id, Map.of()))) != null) {
                throw new IllegalArgumentException("idFormat '" + b.idFormat + "' gives the id " + id + " to more than one host");
            }
        }
        // A fault on a misspelt or missing host would never fire, and the test meant to exercise it would pass.
        for (Map<String, ?> perHost : List.of(b.faults, b.tags, b.facts)) {
            for (String id : perHost.keySet()) {
                if (!hosts.containsKey(id)) {
                    throw new IllegalArgumentException("no host " + id + " in this test fleet (hosts " + hosts.keySet().iterator().next()
                            + " to " + String.format(b.idFormat, b.count) + "): its faults, tags or facts would never apply");
                }
            }
        }
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts every host (hosts with an {@link Fault.Kind#OFFLINE} fault register, and their workers start later). */
    public TestFleet start() {
        if (started) {
            throw new IllegalStateException("the test fleet was already started");
        }
        started = true;
        for (Host h : hosts.values()) {
            transport.subscribe(Fleet.DEFAULT_TOPIC, h.queue);
            h.bring();
            Optional<Fault> off = h.faults.stream().filter(f -> f.kind() == Fault.Kind.OFFLINE).findFirst();
            h.member.start();
            if (off.isPresent()) {
                h.offlineUntil = Optional.of(clock.instant().plus(off.get().duration()));
            } else {
                h.worker.start();
                h.running = true;
            }
        }
        return this;
    }

    /** A {@link Fleet} builder for calling these hosts: same transport, registry and clock. */
    public Fleet.Builder fleet() {
        return Fleet.builder(transport).registry(registry).clock(clock).ticker(clock.ticker()).pollWait(Duration.ofSeconds(1));
    }

    /**
     * Moves time: deadlines, ttls, slow collectors, delayed answers and offline periods follow. It
     * does not wait for the hosts: what should happen before the jump (answers that need no time)
     * must have happened when it is called, which {@link #awaitIdle} makes sure of.
     */
    public void advance(Duration d) {
        clock.advance(d);
        waiter.moved();
        Instant now = clock.instant();
        for (Host h : hosts.values()) {
            FaultTransport v = h.view;
            if (v != null) {
                v.release();
            }
            if (h.offlineUntil.isPresent() && !now.isBefore(h.offlineUntil.get())) {
                h.offlineUntil = Optional.empty();
                h.worker.start();
                h.running = true;
            }
        }
    }

    /**
     * Waits until the hosts, and whoever calls them, have done everything they can do without the
     * clock moving: each running host has taken every request on its queue and answered it (but for
     * runs of a {@link Fault#slow} collector, which wait for the clock, and the requests queued
     * behind them), and every answer the hosts sent has been taken from its reply queue (by a
     * {@link Fleet} or client still running: one that reads nothing keeps this waiting). What is
     * left waits for {@link #advance}: delayed answers, offline hosts, deadlines, ttls and backoffs.
     * Real time passes here, at most {@code timeout}; the clock does not move, so the outcomes are
     * those of a fleet that answers at once. A rollout starts its next hosts on the fleet's own
     * thread after an answer is taken: wait for a rollout's steps with {@link
     * dev.outpost.fleet.FleetCall#awaitHost}.
     *
     * @throws AssertionError when there is still something to do after {@code timeout}: it says what
     */
    public void awaitIdle(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 50_000;
        Optional<String> busy;
        // the in-memory transport tells nobody when a queue empties: look again, soon at first, then every few ms
        while ((busy = busy()).isPresent()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("the test fleet was not idle within " + timeout + ": " + busy.get());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(pause);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for the test fleet to be idle");
            }
            pause = Math.min(pause * 2, 5_000_000);
        }
    }

    /** What is still to be done without the clock moving, if anything. */
    private Optional<String> busy() {
        for (Host h : hosts.values()) {
            if (!h.running) {
                continue; // offline, stopped or killed: what is on its queue waits for the clock or a restart
            }
            long queued = transport.depth(h.queue).orElse(0);
            int inFlight = transport.inFlight(h.queue);
            // a run whose instant has come is about to go on, though its thread may not have woken yet
            Instant now = clock.instant();
            int waiting = (int) h.waitingForClock.values().stream().filter(now::isBefore).count();
            // concurrency 1: a run waiting for the clock holds the only slot, and what is queued waits behind it
            if (inFlight > waiting || queued > 0 && waiting == 0) {
                return Optional.of(h.id + " has " + queued + " requests queued and " + Math.max(0, inFlight - waiting) + " running");
            }
        }
        for (String q : answeredTo) {
            long queued = transport.depth(q).orElse(0);
            int inFlight = transport.inFlight(q);
            if (queued > 0 || inFlight > 0) {
                return Optional.of(queued + " answers wait in '" + q + "' and " + inFlight + " are being taken in"
                        + " (is a fleet or client still reading it?)");
            }
        }
        return Optional.empty();
    }

    /** Stops a host gracefully: its worker drains and its inventory entry is removed. */
    public void stop(String id) {
        Host h = host(id);
        h.running = false;
        h.offlineUntil = Optional.empty(); // stopped: the end of an offline period must not start it
        h.worker.shutdown().join();
        h.member.shutdown().join();
    }

    /**
     * Kills a host: its worker stops at once (unfinished requests go back to its queue) and its
     * inventory entry stays until its ttl, as after a {@code kill -9}.
     */
    public void kill(String id) {
        crash(host(id));
    }

    /** Starts a stopped or killed host again, with a fresh worker on the same queue. */
    public void restart(String id) {
        Host h = host(id);
        h.running = false;
        h.offlineUntil = Optional.empty(); // running from now: the end of an offline period must not start it twice
        h.worker.shutdown().join();
        h.member.shutdown().join();
        h.bring();
        h.member.start();
        h.worker.start();
        h.running = true;
    }

    private void crash(Host h) {
        h.running = false;
        h.offlineUntil = Optional.empty();
        Optional<RegistryEntry> entry = registry.get(HostRecord.key(h.id));
        Worker w = h.worker;
        FleetMember m = h.member;
        // the worker thread that meets the crash must not wait for itself
        Thread t = new Thread(() -> {
            w.shutdown();
            m.shutdown().join();
            entry.ifPresent(e -> {
                Duration left = e.expiresAt().map(x -> Duration.between(clock.instant(), x)).orElse(Duration.ofMinutes(15));
                if (!left.isNegative() && !left.isZero()) {
                    try {
                        registry.register(e.key(), e.value(), Optional.of(left));
                    } catch (RuntimeException ignored) {
                        // a newer entry is there already
                    }
                }
            });
        }, "test-fleet-crash-" + h.id);
        t.start();
        try {
            if (Thread.currentThread() != t) {
                t.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Host host(String id) {
        Host h = hosts.get(id);
        if (h == null) {
            throw new IllegalArgumentException("no host " + id + " in this test fleet");
        }
        return h;
    }

    private Collector wrap(Host h, Collector c) {
        return new Collector() {
            @Override
            public String name() {
                return c.name();
            }

            @Override
            public String description() {
                return c.description();
            }

            @Override
            public JsonNode paramsSchema() {
                return c.paramsSchema();
            }

            @Override
            public Object collect(Request request, CollectorContext context) throws Exception {
                runs.computeIfAbsent(h.id, k -> new AtomicInteger()).incrementAndGet();
                for (Fault f : h.faults) {
                    if (!f.when().test(request)) {
                        continue;
                    }
                    if (f.kind() == Fault.Kind.SLOW) {
                        Object run = new Object();
                        Instant until = clock.instant().plus(f.duration());
                        h.waitingForClock.put(run, until);
                        try {
                            waiter.awaitInstant(until);
                        } finally {
                            h.waitingForClock.remove(run);
                        }
                    } else if (f.kind() == Fault.Kind.FAIL) {
                        throw CollectorException.permanent("injected", "fault injected on " + h.id);
                    }
                }
                return c.collect(request, context);
            }
        };
    }

    /** The host ids, in order. */
    public List<String> ids() {
        return List.copyOf(hosts.keySet());
    }

    /** How many times collectors ran on each host (hosts that ran nothing are absent). */
    public Map<String, Integer> runs() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        runs.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** The shared transport. */
    public InMemoryTransport transport() {
        return transport;
    }

    /** The shared registry holding the inventory. */
    public Registry registry() {
        return registry;
    }

    /** The clock every part reads. */
    public TestClock clock() {
        return clock;
    }

    /** A host's current worker. */
    public Worker worker(String id) {
        return host(id).worker;
    }

    /** Stops every host and the transport. */
    @Override
    public void close() {
        waiter.moved();
        List<java.util.concurrent.CompletableFuture<?>> stops = new ArrayList<>();
        for (Host h : hosts.values()) {
            if (h.worker != null) {
                stops.add(h.worker.shutdown());
            }
        }
        // slow collectors wait for the clock: move it far so their threads end
        clock.advance(Duration.ofDays(1));
        waiter.moved();
        stops.forEach(java.util.concurrent.CompletableFuture::join);
        hosts.values().forEach(h -> {
            if (h.member != null) {
                h.member.shutdown();
            }
        });
        transport.close();
    }

    /** Builds a {@link TestFleet}. */
    public static final class Builder {
        private int count = 10;
        private String idFormat = "host-%03d";
        private TestClock clock = TestClock.create();
        private final List<Collector> collectors = new ArrayList<>();
        private final Map<String, List<Fault>> faults = new ConcurrentHashMap<>();
        private final Map<String, List<String>> tags = new ConcurrentHashMap<>();
        private final Map<String, Map<String, String>> facts = new ConcurrentHashMap<>();

        private Builder() {}

        /** How many hosts; default 10. */
        public Builder hosts(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("count must be at least 1, was " + count);
            }
            this.count = count;
            return this;
        }

        /** How ids are made from 1, 2…; default {@code host-%03d}. */
        public Builder idFormat(String format) {
            this.idFormat = Objects.requireNonNull(format, "format");
            return this;
        }

        /** The clock. */
        public Builder clock(TestClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** A collector every host runs. */
        public Builder collector(Collector collector) {
            collectors.add(Objects.requireNonNull(collector, "collector"));
            return this;
        }

        /** A fault on host {@code id}. */
        public Builder fault(String id, Fault fault) {
            faults.computeIfAbsent(id, k -> new ArrayList<>()).add(Objects.requireNonNull(fault, "fault"));
            return this;
        }

        /** Tags of host {@code id}. */
        public Builder tags(String id, String... tags) {
            this.tags.put(id, List.of(tags));
            return this;
        }

        /** A fact of host {@code id}. */
        public Builder fact(String id, String name, String value) {
            facts.computeIfAbsent(id, k -> new LinkedHashMap<>()).put(name, value);
            return this;
        }

        /**
         * Builds the fleet; nothing runs before {@link TestFleet#start()}.
         *
         * @throws IllegalArgumentException when a fault, tag or fact names a host the fleet does not have,
         *     or the id format gives two hosts one id
         */
        public TestFleet build() {
            return new TestFleet(this);
        }
    }
}
