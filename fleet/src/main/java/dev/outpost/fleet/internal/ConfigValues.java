package dev.outpost.fleet.internal;

import dev.outpost.ConfigException;
import dev.outpost.spi.ConfigSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Reads fleet configuration values, collecting problems instead of throwing at the first. */
public final class ConfigValues {
    private ConfigValues() {}

    /** {@code key} as a positive duration; {@code dflt} when not set or bad (the problem is added). */
    public static Duration positiveDuration(Optional<ConfigSource> config, String key, Duration dflt,
            List<ConfigException.Problem> problems) {
        if (!isSet(config, key)) {
            return dflt;
        }
        try {
            Duration d = config.get().duration(key).orElse(dflt);
            if (d.isNegative() || d.isZero()) {
                problems.add(new ConfigException.Problem(key, "must be positive, was " + d));
                return dflt;
            }
            return d;
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return dflt;
        }
    }

    /** {@code key} as an int of at least 1; {@code dflt} when not set or bad (the problem is added). */
    public static int positiveInt(Optional<ConfigSource> config, String key, int dflt, List<ConfigException.Problem> problems) {
        if (!isSet(config, key)) {
            return dflt;
        }
        try {
            int v = config.get().intValue(key).orElse(dflt);
            if (v < 1) {
                problems.add(new ConfigException.Problem(key, "must be at least 1, was " + v));
                return dflt;
            }
            return v;
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return dflt;
        }
    }

    /** {@code key} as destination patterns; {@link Destinations#DEFAULT} when not set or bad (the problems are added). */
    public static Destinations destinations(Optional<ConfigSource> config, String key, List<ConfigException.Problem> problems) {
        List<String> patterns;
        try {
            patterns = config.map(c -> c.list(key)).orElse(List.of()).stream().map(String::trim).filter(s -> !s.isEmpty())
                    .toList();
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return Destinations.of(Destinations.DEFAULT);
        }
        if (patterns.isEmpty()) {
            return Destinations.of(Destinations.DEFAULT);
        }
        boolean bad = false;
        for (String p : patterns) {
            Optional<String> why = Destinations.problem(p);
            if (why.isPresent()) {
                problems.add(new ConfigException.Problem(key, why.get()));
                bad = true;
            }
        }
        return bad ? Destinations.of(Destinations.DEFAULT) : Destinations.of(patterns);
    }

    private static boolean isSet(Optional<ConfigSource> config, String key) {
        return config.flatMap(c -> c.string(key)).map(String::trim).filter(s -> !s.isEmpty()).isPresent();
    }
}
