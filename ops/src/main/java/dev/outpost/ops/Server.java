package dev.outpost.ops;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One server of the fleet as the bot sees it.
 *
 * @param id the host id
 * @param requests the destination its worker reads requests from
 * @param collectors the collectors it runs
 * @param tags its tags, sorted
 * @param facts its facts, sorted by key
 */
public record Server(String id, String requests, List<String> collectors, SortedSet<String> tags,
        SortedMap<String, String> facts) {
    /** Copies the collections. */
    public Server {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(requests, "requests");
        collectors = List.copyOf(collectors);
        tags = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(tags));
        facts = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(Map.copyOf(facts)));
    }
}
