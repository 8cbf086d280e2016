package dev.outpost.ops;

import dev.outpost.spi.ConfigSource;
import java.util.Set;

/**
 * Who may use the bot, where, and which collectors they may run. Fails closed: an empty set allows
 * nobody; {@code *} allows everyone (for collectors, {@code disk.*} allows the collectors whose names
 * start with {@code disk.}). Keys: {@code outpost.ops.access.users},
 * {@code outpost.ops.access.channels}, {@code outpost.ops.access.collectors} (comma-separated).
 *
 * @param users user ids allowed
 * @param channels channel ids allowed
 * @param collectors collectors that {@code run} may call
 */
public record Access(Set<String> users, Set<String> channels, Set<String> collectors) {
    /** Copies the sets. */
    public Access {
        users = Set.copyOf(users);
        channels = Set.copyOf(channels);
        collectors = Set.copyOf(collectors);
    }

    /** Nobody, nowhere. */
    public static Access none() {
        return new Access(Set.of(), Set.of(), Set.of());
    }

    /** Access as configured; unset keys allow nobody. */
    public static Access from(ConfigSource config) {
        return new Access(Set.copyOf(config.list("outpost.ops.access.users")),
                Set.copyOf(config.list("outpost.ops.access.channels")),
                Set.copyOf(config.list("outpost.ops.access.collectors")));
    }

    /** Whether {@code caller} may use the bot at all. */
    public boolean allows(Caller caller) {
        return (users.contains("*") || users.contains(caller.user()))
                && (channels.contains("*") || channels.contains(caller.channel()));
    }

    /** Whether {@code caller} may run {@code collector}. */
    public boolean allowsCollector(Caller caller, String collector) {
        return allows(caller) && (collectors.contains(collector)
                || collectors.stream().anyMatch(c -> c.endsWith("*") && collector.startsWith(c.substring(0, c.length() - 1))));
    }
}
