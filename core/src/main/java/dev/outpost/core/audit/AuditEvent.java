package dev.outpost.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One audited action: a request a worker handled, or a registry write the broker made.
 *
 * @param time when the action ended
 * @param kind {@code request} or {@code registry-write}
 * @param component who acted: a worker id, a broker id
 * @param requestId the request's id, when the message could be read
 * @param sender the sender's name, when one was named ({@code authenticated} says whether a codec
 *     proved it)
 * @param authenticated whether a codec authenticated the sender
 * @param target what was acted on: a collector name, a registry key
 * @param params the request's params or the written value, hashed by the {@link AuditLog} and
 *     written only when it is configured to include them
 * @param outcome {@code ok}, {@code error}, {@code rejected}, or a more precise code such as
 *     {@code rejected:unknown-sender}
 * @param duration how long the action took
 */
public record AuditEvent(Instant time, String kind, String component, Optional<String> requestId, Optional<String> sender,
        boolean authenticated, Optional<String> target, Optional<JsonNode> params, String outcome, Duration duration) {
    /** Kind of a request handled by a worker. */
    public static final String REQUEST = "request";
    /** Kind of a registry write made through the broker. */
    public static final String REGISTRY_WRITE = "registry-write";

    /** Checks that nothing is null. */
    public AuditEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(component, "component");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(duration, "duration");
    }
}
