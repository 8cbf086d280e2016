package dev.outpost.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A key/value store of JSON values with versions.
 *
 * <p>Every write returns the new {@link RegistryEntry} with its version; versions of a key only
 * grow, also across a delete and a new register of the key. Keys, prefixes and values follow
 * {@link RegistryKeys}: a key is {@code NAMESPACE/NAME}; a breach is a
 * {@link RegistryException.InvalidKey} or {@link RegistryException.InvalidValue}. Entries may carry
 * a time to live, after which they read as absent and watchers hear of their deletion (service
 * entries that must be refreshed). Each operation is atomic and linearizable per key.
 * Implementations are thread-safe; after {@link #close()} every call throws
 * {@link RegistryException.Closed}. A store failure is a {@link RegistryException.Unavailable}.
 */
public interface Registry extends AutoCloseable {

    /** The most entries one {@link #list(String, int, Optional)} page holds. */
    int MAX_PAGE_SIZE = 1000;

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
     * Replaces the value of {@code key} if its version is still {@code expectedVersion}, keeping its
     * expiry time.
     *
     * @throws RegistryException.NoSuchKey when the key is absent
     * @throws RegistryException.VersionConflict when the version moved on
     */
    RegistryEntry replace(String key, JsonNode value, long expectedVersion);

    /**
     * Replaces the value of {@code key} if its version is still {@code expectedVersion}, and gives it
     * a new time to live counted from now (empty: for ever). This is how a service refreshes its
     * entry.
     *
     * @throws RegistryException.NoSuchKey when the key is absent
     * @throws RegistryException.VersionConflict when the version moved on
     */
    RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl);

    /**
     * {@link #register} without holding the caller's thread while the write becomes durable: the
     * future completes with what {@code register} returns or fails with what it throws. An
     * implementation that commits in groups completes it from its commit, so one thread can have
     * many writes in flight; dependent stages should then run on the caller's own executor (the
     * {@code *Async} forms of {@link CompletableFuture}), never on the completing thread. The
     * default runs {@code register} on the caller's thread.
     */
    default CompletableFuture<RegistryEntry> registerAsync(String key, JsonNode value, Optional<Duration> ttl) {
        try {
            return CompletableFuture.completedFuture(register(key, value, ttl));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Whether {@link #registerAsync} and {@link #replaceAsync} complete from the store's own commit
     * without holding the caller's thread (true), or are the blocking defaults (false, the default).
     * A caller keeps many writes in flight only when true: otherwise each still holds a thread. A
     * decorator forwards it with the async methods.
     */
    default boolean writesAsync() {
        return false;
    }

    /**
     * {@link #replace(String, JsonNode, long, Optional)} without holding the caller's thread while
     * the write becomes durable (see {@link #registerAsync}). The default runs {@code replace} on
     * the caller's thread.
     */
    default CompletableFuture<RegistryEntry> replaceAsync(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
        try {
            return CompletableFuture.completedFuture(replace(key, value, expectedVersion, ttl));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Applies a JSON merge patch (RFC 7396) to the value of {@code key}, atomically, keeping its
     * expiry time.
     *
     * @throws RegistryException.NoSuchKey when the key is absent
     */
    RegistryEntry update(String key, JsonNode mergePatch);

    /** Deletes {@code key}; true when it was present. */
    boolean delete(String key);

    /**
     * Deletes {@code key} if its version is still {@code expectedVersion} (compare-and-delete: a
     * service removes its own entry without removing a successor's).
     *
     * @return false when the key is absent
     * @throws RegistryException.VersionConflict when the key is at another version
     */
    boolean delete(String key, long expectedVersion);

    /**
     * One page of the live entries whose key starts with {@code prefix}, in key order
     * ({@link RegistryKeys#ORDER}: by code point).
     *
     * @param limit 1 to {@link #MAX_PAGE_SIZE}
     * @param pageToken empty for the first page, else the previous page's {@link RegistryPage#nextPageToken()}
     * @throws RegistryException.InvalidKey when the prefix or the token is invalid
     */
    RegistryPage list(String prefix, int limit, Optional<String> pageToken);

    /**
     * Every live entry whose key starts with {@code prefix}, in key order, read page by page (the
     * result is not one snapshot when writers are busy; use {@link #watch} to follow changes).
     */
    default List<RegistryEntry> list(String prefix) {
        List<RegistryEntry> all = new ArrayList<>();
        Optional<String> token = Optional.empty();
        do {
            RegistryPage page = list(prefix, MAX_PAGE_SIZE, token);
            all.addAll(page.entries());
            token = page.nextPageToken();
        } while (token.isPresent());
        return all;
    }

    /**
     * The store's revision: a number that grows with every change to the store (write, delete,
     * expiry) and never goes back. Two equal readings mean nothing changed in between, which lets a
     * poller skip work. Implementations that detect expiry lazily say so.
     */
    long revision();

    /**
     * Calls {@code watcher} with each change to keys starting with {@code prefix} from now on, in
     * order per key. A deletion or expiry is reported as an entry whose {@code deleted()} is true.
     * Slow watchers never block writers: each watch has a bounded buffer, and a watcher that falls
     * behind is told by {@link RegistryWatcher#onResync}. An implementation that watches by polling
     * may merge several versions of a key written between two polls into the newest one.
     *
     * @return closing it stops the calls
     */
    AutoCloseable watch(String prefix, RegistryWatcher watcher);

    /**
     * A view of this registry that stamps every write with {@code writer} (see
     * {@link RegistryEntry#updatedBy()}). The view shares the store and is closed with it; closing
     * the view does nothing.
     */
    Registry writingAs(String writer);

    @Override
    void close();
}
