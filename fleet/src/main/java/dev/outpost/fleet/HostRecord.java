package dev.outpost.fleet;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What the inventory knows about one host, as {@link FleetMember} registers it at
 * {@code fleet/hosts/ID}.
 *
 * @param id the worker's id (letters, digits and {@code . _ - : @}, at most 200 characters)
 * @param requests the destination the worker reads: where direct sends go
 * @param collectors the names of the collectors it runs
 * @param tags free labels from configuration ({@code web}, {@code eu-west})
 * @param facts flattened facts ({@code os.name → Linux}), from the {@code host.facts} collector when
 *     the worker has one, plus configured facts
 * @param startedAt when the member started
 */
public record HostRecord(String id, String requests, List<String> collectors, Set<String> tags,
        Map<String, String> facts, Instant startedAt) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@-]{1,200}");

    /** Validates and copies the components (tags and facts sorted). */
    public HostRecord {
        checkId(id);
        Objects.requireNonNull(requests, "requests");
        collectors = List.copyOf(collectors);
        SortedSet<String> t = new TreeSet<>(tags);
        tags = java.util.Collections.unmodifiableSortedSet(t);
        SortedMap<String, String> f = new TreeMap<>(facts);
        facts = java.util.Collections.unmodifiableSortedMap(f);
        Objects.requireNonNull(startedAt, "startedAt");
    }

    /**
     * Checks a host id and returns it.
     *
     * @throws IllegalArgumentException when it has another form
     */
    public static String checkId(String id) {
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("host ids are 1 to 200 of [A-Za-z0-9._:@-], was '"
                    + (id.length() > 60 ? id.substring(0, 60) + "…" : id) + "'");
        }
        return id;
    }

    /** The registry key of host {@code id}: {@value FleetMember#HOSTS_PREFIX}{@code ID}. */
    public static String key(String id) {
        return FleetMember.HOSTS_PREFIX + checkId(id);
    }
}
