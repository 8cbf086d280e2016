package dev.outpost.host.internal;

import dev.outpost.CollectorException;
import dev.outpost.spi.ConfigSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads a collector's settings map; a malformed value is a permanent {@code bad-settings} error naming the key. */
public final class Settings {
    private final Map<String, String> map;

    public Settings(Map<String, String> map) {
        this.map = map;
    }

    public Optional<String> string(String key) {
        String v = map.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    public long longValue(String key, long def, long min, long max) {
        Optional<String> v = string(key);
        if (v.isEmpty()) {
            return def;
        }
        try {
            long n = Long.parseLong(v.get());
            if (n < min || n > max) {
                throw bad(key, "must be between " + min + " and " + max + ", was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw bad(key, "not a number: '" + v.get() + "'");
        }
    }

    public Duration duration(String key, Duration def) {
        Optional<String> v = string(key);
        if (v.isEmpty()) {
            return def;
        }
        try {
            Duration d = ConfigSource.parseDuration(v.get());
            if (d.isNegative()) {
                throw bad(key, "must not be negative");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw bad(key, "not a duration (500ms, 5s, 12m, PT1H): '" + v.get() + "'");
        }
    }

    public boolean bool(String key, boolean def) {
        Optional<String> v = string(key);
        if (v.isEmpty()) {
            return def;
        }
        return switch (v.get().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw bad(key, "not a boolean: '" + v.get() + "'");
        };
    }

    /** A comma-separated list, trimmed, empties dropped. */
    public List<String> list(String key) {
        List<String> out = new ArrayList<>();
        string(key).ifPresent(v -> {
            for (String s : v.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        });
        return out;
    }

    public static CollectorException bad(String key, String why) {
        return CollectorException.permanent("bad-settings", "setting '" + key + "': " + why);
    }
}
