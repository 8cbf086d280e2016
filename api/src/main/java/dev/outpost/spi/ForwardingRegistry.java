package dev.outpost.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Registry} that hands every call to another, the default methods included: extend it
 * and override what your decorator changes (metering, fault injection, access checks). Forwarding
 * the defaults is the point: a decorator that implements {@code Registry} directly and forgets
 * {@link #registerAsync} turns a store's group commit back into one blocking write per call. Each
 * call goes to the delegate's method of the same name, so a decorator that changes
 * {@link #register} and is used through {@link #registerAsync} overrides both (likewise
 * {@code replace} and the paged and whole {@code list}).
 *
 * <pre>{@code
 * Registry counting = new ForwardingRegistry(sqlite) {
 *     @Override
 *     public Optional<RegistryEntry> get(String key) {
 *         reads.increment();
 *         return super.get(key);
 *     }
 * };
 * }</pre>
 */
public abstract class ForwardingRegistry implements Registry {
    private final Registry delegate;

    /** Forwards to {@code delegate}. */
    protected ForwardingRegistry(Registry delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The registry calls are forwarded to. */
    protected Registry delegate() {
        return delegate;
    }

    @Override
    public Optional<RegistryEntry> get(String key) {
        return delegate.get(key);
    }

    @Override
    public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
        return delegate.register(key, value, ttl);
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion) {
        return delegate.replace(key, value, expectedVersion);
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
        return delegate.replace(key, value, expectedVersion, ttl);
    }

    @Override
    public CompletableFuture<RegistryEntry> registerAsync(String key, JsonNode value, Optional<Duration> ttl) {
        return delegate.registerAsync(key, value, ttl);
    }

    @Override
    public boolean writesAsync() {
        return delegate.writesAsync();
    }

    @Override
    public CompletableFuture<RegistryEntry> replaceAsync(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
        return delegate.replaceAsync(key, value, expectedVersion, ttl);
    }

    @Override
    public RegistryEntry update(String key, JsonNode mergePatch) {
        return delegate.update(key, mergePatch);
    }

    @Override
    public boolean delete(String key) {
        return delegate.delete(key);
    }

    @Override
    public boolean delete(String key, long expectedVersion) {
        return delegate.delete(key, expectedVersion);
    }

    @Override
    public RegistryPage list(String prefix, int limit, Optional<String> pageToken) {
        return delegate.list(prefix, limit, pageToken);
    }

    @Override
    public List<RegistryEntry> list(String prefix) {
        return delegate.list(prefix);
    }

    @Override
    public long revision() {
        return delegate.revision();
    }

    @Override
    public AutoCloseable watch(String prefix, RegistryWatcher watcher) {
        return delegate.watch(prefix, watcher);
    }

    /**
     * The delegate's view writing as {@code writer}; not decorated: override to wrap it in your
     * decorator when writes made through it must pass the decorator too.
     */
    @Override
    public Registry writingAs(String writer) {
        return delegate.writingAs(writer);
    }

    /** Closes the delegate; override with an empty method when the decorator does not own it. */
    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
