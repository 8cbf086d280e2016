package dev.outpost;

/**
 * The error codes of {@code error} responses that the worker itself produces. A collector's own
 * codes come from the {@link CollectorException}s it throws; rejected requests carry a
 * {@link RejectReason#code()}.
 */
public final class ErrorCodes {
    /** A collector threw something other than a {@link CollectorException}; the message is generic. */
    public static final String COLLECTOR_FAILED = "collector-failed";
    /** A run went past its timeout and was interrupted. */
    public static final String TIMEOUT = "timeout";
    /** The collector returned a value that cannot be turned into JSON. */
    public static final String UNSERIALISABLE_RESULT = "unserialisable-result";
    /** The encoded result is larger than the transport carries. */
    public static final String RESULT_TOO_LARGE = "result-too-large";
    /** The result could not be encoded as a response (too deep, non-finite numbers). */
    public static final String UNENCODABLE_RESULT = "unencodable-result";
    /** Something unexpected failed; the message names an incident id to look up in the worker's log. */
    public static final String INTERNAL_ERROR = "internal-error";
    /** The result does not satisfy the collector's declared result schema (when the worker checks results). */
    public static final String INVALID_RESULT = "invalid-result";
    /**
     * Answering a retried idempotent request: the operation ran once, but its result was too large
     * for the idempotency store, so only the fact that it ran was kept.
     */
    public static final String OUTCOME_NOT_KEPT = "outcome-not-kept";

    private ErrorCodes() {}
}
