package dev.outpost.fleet;

/**
 * Hears each host's terminal state as it is settled, on the fleet's callback executor (never a
 * transport thread). Whatever it throws is caught, counted and logged; the call goes on.
 *
 * <p>The call's {@linkplain FleetCall#summary() summary} completes only after every call of the
 * listener for its hosts has returned, so a caller that waits for the summary finds everything the
 * listener heard. The summary does not wait for ever on a listener: one still not returned one
 * deadline of the call after its last host was settled, or at the fleet's shutdown, is given up on
 * (a WARN line says how many), and the summary completes without it. The summary too completes on the callback executor: on the
 * default one, a single thread, a listener that blocks holds it as well.
 */
@FunctionalInterface
public interface FleetListener {
    /** One host is settled. */
    void onResult(HostResult result);

    /** A listener that does nothing. */
    FleetListener NONE = r -> { };
}
