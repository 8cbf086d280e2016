package dev.outpost.ops;

import dev.outpost.ConfigException;
import dev.outpost.ops.internal.Text;
import dev.outpost.spi.ConfigSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

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
    /**
     * Copies the sets.
     *
     * @throws IllegalArgumentException for a {@code *} where it would be taken literally, so would allow less
     *     than it reads: in a user or channel other than {@code *} alone, in a collector before its end
     */
    public Access {
        users = Set.copyOf(users);
        channels = Set.copyOf(channels);
        collectors = Set.copyOf(collectors);
        Optional<String> bad = Stream.of(problem("users", users, false), problem("channels", channels, false),
                problem("collectors", collectors, true)).flatMap(Optional::stream).findFirst();
        if (bad.isPresent()) {
            throw new IllegalArgumentException(bad.get());
        }
    }

    private static Optional<String> problem(String what, Set<String> entries, boolean trailingStar) {
        return entries.stream().filter(e -> !e.equals("*") && e.contains("*")
                && !(trailingStar && e.indexOf('*') == e.length() - 1)).findFirst()
                .map(e -> what + " entry '" + Text.printable(e) + "' has a '*' "
                        + (trailingStar ? "before its end (only a trailing one matches: disk.*)" : "in it (only * alone matches everyone)"));
    }

    /** Nobody, nowhere. */
    public static Access none() {
        return new Access(Set.of(), Set.of(), Set.of());
    }

    /**
     * Access as configured; unset keys allow nobody.
     *
     * @throws ConfigException naming the key of an entry with a {@code *} that would be taken literally
     */
    public static Access from(ConfigSource config) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        for (String what : List.of("users", "channels", "collectors")) {
            String key = "outpost.ops.access." + what;
            problem(what, Set.copyOf(config.list(key)), what.equals("collectors"))
                    .ifPresent(p -> problems.add(new ConfigException.Problem(key, p)));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
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
