package dev.outpost;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Why a message was dead-lettered: refused without running anything, or given up on. The reason's
 * {@link #code()} travels in the dead-letter copy's {@value Attributes#REJECT_REASON} attribute and,
 * when the sender may be answered, as the error code of a {@code rejected} response.
 *
 * <p>The constants here are the reasons the worker itself gives. Codecs and other modules define
 * their own with {@link #of(String, boolean)} (the sealed codec's {@code bad-seal}, {@code replay}
 * and so on live in {@code outpost-crypto-nacl}). Two reasons are equal when their codes are.
 */
public final class RejectReason {
    private static final Pattern CODE = Pattern.compile("[a-z][a-z0-9-]{0,63}");

    /** The body is not a document the codec can read (random bytes, bad JSON, non-finite numbers). */
    public static final RejectReason UNDECODABLE = new RejectReason("undecodable", false);
    /** The envelope's format or version is not one this codec knows. */
    public static final RejectReason BAD_FORMAT = new RejectReason("bad-format", false);
    /** The document does not satisfy the request schema. */
    public static final RejectReason SCHEMA_INVALID = new RejectReason("schema-invalid", false);
    /** The body is larger than the worker accepts. */
    public static final RejectReason OVERSIZE = new RejectReason("oversize", false);
    /** The request's time to live ran out before it was run; answered so the caller can tell it from a lost answer. */
    public static final RejectReason EXPIRED = new RejectReason("expired", true);
    /** No collector has the requested name. */
    public static final RejectReason UNKNOWN_COLLECTOR = new RejectReason("unknown-collector", true);
    /** The collector exists but configuration does not allow it. */
    public static final RejectReason DISALLOWED_COLLECTOR = new RejectReason("disallowed-collector", true);
    /** The collector's name starts with {@code _}: never reachable remotely. */
    public static final RejectReason PRIVATE_COLLECTOR = new RejectReason("private-collector", true);
    /** The params do not satisfy the collector's schema. */
    public static final RejectReason INVALID_PARAMS = new RejectReason("invalid-params", true);
    /** The sender could not be identified (an authenticating codec knows no such sender). */
    public static final RejectReason UNKNOWN_SENDER = new RejectReason("unknown-sender", false);
    /** The sender is known but may not run this collector. */
    public static final RejectReason UNAUTHORISED = new RejectReason("unauthorised", true);
    /** The request names a {@code replyTo} this worker is not allowed to send to. */
    public static final RejectReason REPLY_TO_REFUSED = new RejectReason("reply-to-refused", false);
    /**
     * The request's idempotency key was used before by the same sender with another collector,
     * target or params: refused, so that one key never stands for two different operations.
     */
    public static final RejectReason IDEMPOTENCY_CONFLICT = new RejectReason("idempotency-conflict", true);
    /** A retryable failure happened on every allowed attempt; the sender got an error response. */
    public static final RejectReason ATTEMPTS_EXHAUSTED = new RejectReason("attempts-exhausted", false);
    /** The response could not be delivered (its destination does not exist or refuses it) on every attempt. */
    public static final RejectReason UNANSWERABLE = new RejectReason("unanswerable", false);
    /** Handling failed in an unexpected way on every attempt; the detail carries an incident id for the log. */
    public static final RejectReason INTERNAL_ERROR = new RejectReason("internal-error", false);

    private final String code;
    private final boolean answerable;

    private RejectReason(String code, boolean answerable) {
        this.code = code;
        this.answerable = answerable;
    }

    /**
     * A reason of a module's own.
     *
     * @param code lower-case letters, digits and dashes, starting with a letter, at most 64
     * @param answerable whether the sender may be told (only when the sender is established)
     * @throws IllegalArgumentException when the code has another form
     */
    public static RejectReason of(String code, boolean answerable) {
        Objects.requireNonNull(code, "code");
        if (!CODE.matcher(code).matches()) {
            throw new IllegalArgumentException("reject reason codes are lower-case words with dashes, e.g. bad-seal; was '"
                    + code + "'");
        }
        return new RejectReason(code, answerable);
    }

    /** The wire form: lower-case with dashes, for example {@code unknown-collector}. */
    public String code() {
        return code;
    }

    /**
     * Whether the worker may answer the request's sender. It never answers a message whose sender
     * it could not establish, so as to tell an unauthenticated party nothing.
     */
    public boolean answerable() {
        return answerable;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RejectReason r && r.code.equals(code);
    }

    @Override
    public int hashCode() {
        return code.hashCode();
    }

    @Override
    public String toString() {
        return code;
    }
}
