package dev.outpost;

/**
 * Names of the message attributes Outpost sets, as a consumer of the dead-letter or response
 * destinations reads them. Attribute names starting with {@code outpost-} are reserved.
 */
public final class Attributes {
    /** On a dead-lettered copy: the {@link RejectReason#code()}. */
    public static final String REJECT_REASON = "outpost-reject-reason";
    /** On a dead-lettered copy: a human explanation; never the text of an unexpected exception. */
    public static final String REJECT_DETAIL = "outpost-reject-detail";
    /** On a dead-lettered copy: the source the message was received from. */
    public static final String SOURCE = "outpost-source";
    /** On a dead-lettered copy: the id of the worker that gave up on it. */
    public static final String WORKER = "outpost-worker";
    /** On a dead-lettered copy: how many times the message had been received. */
    public static final String RECEIVE_COUNT = "outpost-receive-count";
    /** On a dead-lettered copy of an unexpected failure: the incident id the worker's log names. */
    public static final String INCIDENT = "outpost-incident";
    /** On requests and responses (unsealed only): the request id, for correlation without decoding. */
    public static final String REQUEST_ID = "outpost-request-id";

    /**
     * On requests: the caller's W3C trace context ({@code 00-TRACEID-SPANID-FLAGS}), set by the
     * client when the OpenTelemetry API is present and a span is current. A request attribute, so a
     * sealed request carries it inside the envelope.
     */
    public static final String TRACEPARENT = "traceparent";
    /**
     * On requests: the caller's idempotency key (1 to {@value Request#MAX_IDEMPOTENCY_KEY_LENGTH}
     * printable characters). A worker with an idempotency store runs a request with a key at most
     * once per sender and key, and answers a redelivery or a retried call with the stored outcome.
     * A request attribute, so a sealed request carries it inside the envelope. Set it with
     * {@link Request.Builder#idempotencyKey(String)}.
     */
    public static final String IDEMPOTENCY_KEY = "outpost-idempotency-key";
    /** On requests: the W3C {@code tracestate} that goes with {@link #TRACEPARENT}. */
    public static final String TRACESTATE = "tracestate";

    private Attributes() {}
}
