package dev.outpost.fleet;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The end of a fleet call: exactly one {@link HostResult} per expected host, and what came back
 * that was not expected, kept apart.
 *
 * @param requestId the call's request id
 * @param collector the collector requested
 * @param source where the expected set came from
 * @param results one result per expected host, by host id
 * @param unexpected answers from hosts outside the expected set (counted, never mixed in)
 * @param unexpectedHosts the first 100 of those hosts' ids
 * @param duplicates further answers from a host that had already answered
 * @param late answers that came after their host was settled as {@code no-reply}, {@code expired}
 *     or {@code cancelled} (answers after the summary are counted by {@link FleetCall#lateAnswers()})
 * @param abortReason for a rollout that stopped early: why
 * @param took from the call to the summary
 * @param impostors answers refused because the sender the codec authenticated is not the host they
 *     name (a sealed fleet): counted, never mixed in; the host named stays without its answer
 * @param impostorAnswers the first {@value #MAX_LISTED} of those: host claimed, real sender
 * @param refusedEntries inventory entries discovery left out because the request destination they
 *     name is not one the fleet sends to ({@link Discovery#refusedEntries()})
 * @param refusedHosts the first {@value #MAX_LISTED} of those entries' host ids
 */
public record FleetSummary(String requestId, String collector, Discovery.Source source, SortedMap<String, HostResult> results,
        long unexpected, List<String> unexpectedHosts, long duplicates, long late, Optional<String> abortReason, Duration took,
        long impostors, List<Impostor> impostorAnswers, long refusedEntries, List<String> refusedHosts) {
    /** How many unexpected hosts and impostor answers a summary lists (all are counted). */
    public static final int MAX_LISTED = 100;

    /** Validates and copies the components. */
    public FleetSummary {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(collector, "collector");
        Objects.requireNonNull(source, "source");
        results = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(results));
        unexpectedHosts = List.copyOf(unexpectedHosts);
        Objects.requireNonNull(abortReason, "abortReason");
        Objects.requireNonNull(took, "took");
        impostorAnswers = List.copyOf(impostorAnswers.subList(0, Math.min(MAX_LISTED, impostorAnswers.size())));
        if (impostors < impostorAnswers.size()) {
            throw new IllegalArgumentException("impostors (" + impostors + ") counts fewer answers than are listed ("
                    + impostorAnswers.size() + ")");
        }
        refusedHosts = List.copyOf(refusedHosts.subList(0, Math.min(MAX_LISTED, refusedHosts.size())));
        if (refusedEntries < refusedHosts.size()) {
            throw new IllegalArgumentException("refusedEntries (" + refusedEntries + ") counts fewer entries than are listed ("
                    + refusedHosts.size() + ")");
        }
    }

    /** A summary without refused inventory entries (the shape before they were reported). */
    public FleetSummary(String requestId, String collector, Discovery.Source source, SortedMap<String, HostResult> results,
            long unexpected, List<String> unexpectedHosts, long duplicates, long late, Optional<String> abortReason, Duration took,
            long impostors, List<Impostor> impostorAnswers) {
        this(requestId, collector, source, results, unexpected, unexpectedHosts, duplicates, late, abortReason, took, impostors,
                impostorAnswers, 0, List.of());
    }

    /** A summary without impostor answers (the shape before they were reported). */
    public FleetSummary(String requestId, String collector, Discovery.Source source, SortedMap<String, HostResult> results,
            long unexpected, List<String> unexpectedHosts, long duplicates, long late, Optional<String> abortReason, Duration took) {
        this(requestId, collector, source, results, unexpected, unexpectedHosts, duplicates, late, abortReason, took, 0, List.of(),
                0, List.of());
    }

    /** How many hosts ended in each state (every state present, zero included). */
    public Map<Outcome, Integer> counts() {
        Map<Outcome, Integer> c = new EnumMap<>(Outcome.class);
        for (Outcome o : Outcome.values()) {
            c.put(o, 0);
        }
        results.values().forEach(r -> c.merge(r.outcome(), 1, Integer::sum));
        return c;
    }

    /** The hosts that ended in {@code outcome}, sorted. */
    public List<String> hosts(Outcome outcome) {
        return results.values().stream().filter(r -> r.outcome() == outcome).map(HostResult::host).toList();
    }

    /** The hosts that never answered: {@code no-reply}, {@code expired} and {@code not-delivered}. */
    public List<String> nonResponders() {
        return results.values().stream()
                .filter(r -> r.outcome() == Outcome.NO_REPLY || r.outcome() == Outcome.EXPIRED || r.outcome() == Outcome.NOT_DELIVERED)
                .map(HostResult::host).toList();
    }

    /** Whether every expected host answered {@code ok}. */
    public boolean allOk() {
        return results.values().stream().allMatch(r -> r.outcome() == Outcome.OK);
    }

    /** One line: the request, the counts of states that occurred, the extras. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("FleetSummary[").append(requestId).append(' ').append(collector)
                .append(", ").append(results.size()).append(" hosts from ").append(source.name().toLowerCase(java.util.Locale.ROOT));
        counts().forEach((o, n) -> {
            if (n > 0) {
                b.append(", ").append(o.code()).append(' ').append(n);
            }
        });
        if (unexpected + duplicates + late > 0) {
            b.append(", unexpected ").append(unexpected).append(", duplicates ").append(duplicates).append(", late ").append(late);
        }
        if (impostors > 0) {
            b.append(", impostors ").append(impostors);
        }
        if (refusedEntries > 0) {
            b.append(", refused inventory entries ").append(refusedEntries);
        }
        abortReason.ifPresent(r -> b.append(", aborted: ").append(r));
        return b.append(", took ").append(took.toMillis()).append(" ms]").toString();
    }
}
