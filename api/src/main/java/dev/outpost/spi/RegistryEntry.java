package dev.outpost.spi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One key's value at one version.
 *
 * @param key the key
 * @param value the JSON value (a {@code NullNode} for a deletion); the entry keeps it as a read-only
 *     tree (no copy when it is one already, as a registry's writer hands it over) and {@link
 *     #value()} hands out copies, so no caller can change a stored value behind the registry's back
 * @param version grows with every write of the key, from 1, and keeps growing across a delete and
 *     a new register of the same key
 * @param updatedAt when this version was written (for a deletion: when it was deleted or expired)
 * @param expiresAt when the entry expires, if it has a time to live
 * @param deleted whether this entry reports a deletion or expiry (only seen by watchers)
 * @param updatedBy who wrote this version (an authenticated sender id, {@code access-key:NS}, or the
 *     name a local writer gave with {@code Registry.writingAs}); empty when not known
 */
public record RegistryEntry(
        String key,
        JsonNode value,
        long version,
        Instant updatedAt,
        Optional<Instant> expiresAt,
        boolean deleted,
        Optional<String> updatedBy) {
    /** Validates the components. */
    public RegistryEntry {
        Objects.requireNonNull(key, "key");
        value = Json.toReadOnlyTree(Objects.requireNonNull(value, "value"));
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(updatedBy, "updatedBy");
        if (version < 1) {
            throw new IllegalArgumentException("version must be at least 1, was " + version);
        }
    }

    /** An entry with no writer stamp. */
    public RegistryEntry(String key, JsonNode value, long version, Instant updatedAt, Optional<Instant> expiresAt,
            boolean deleted) {
        this(key, value, version, updatedAt, expiresAt, deleted, Optional.empty());
    }

    /** A copy of the value: changing it changes neither this entry nor the registry it came from. */
    @Override
    public JsonNode value() {
        return value.deepCopy();
    }

    /** Whether the entry has expired at {@code now} (a live entry whose time to live has run out). */
    public boolean isExpiredAt(Instant now) {
        return expiresAt.isPresent() && !now.isBefore(expiresAt.get());
    }

    /** The deletion (or expiry) of this entry, as watchers see it: same key and version, a null value. */
    public RegistryEntry tombstone(Instant at) {
        return new RegistryEntry(key, com.fasterxml.jackson.databind.node.NullNode.getInstance(), version, at,
                Optional.empty(), true, updatedBy);
    }
}
