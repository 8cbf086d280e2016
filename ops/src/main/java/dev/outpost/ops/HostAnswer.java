package dev.outpost.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One host's answer to a collector call.
 *
 * @param host the host id
 * @param ok whether the collector succeeded
 * @param body the collector's result when ok, else a JSON object describing the error
 */
public record HostAnswer(String host, boolean ok, JsonNode body) {
    /** Checks the components. */
    public HostAnswer {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(body, "body");
    }
}
