package dev.outpost.fleet;

import java.time.Instant;
import java.util.Objects;

/**
 * A host of a fleet call that has been sent the request and not yet settled (an offline host's
 * request waits in its queue until {@code expiresAt}).
 *
 * @param requestId the fleet call's request id
 * @param host the host id
 * @param collector the collector requested
 * @param sentAt when it was sent to this host
 * @param expiresAt when its time to live runs out
 */
public record PendingCall(String requestId, String host, String collector, Instant sentAt, Instant expiresAt) {
    /** Validates the components. */
    public PendingCall {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(collector, "collector");
        Objects.requireNonNull(sentAt, "sentAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
