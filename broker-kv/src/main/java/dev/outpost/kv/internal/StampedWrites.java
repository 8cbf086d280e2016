package dev.outpost.kv.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.spi.ForwardingRegistry;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A registry's writes with the writer stamp as a parameter; {@link #view} is what {@code writingAs} returns. */
public interface StampedWrites {
    RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl, Optional<String> by);

    /** {@code ttl} null keeps the expiry. */
    RegistryEntry replace(String key, JsonNode value, long expected, Optional<Duration> ttl, Optional<String> by);

    RegistryEntry update(String key, JsonNode patch, Optional<String> by);

    /** {@code expected} below 0: any version. */
    boolean delete(String key, long expected, Optional<String> by);

    /** {@link #register}, completed when the store commits it (where it commits asynchronously: {@link #writesAsync}). */
    default CompletableFuture<RegistryEntry> registerAsync(String key, JsonNode value, Optional<Duration> ttl, Optional<String> by) {
        try {
            return CompletableFuture.completedFuture(register(key, value, ttl, by));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** {@link #replace} with a ttl, completed when the store commits it. */
    default CompletableFuture<RegistryEntry> replaceAsync(String key, JsonNode value, long expected, Optional<Duration> ttl,
            Optional<String> by) {
        try {
            return CompletableFuture.completedFuture(replace(key, value, expected, ttl, by));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Whether the async writes complete from the store's own commit, as {@link Registry#writesAsync}. */
    default boolean writesAsync() {
        return false;
    }

    /** A view of {@code base} whose writes are stamped with {@code by}; closing it does nothing. */
    static Registry view(Registry base, StampedWrites writes, String by) {
        Objects.requireNonNull(by, "writer");
        Optional<String> stamp = Optional.of(by);
        return new ForwardingRegistry(base) {
            @Override
            public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
                return writes.register(key, value, ttl, stamp);
            }

            @Override
            public RegistryEntry replace(String key, JsonNode value, long expectedVersion) {
                return writes.replace(key, value, expectedVersion, null, stamp);
            }

            @Override
            public RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
                Objects.requireNonNull(ttl, "ttl");
                return writes.replace(key, value, expectedVersion, ttl, stamp);
            }

            @Override
            public boolean writesAsync() {
                return writes.writesAsync();
            }

            @Override
            public CompletableFuture<RegistryEntry> registerAsync(String key, JsonNode value, Optional<Duration> ttl) {
                return writes.registerAsync(key, value, ttl, stamp);
            }

            @Override
            public CompletableFuture<RegistryEntry> replaceAsync(String key, JsonNode value, long expectedVersion,
                    Optional<Duration> ttl) {
                Objects.requireNonNull(ttl, "ttl");
                return writes.replaceAsync(key, value, expectedVersion, ttl, stamp);
            }

            @Override
            public RegistryEntry update(String key, JsonNode mergePatch) {
                return writes.update(key, mergePatch, stamp);
            }

            @Override
            public boolean delete(String key) {
                return writes.delete(key, -1, stamp);
            }

            @Override
            public boolean delete(String key, long expectedVersion) {
                return writes.delete(key, expectedVersion, stamp);
            }

            @Override
            public void close() {
                // a view: the registry owns the store
            }

            @Override
            public String toString() {
                return base + " writing as " + by;
            }
        };
    }
}
