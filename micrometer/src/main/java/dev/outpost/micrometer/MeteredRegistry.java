package dev.outpost.micrometer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.micrometer.internal.OpTimers;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryPage;
import dev.outpost.spi.RegistryWatcher;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A {@link Registry} that times every operation: {@code outpost.registry.operations} timer
 * [operation = get | register | replace | update | delete | list | watch, outcome = ok or the
 * failure's exception name, e.g. {@code version-conflict}]. Registries made by
 * {@link #writingAs(String)} share the meters. Closing the wrapper closes the registry.
 *
 * <pre>{@code
 * Registry registry = MeteredRegistry.wrap(sqliteRegistry, meterRegistry);
 * }</pre>
 */
public final class MeteredRegistry implements Registry {
    private final Registry delegate;
    private final MeterRegistry meters;
    private final OpTimers timers;

    private MeteredRegistry(Registry delegate, MeterRegistry meters, OpTimers timers) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.meters = meters;
        this.timers = timers;
    }

    /** Wraps {@code registry} with the default settings. */
    public static MeteredRegistry wrap(Registry registry, MeterRegistry meters) {
        return wrap(registry, meters, MeterSettings.DEFAULTS);
    }

    /** Wraps {@code registry}. */
    public static MeteredRegistry wrap(Registry registry, MeterRegistry meters, MeterSettings settings) {
        Objects.requireNonNull(meters, "meters");
        return new MeteredRegistry(registry, meters, new OpTimers(meters, "outpost.registry.operations",
                "registry operations", settings.commonTags(), settings.percentiles(), settings.percentileHistogram(),
                settings.maxTagValues()));
    }

    private <T> T timed(String op, Supplier<T> call) {
        Timer.Sample sample = Timer.start(meters);
        try {
            T out = call.get();
            timers.stop(sample, op, "ok");
            return out;
        } catch (RuntimeException | Error e) {
            timers.stop(sample, op, OpTimers.outcomeOf(e));
            throw e;
        }
    }

    /** Timed from the call until the future completes (when the store commits), by how it completed. */
    private <T> CompletableFuture<T> timedAsync(String op, Supplier<CompletableFuture<T>> call) {
        Timer.Sample sample = Timer.start(meters);
        CompletableFuture<T> f;
        try {
            f = call.get();
        } catch (RuntimeException | Error e) {
            timers.stop(sample, op, OpTimers.outcomeOf(e));
            throw e;
        }
        // stopped on the thread that completes the write (the store's committer): one sample, nothing more
        f.whenComplete((v, e) -> timers.stop(sample, op, e == null ? "ok" : OpTimers.outcomeOf(e)));
        return f;
    }

    @Override
    public Optional<RegistryEntry> get(String key) {
        return timed("get", () -> delegate.get(key));
    }

    @Override
    public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
        return timed("register", () -> delegate.register(key, value, ttl));
    }

    @Override
    public boolean writesAsync() {
        return delegate.writesAsync();
    }

    @Override
    public CompletableFuture<RegistryEntry> registerAsync(String key, JsonNode value, Optional<Duration> ttl) {
        return timedAsync("register", () -> delegate.registerAsync(key, value, ttl));
    }

    @Override
    public CompletableFuture<RegistryEntry> replaceAsync(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
        return timedAsync("replace", () -> delegate.replaceAsync(key, value, expectedVersion, ttl));
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion) {
        return timed("replace", () -> delegate.replace(key, value, expectedVersion));
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
        return timed("replace", () -> delegate.replace(key, value, expectedVersion, ttl));
    }

    @Override
    public RegistryEntry update(String key, JsonNode mergePatch) {
        return timed("update", () -> delegate.update(key, mergePatch));
    }

    @Override
    public boolean delete(String key) {
        return timed("delete", () -> delegate.delete(key));
    }

    @Override
    public boolean delete(String key, long expectedVersion) {
        return timed("delete", () -> delegate.delete(key, expectedVersion));
    }

    @Override
    public RegistryPage list(String prefix, int limit, Optional<String> pageToken) {
        return timed("list", () -> delegate.list(prefix, limit, pageToken));
    }

    @Override
    public long revision() {
        return delegate.revision();
    }

    @Override
    public AutoCloseable watch(String prefix, RegistryWatcher watcher) {
        return timed("watch", () -> delegate.watch(prefix, watcher));
    }

    @Override
    public Registry writingAs(String writer) {
        return new MeteredRegistry(delegate.writingAs(writer), meters, timers);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "Metered" + delegate;
    }
}
