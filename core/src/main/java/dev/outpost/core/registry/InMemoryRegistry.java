package dev.outpost.core.registry;

import dev.outpost.spi.JsonMergePatch;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.outpost.spi.Registry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Registry} in memory, for tests and single-process use: not durable. Thread-safe;
 * watchers are called synchronously, in write order, after the write.
 */
public final class InMemoryRegistry implements Registry {
    private static final Logger log = LoggerFactory.getLogger(InMemoryRegistry.class);
    private static final int MAX_KEY = 512;

    private final Clock clock;
    private final TreeMap<String, RegistryEntry> entries = new TreeMap<>();
    private final Map<String, Long> lastVersions = new java.util.HashMap<>();
    private final List<Watch> watches = new CopyOnWriteArrayList<>();

    private InMemoryRegistry(Clock clock) {
        this.clock = clock;
    }

    /** A registry on the system clock. */
    public static InMemoryRegistry create() {
        return new InMemoryRegistry(Clock.systemUTC());
    }

    /** A registry on {@code clock} (for testing expiry). */
    public static InMemoryRegistry create(Clock clock) {
        return new InMemoryRegistry(Objects.requireNonNull(clock, "clock"));
    }

    @Override
    public synchronized Optional<RegistryEntry> get(String key) {
        checkKey(key);
        return Optional.ofNullable(live(key));
    }

    @Override
    public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
        checkKey(key);
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(ttl, "ttl");
        RegistryEntry e;
        synchronized (this) {
            if (live(key) != null) {
                throw new RegistryException.KeyExists(key);
            }
            Instant now = clock.instant();
            e = write(key, value.deepCopy(), now, ttl.map(now::plus));
        }
        fire(e);
        return e;
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion) {
        checkKey(key);
        Objects.requireNonNull(value, "value");
        RegistryEntry e;
        synchronized (this) {
            RegistryEntry current = live(key);
            if (current == null) {
                throw new RegistryException.NoSuchKey(key);
            }
            if (current.version() != expectedVersion) {
                throw new RegistryException.VersionConflict(key, expectedVersion, current.version());
            }
            e = write(key, value.deepCopy(), clock.instant(), current.expiresAt());
        }
        fire(e);
        return e;
    }

    @Override
    public RegistryEntry update(String key, JsonNode mergePatch) {
        checkKey(key);
        Objects.requireNonNull(mergePatch, "mergePatch");
        RegistryEntry e;
        synchronized (this) {
            RegistryEntry current = live(key);
            if (current == null) {
                throw new RegistryException.NoSuchKey(key);
            }
            e = write(key, JsonMergePatch.apply(current.value(), mergePatch), clock.instant(), current.expiresAt());
        }
        fire(e);
        return e;
    }

    @Override
    public boolean delete(String key) {
        checkKey(key);
        RegistryEntry gone;
        synchronized (this) {
            RegistryEntry current = live(key);
            if (current == null) {
                return false;
            }
            entries.remove(key);
            gone = tombstone(current);
        }
        fire(gone);
        return true;
    }

    @Override
    public List<RegistryEntry> list(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        List<RegistryEntry> out = new ArrayList<>();
        List<RegistryEntry> expired = new ArrayList<>();
        synchronized (this) {
            Instant now = clock.instant();
            for (RegistryEntry e : entries.tailMap(prefix, true).values()) {
                if (!e.key().startsWith(prefix)) {
                    break;
                }
                if (e.expiresAt().isPresent() && !now.isBefore(e.expiresAt().get())) {
                    expired.add(e);
                } else {
                    out.add(e);
                }
            }
            expired.forEach(e -> entries.remove(e.key()));
        }
        expired.forEach(e -> fire(tombstone(e)));
        return out;
    }

    @Override
    public AutoCloseable watch(String prefix, Consumer<RegistryEntry> listener) {
        Watch w = new Watch(Objects.requireNonNull(prefix, "prefix"), Objects.requireNonNull(listener, "listener"));
        watches.add(w);
        return () -> watches.remove(w);
    }

    @Override
    public void close() {
        watches.clear();
    }

    private RegistryEntry live(String key) {
        RegistryEntry e = entries.get(key);
        if (e != null && e.expiresAt().isPresent() && !clock.instant().isBefore(e.expiresAt().get())) {
            entries.remove(key);
            return null;
        }
        return e;
    }

    private RegistryEntry write(String key, JsonNode value, Instant now, Optional<Instant> expiresAt) {
        long version = lastVersions.merge(key, 1L, Long::sum);
        RegistryEntry e = new RegistryEntry(key, value, version, now, expiresAt, false);
        entries.put(key, e);
        return e;
    }

    private RegistryEntry tombstone(RegistryEntry e) {
        return new RegistryEntry(e.key(), NullNode.getInstance(), e.version(), clock.instant(), Optional.empty(), true);
    }

    private void fire(RegistryEntry e) {
        for (Watch w : watches) {
            if (e.key().startsWith(w.prefix)) {
                try {
                    w.listener.accept(e);
                } catch (RuntimeException ex) {
                    log.warn("registry watcher for '{}' failed", w.prefix, ex);
                }
            }
        }
    }

    private static void checkKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty() || key.length() > MAX_KEY) {
            throw new IllegalArgumentException("keys are 1 to " + MAX_KEY + " characters, was " + key.length());
        }
    }

    private record Watch(String prefix, Consumer<RegistryEntry> listener) {}
}
