package dev.outpost.fleet;

/** How a fleet call reaches its hosts. */
public enum Route {
    /**
     * One publish to the fleet topic, which every worker's queue subscribes to; hosts the selector
     * does not select ack it quietly (through {@link FleetMember#filter}) and are not expected.
     */
    TOPIC,
    /** One send per expected host, to the request destination the inventory lists for it. */
    DIRECT,
    /** {@link #DIRECT} when every expected host's destination is known from the inventory, else {@link #TOPIC}. */
    AUTO
}
