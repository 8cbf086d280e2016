package dev.outpost.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A key/value store of JSON values with versions.
 *
 * <p>Every write returns the new {@link RegistryEntry} with its version; versions of a key only
 * grow. Keys are non-empty strings of at most 512 characters; a namespace is a key prefix ending
 * in {@code /}. Entries may carry a time to live, after which they read as absent (service
 * entries that must be refreshed). Implementations are thread-safe.
 */
public interface Registry extends AutoCloseable {

    /** The entry for {@code key}, empty when absent or expired. */
    Optional<RegistryEntry> get(String key);

    /**
     * Creates {@code key}.
     *
     * @param ttl how long the entry lives; empty for ever
     * @throws RegistryException.KeyExists when the key is present
     */
    RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl);

    /**
     * Replaces the value of {@code key} if its version is still {@code expectedVersion}.
     *
     * @throws RegistryException.NoSuchKey when the key is absent
     * @throws RegistryException.VersionConflict when the version moved on
     */
    RegistryEntry replace(String key, JsonNode value, long expectedVersion);

    /**
     * Applies a JSON merge patch (RFC 7396) to the value of {@code key}, atomically.
     *
     * @throws RegistryException.NoSuchKey when the key is absent
     */
    RegistryEntry update(String key, JsonNode mergePatch);

    /** Deletes {@code key}; true when it was present. */
    boolean delete(String key);

    /** Every live entry whose key starts with {@code prefix}, in key order. */
    List<RegistryEntry> list(String prefix);

    /**
     * Calls {@code listener} with each change to keys starting with {@code prefix} from now on, in
     * order per key. A deletion or expiry is reported as an entry whose {@code deleted()} is true.
     *
     * @return closing it stops the calls
     */
    AutoCloseable watch(String prefix, Consumer<RegistryEntry> listener);

    @Override
    void close();
}
