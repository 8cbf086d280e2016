package dev.outpost.kv.internal;

import dev.outpost.ConfigException;
import dev.outpost.spi.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Binds a builder's settings: an explicit builder call wins, then configuration, then the default.
 * Bad configured values become problems, reported together by {@link #check()}.
 */
public final class Settings {
    private final Optional<ConfigSource> config;
    private final List<ConfigException.Problem> problems = new ArrayList<>();

    public Settings(Optional<ConfigSource> config) {
        this.config = config;
    }

    /** Records a problem found by the builder itself. */
    public void problem(String key, String message) {
        problems.add(new ConfigException.Problem(key, message));
    }

    /** Whether a problem was recorded for {@code key}. */
    public boolean hasProblem(String key) {
        return problems.stream().anyMatch(p -> p.key().equals(key));
    }

    /** Throws one {@link ConfigException} listing every problem, if there is any. */
    public void check() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    public Optional<String> string(Optional<String> explicit, String key) {
        if (explicit.isPresent()) {
            return explicit;
        }
        return config.flatMap(c -> c.string(key)).map(String::strip).filter(s -> !s.isEmpty());
    }

    public String string(Optional<String> explicit, String key, String fallback) {
        return string(explicit, key).orElse(fallback);
    }

    public Optional<Path> path(Optional<Path> explicit, String key) {
        if (explicit.isPresent()) {
            return explicit;
        }
        try {
            return string(Optional.empty(), key).map(Path::of);
        } catch (RuntimeException e) {
            problem(key, "not a path: " + e.getMessage() + from(key));
            return Optional.empty();
        }
    }

    public int integer(Optional<Integer> explicit, String key, int fallback, int min, int max) {
        if (explicit.isPresent()) {
            return explicit.get();
        }
        try {
            Optional<Integer> v = config.flatMap(c -> c.string(key).filter(s -> !s.isBlank()).isPresent() ? c.intValue(key) : Optional.empty());
            if (v.isPresent() && (v.get() < min || v.get() > max)) {
                problem(key, "must be between " + min + " and " + max + ", was " + v.get() + from(key));
                return fallback;
            }
            return v.orElse(fallback);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return fallback;
        }
    }

    public boolean bool(Optional<Boolean> explicit, String key, boolean fallback) {
        if (explicit.isPresent()) {
            return explicit.get();
        }
        try {
            return config.flatMap(c -> c.string(key).filter(s -> !s.isBlank()).isPresent() ? c.booleanValue(key) : Optional.empty())
                    .orElse(fallback);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return fallback;
        }
    }

    /** A duration of at least {@code min}. */
    public Duration duration(Optional<Duration> explicit, String key, Duration fallback, Duration min) {
        if (explicit.isPresent()) {
            return explicit.get();
        }
        try {
            Optional<Duration> v = config.flatMap(c -> c.string(key).filter(s -> !s.isBlank()).isPresent() ? c.duration(key) : Optional.empty());
            if (v.isPresent() && v.get().compareTo(min) < 0) {
                problem(key, "must be at least " + min + ", was " + v.get() + from(key));
                return fallback;
            }
            return v.orElse(fallback);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return fallback;
        }
    }

    public List<String> list(Optional<List<String>> explicit, String key) {
        if (explicit.isPresent()) {
            return explicit.get();
        }
        return config.map(c -> c.list(key)).orElse(List.of());
    }

    private String from(String key) {
        return config.map(c -> c.from(key)).orElse("");
    }
}
