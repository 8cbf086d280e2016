package dev.outpost.host.internal;

import dev.outpost.ConfigException;
import dev.outpost.spi.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves one builder's settings: the value set by a builder method, else the configured key,
 * else the default; every bad configured value becomes a {@link ConfigException.Problem}, thrown
 * together by {@link #throwIfAny()}.
 */
public final class Config {
    private final Optional<ConfigSource> source;
    private final List<ConfigException.Problem> problems = new ArrayList<>();

    public Config(Optional<ConfigSource> source) {
        this.source = source;
    }

    public Optional<String> string(String explicit, String key) {
        if (explicit != null) {
            return Optional.of(explicit);
        }
        return source.flatMap(c -> c.string(key)).map(String::trim).filter(s -> !s.isEmpty());
    }

    public Optional<Path> path(Path explicit, String key) {
        if (explicit != null) {
            return Optional.of(explicit);
        }
        Optional<String> v = string(null, key);
        try {
            return v.map(Path::of);
        } catch (RuntimeException e) {
            problem(key, "'" + v.get() + "' is not a path" + from(key));
            return Optional.empty();
        }
    }

    public long number(Long explicit, String key, long fallback, long min, long max) {
        if (explicit != null) {
            return explicit;
        }
        Optional<String> v = string(null, key);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v.get());
            if (n < min || n > max) {
                problem(key, "must be between " + min + " and " + max + ", was " + n + from(key));
                return fallback;
            }
            return n;
        } catch (NumberFormatException e) {
            problem(key, "'" + v.get() + "' is not an integer" + from(key));
            return fallback;
        }
    }

    public Duration duration(Duration explicit, String key, Duration fallback, boolean zeroAllowed) {
        if (explicit != null) {
            return explicit;
        }
        try {
            Optional<Duration> v = source.flatMap(c -> c.duration(key));
            if (v.isPresent() && (v.get().isNegative() || (!zeroAllowed && v.get().isZero()))) {
                problem(key, "must be " + (zeroAllowed ? "zero or more" : "positive") + ", was " + v.get() + from(key));
                return fallback;
            }
            return v.orElse(fallback);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return fallback;
        }
    }

    public boolean bool(Boolean explicit, String key, boolean fallback) {
        if (explicit != null) {
            return explicit;
        }
        try {
            return source.flatMap(c -> c.booleanValue(key)).orElse(fallback);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return fallback;
        }
    }

    public void problem(String key, String message) {
        problems.add(new ConfigException.Problem(key, message));
    }

    public String from(String key) {
        return source.map(c -> c.from(key)).orElse("");
    }

    /** @throws ConfigException listing every problem found, if any */
    public void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }
}
