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
 */
public record Discovery(Source source, List<HostRecord> hosts, Duration took) {
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
    }

    /** The ids of {@link #hosts()}. */
    public List<String> ids() {
        return hosts.stream().map(HostRecord::id).toList();
    }
}
