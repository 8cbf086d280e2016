package dev.outpost.fleet;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The expected set of a fleet call and where it came from.
 *
 * @param source the registry's inventory, a ping broadcast, or a list the caller gave
 * @param hosts the hosts, sorted by id
 * @param took how long discovery took
 * @param refusedEntries inventory entries left out because the request destination they name is not
 *     one the fleet sends to ({@code outpost.fleet.destinations.allow}), whatever they select
 * @param refusedHosts the first {@value FleetSummary#MAX_LISTED} of those entries' host ids
 */
public record Discovery(Source source, List<HostRecord> hosts, Duration took, long refusedEntries, List<String> refusedHosts) {
    /** Where an expected set came from. */
    public enum Source {
        /** The inventory at {@code fleet/hosts/} in the fleet's registry. */
        REGISTRY,
        /** Answers to an {@code outpost.ping} broadcast before a deadline (no registry). */
        PING,
        /** Host ids the caller listed. */
        LIST
    }

    /** Validates and copies the components. */
    public Discovery {
        Objects.requireNonNull(source, "source");
        hosts = List.copyOf(hosts);
        Objects.requireNonNull(took, "took");
        refusedHosts = List.copyOf(refusedHosts.subList(0, Math.min(FleetSummary.MAX_LISTED, refusedHosts.size())));
        if (refusedEntries < refusedHosts.size()) {
            throw new IllegalArgumentException("refusedEntries (" + refusedEntries + ") counts fewer entries than are listed ("
                    + refusedHosts.size() + ")");
        }
    }

    /** An expected set with no refused entries (the shape before they were reported). */
    public Discovery(Source source, List<HostRecord> hosts, Duration took) {
        this(source, hosts, took, 0, List.of());
    }

    /** The ids of {@link #hosts()}. */
    public List<String> ids() {
        return hosts.stream().map(HostRecord::id).toList();
    }
}
