package dev.outpost.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One key's value at one version.
 *
 * @param key the key
 * @param value the JSON value (a {@code NullNode} for a deletion); treat it as read-only
 * @param version grows with every write of the key, from 1
 * @param updatedAt when this version was written
 * @param expiresAt when the entry expires, if it has a time to live
 * @param deleted whether this entry reports a deletion or expiry (only seen by watchers)
 */
public record RegistryEntry(
        String key, JsonNode value, long version, Instant updatedAt, Optional<Instant> expiresAt, boolean deleted) {
    /** Validates the components. */
    public RegistryEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (version < 1) {
            throw new IllegalArgumentException("version must be at least 1, was " + version);
        }
    }
}
