package dev.outpost.fleet.internal;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.fleet.FleetMember;
import dev.outpost.fleet.HostRecord;
import dev.outpost.spi.Collector;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a {@link FleetMember} registers, kept current: its id, destination, collectors and tags, the facts configured
 * and those {@code host.facts} last returned (the newest run wins over one that returns later), and the start time,
 * rebuilt into one {@link HostRecord} whenever the facts or the start time change. Separate from the member, which
 * keeps its lifecycle, heartbeat and registration, so that what the record holds and when it changes is read in one
 * place.
 */
public final class MemberRecord {
    private final String id;
    private final String requests;
    private final List<String> collectors;
    private final Optional<Collector> factsCollector;
    private final Set<String> tags;
    private final Map<String, String> configuredFacts;
    private final Clock clock;
    private final Guard guard;
    private volatile Instant startedAt;
    private volatile Map<String, String> collectedFacts = Map.of();
    /** Facts runs started, and the latest whose result was kept: guarded by {@link #factsLock}. */
    private long factsRuns;
    private long factsKept;
    private final Object factsLock = new Object();
    /**
     * What {@link #current()} returns (the filter reads it per request), rebuilt under {@link #factsLock} whenever the
     * facts or the start time change: a cache filled lazily could be filled from facts a refresh had just replaced.
     */
    private volatile HostRecord current;

    /** {@code guard} runs {@code host.facts}, whose failure is logged and counted there. */
    public MemberRecord(String id, String requests, List<String> collectors, Optional<Collector> factsCollector,
            Set<String> tags, Map<String, String> configuredFacts, Clock clock, Guard guard) {
        this.id = id;
        this.requests = requests;
        this.collectors = List.copyOf(collectors);
        this.factsCollector = factsCollector;
        this.tags = Set.copyOf(tags);
        this.configuredFacts = Map.copyOf(configuredFacts);
        this.clock = clock;
        this.guard = guard;
        this.startedAt = clock.instant();
        this.current = build();
    }

    /** The record as it stands. */
    public HostRecord current() {
        return current;
    }

    /** The member started now: the record says so. */
    public void started() {
        synchronized (factsLock) {
            startedAt = clock.instant();
            current = build();
        }
    }

    private HostRecord build() {
        Map<String, String> facts = new TreeMap<>(collectedFacts);
        facts.putAll(configuredFacts);
        return new HostRecord(id, requests, collectors, tags, facts, startedAt);
    }

    /** Runs {@code host.facts} (if the worker has it) and keeps what it returned for the next write. */
    public void refreshFacts() {
        if (factsCollector.isEmpty()) {
            return;
        }
        long run;
        synchronized (factsLock) {
            run = ++factsRuns;
        }
        guard.run("collector " + FleetMember.FACTS_COLLECTOR, () -> {
            try {
                Object result = factsCollector.get().collect(Request.builder(FleetMember.FACTS_COLLECTOR).build(),
                        new LocalContext(clock, Duration.ofSeconds(30)));
                Map<String, String> facts = HostJson.flatten(Json.toTree(result));
                synchronized (factsLock) {
                    // runs overlap (the member's own, a caller's): one that started earlier but returns later read older facts
                    if (run > factsKept) {
                        factsKept = run;
                        collectedFacts = facts;
                        current = build();
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException("host.facts failed: " + e, e);
            }
        });
    }
}
