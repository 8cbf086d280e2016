package dev.outpost.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Set;

/**
 * A result the rules look at: a response or a scheduled result from one host.
 *
 * @param host the host id
 * @param collector the collector that produced it
 * @param tags the host's tags
 * @param result the collector's result
 */
public record Observation(String host, String collector, Set<String> tags, JsonNode result) {
    /** Copies the tags. */
    public Observation {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(collector, "collector");
        tags = Set.copyOf(tags);
        Objects.requireNonNull(result, "result");
    }
}
