package dev.outpost.fleet;

/**
 * The one terminal state of each expected host in a fleet call.
 */
public enum Outcome {
    /** The collector ran and answered. */
    OK("ok"),
    /** The collector ran and failed (its error is in the response). */
    ERROR("error"),
    /** The worker refused the request (unknown collector, invalid params, unauthorised…). */
    REJECTED("rejected"),
    /**
     * The request's time to live ran out with no answer while the host was not live in the
     * inventory (offline: the request waited in its queue and a worker will not start it now), or
     * the worker said so.
     */
    EXPIRED("expired"),
    /** Nothing came back before the deadline from a host that was live (or of unknown state). */
    NO_REPLY("no-reply"),
    /** The transport refused the request for this host (no such queue, too large, unreachable). */
    NOT_DELIVERED("not-delivered"),
    /** The caller cancelled it before an answer arrived; a worker that receives it later refuses it. */
    CANCELLED("cancelled"),
    /** Rollouts only: the host was never sent the request (the error budget was spent, a canary failed). */
    NOT_STARTED("not-started");

    private final String code;

    Outcome(String code) {
        this.code = code;
    }

    /** The wire and display form: {@code ok}, {@code no-reply}… */
    public String code() {
        return code;
    }

    /** Whether this outcome spends a rollout's error budget. */
    public boolean isFailure() {
        return this == ERROR || this == REJECTED || this == EXPIRED || this == NO_REPLY || this == NOT_DELIVERED;
    }
}
