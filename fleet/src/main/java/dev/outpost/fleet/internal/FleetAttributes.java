package dev.outpost.fleet.internal;

/** Request attributes and registry keys the caller and the worker-side guard agree on. */
public final class FleetAttributes {
    /** The selector text of a topic broadcast: hosts it does not select refuse the request. */
    public static final String SELECT = "outpost.fleet.select";
    /** "true": the worker-side guard looks for a cancellation before running it. */
    public static final String CANCELLABLE = "outpost.fleet.cancellable";
    /**
     * Prefix of cancellation records: {@code fleet/cancelled/REQUEST} holding {@code {"all":true}}
     * or {@code {"hosts":{"ID":true,…}}}, so a worker reads one key per request.
     */
    public static final String CANCELLED_PREFIX = "fleet/cancelled/";

    private FleetAttributes() {}

    public static String cancelKey(String requestId) {
        return CANCELLED_PREFIX + requestId;
    }
}
