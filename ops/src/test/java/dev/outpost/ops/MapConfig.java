package dev.outpost.ops;

import dev.outpost.spi.ConfigSource;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A configuration from a map, as if read from a file named {@code test.yaml}. */
record MapConfig(Map<String, String> values) implements ConfigSource {
    static MapConfig of(Map<String, String> values) {
        return new MapConfig(Map.copyOf(values));
    }

    @Override
    public Optional<String> string(String key) {
        return Optional.ofNullable(values.get(key));
    }

    @Override
    public Set<String> keys() {
        return values.keySet();
    }

    @Override
    public Optional<String> sourceOf(String key) {
        return values.containsKey(key) ? Optional.of("test.yaml") : Optional.empty();
    }
}
