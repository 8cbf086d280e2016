package dev.outpost;

import java.util.Locale;

/**
 * Why a worker refused a message without running it. Refused messages go to the dead-letter
 * destination with the reason in the {@code outpost-reject-reason} attribute ({@link #code()}).
 */
public enum RejectReason {
    /** The body is not a document the codec can read (random bytes, bad JSON). */
    UNDECODABLE,
    /** The envelope's format or version is not one this codec knows. */
    BAD_FORMAT,
    /** The document does not satisfy the request schema. */
    SCHEMA_INVALID,
    /** The body is larger than the worker accepts. */
    OVERSIZE,
    /** The request's time to live ran out before it was run. */
    EXPIRED,
    /** No collector has the requested name. */
    UNKNOWN_COLLECTOR,
    /** The collector exists but configuration does not allow it. */
    DISALLOWED_COLLECTOR,
    /** The collector's name starts with {@code _}: never reachable remotely. */
    PRIVATE_COLLECTOR,
    /** The params do not satisfy the collector's schema. */
    INVALID_PARAMS,
    /** The sender is not in the known-senders list. */
    UNKNOWN_SENDER,
    /** The sender is known but may not run this collector. */
    UNAUTHORISED,
    /** The seal did not verify: tampered, truncated, or not addressed to this worker. */
    BAD_SEAL,
    /** The message was sealed for another recipient. */
    WRONG_RECIPIENT,
    /** A message with this id was already seen inside the freshness window. */
    REPLAY,
    /**
     * The replay check could not remember the message for its whole freshness window (the cache is
     * full, or the sender has used its share of it), so the message was not opened: refusing is the
     * only safe answer, since a message that is not remembered could be replayed.
     */
    REPLAY_CACHE_FULL,
    /** The shared replay state (a registry) could not be consulted, so the message was not opened. */
    REPLAY_STATE_UNAVAILABLE,
    /** The message is older than the freshness window, or dated in the future. */
    STALE;

    /** The wire form: lower-case with dashes, for example {@code unknown-collector}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Whether the worker may answer the request's sender. It never answers a message whose sender
     * it could not establish, so as to tell an unauthenticated party nothing.
     */
    public boolean answerable() {
        return switch (this) {
            case UNKNOWN_COLLECTOR, DISALLOWED_COLLECTOR, PRIVATE_COLLECTOR, INVALID_PARAMS, UNAUTHORISED -> true;
            default -> false;
        };
    }
}
