package dev.outpost.fleet;

/**
 * Hears each host's terminal state as it is settled, on the fleet's callback executor (never a
 * transport thread). Whatever it throws is caught, counted and logged; the call goes on.
 */
@FunctionalInterface
public interface FleetListener {
    /** One host is settled. */
    void onResult(HostResult result);

    /** A listener that does nothing. */
    FleetListener NONE = r -> { };
}
