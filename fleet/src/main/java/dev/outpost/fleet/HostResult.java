package dev.outpost.fleet;

import dev.outpost.Response;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One host's terminal state in a fleet call.
 *
 * @param host the host id
 * @param outcome its terminal state
 * @param response the worker's answer, for {@code ok}, {@code error}, {@code rejected} (and
 *     {@code expired} or {@code cancelled} when the worker said so)
 * @param detail why, in words (the error message, the transport failure, the rollout's abort reason)
 * @param at when the caller settled it
 */
public record HostResult(String host, Outcome outcome, Optional<Response> response, String detail, Instant at) {
    /** Validates the components. */
    public HostResult {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(at, "at");
    }
}
