package dev.outpost.core.registry;

import dev.outpost.spi.JsonMergePatch;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryKeys;
import dev.outpost.spi.RegistryPage;
import dev.outpost.spi.RegistryWatcher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * A {@link Registry} in memory, for tests and single-process use: not durable. Thread-safe (one
 * lock); watchers are called on the hub's threads, in write order, never blocking writers. Expiry
 * is noticed when an expired key is read, listed or written (and then reported to watchers), and
 * every write also removes up to 64 entries that have fallen due, so expired entries do not pile up.
 */
public final class InMemoryRegistry implements Registry {
    private final Clock clock;
    private final int maxValueBytes;
    private final TreeMap<String, RegistryEntry> entries = new TreeMap<>(RegistryKeys.ORDER);
    /** The last version of every key ever written, so versions keep growing after a delete. */
    private final Map<String, Long> lastVersions = new HashMap<>();
    // when entries with a ttl fall due; each write removes a bounded number of due ones, so expired
    // entries do not pile up in a registry that is written but never read back
    private final PriorityQueue<Due> due = new PriorityQueue<>();
    private static final int SWEEP_PER_WRITE = 64;

    private record Due(Instant at, String key) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            return at.compareTo(o.at);
        }
    }
    private final WatchHub hub;
    private long revision;
    private boolean closed;

    private InMemoryRegistry(Clock clock, int watchBuffer) {
        this.clock = clock;
        this.maxValueBytes = RegistryKeys.DEFAULT_MAX_VALUE_BYTES;
        this.hub = new WatchHub("outpost-registry-memory", watchBuffer);
    }

    /** A registry on the system clock. */
    public static InMemoryRegistry create() {
        return new InMemoryRegistry(Clock.systemUTC(), WatchHub.DEFAULT_BUFFER);
    }

    /** A registry on {@code clock} (for testing expiry). */
    public static InMemoryRegistry create(Clock clock) {
        return new InMemoryRegistry(Objects.requireNonNull(clock, "clock"), WatchHub.DEFAULT_BUFFER);
    }

    /** A registry on {@code clock} buffering {@code watchBuffer} changes per watch. */
    public static InMemoryRegistry create(Clock clock, int watchBuffer) {
        return new InMemoryRegistry(Objects.requireNonNull(clock, "clock"), watchBuffer);
    }

    @Override
    public synchronized Optional<RegistryEntry> get(String key) {
        RegistryKeys.checkKey(key);
        ensureOpen();
        return Optional.ofNullable(live(key));
    }

    @Override
    public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
        return as(Optional.empty()).register(key, value, ttl);
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion) {
        return as(Optional.empty()).replace(key, value, expectedVersion);
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
        return as(Optional.empty()).replace(key, value, expectedVersion, ttl);
    }

    @Override
    public RegistryEntry update(String key, JsonNode mergePatch) {
        return as(Optional.empty()).update(key, mergePatch);
    }

    @Override
    public boolean delete(String key) {
        return as(Optional.empty()).delete(key);
    }

    @Override
    public boolean delete(String key, long expectedVersion) {
        return as(Optional.empty()).delete(key, expectedVersion);
    }

    @Override
    public synchronized RegistryPage list(String prefix, int limit, Optional<String> pageToken) {
        RegistryKeys.checkPrefix(prefix);
        RegistryKeys.checkLimit(limit);
        Objects.requireNonNull(pageToken, "pageToken");
        ensureOpen();
        String after = pageToken.map(t -> RegistryKeys.pageTokenStart(prefix, t)).orElse(null);
        List<RegistryEntry> out = new ArrayList<>();
        List<String> expired = new ArrayList<>();
        Instant now = clock.instant();
        var tail = after == null ? entries.tailMap(prefix, true) : entries.tailMap(after, false);
        boolean more = false;
        for (RegistryEntry e : tail.values()) {
            if (!e.key().startsWith(prefix)) {
                break;
            }
            if (e.isExpiredAt(now)) {
                expired.add(e.key());
                continue;
            }
            if (out.size() == limit) {
                more = true;
                break;
            }
            out.add(e);
        }
        expired.forEach(this::live);
        return new RegistryPage(out, more ? Optional.of(RegistryKeys.pageToken(out.get(out.size() - 1).key())) : Optional.empty());
    }

    @Override
    public synchronized long revision() {
        ensureOpen();
        return revision;
    }

    @Override
    public synchronized AutoCloseable watch(String prefix, RegistryWatcher watcher) {
        RegistryKeys.checkPrefix(prefix);
        ensureOpen();
        return hub.add(prefix, watcher);
    }

    @Override
    public Registry writingAs(String writer) {
        Objects.requireNonNull(writer, "writer");
        return as(Optional.of(writer));
    }

    @Override
    public synchronized void close() {
        closed = true;
        hub.close();
    }

    private Writer as(Optional<String> writer) {
        return new Writer(writer);
    }

    /** Writes stamped with one writer; shares everything else with the registry. */
    private final class Writer implements Registry {
        private final Optional<String> writer;

        Writer(Optional<String> writer) {
            this.writer = writer;
        }

        @Override
        public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
            RegistryKeys.checkKey(key);
            RegistryKeys.checkValue(key, value, maxValueBytes);
            Objects.requireNonNull(ttl, "ttl");
            ttl.ifPresent(RegistryKeys::checkTtl);
            synchronized (InMemoryRegistry.this) {
                ensureOpen();
                if (live(key) != null) {
                    throw new RegistryException.KeyExists(key);
                }
                Instant now = clock.instant();
                return write(key, Json.toReadOnlyTree(value), now, ttl.map(t -> expiry(now, t)), writer);
            }
        }

        @Override
        public RegistryEntry replace(String key, JsonNode value, long expectedVersion) {
            return replace(key, value, expectedVersion, null);
        }

        @Override
        public RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
            RegistryKeys.checkKey(key);
            RegistryKeys.checkValue(key, value, maxValueBytes);
            if (ttl != null) {
                ttl.ifPresent(RegistryKeys::checkTtl);
            }
            synchronized (InMemoryRegistry.this) {
                ensureOpen();
                RegistryEntry current = live(key);
                if (current == null) {
                    throw new RegistryException.NoSuchKey(key);
                }
                if (current.version() != expectedVersion) {
                    throw new RegistryException.VersionConflict(key, expectedVersion, current.version());
                }
                Instant now = clock.instant();
                return write(key, Json.toReadOnlyTree(value), now, ttl == null ? current.expiresAt() : ttl.map(t -> expiry(now, t)),
                        writer);
            }
        }

        @Override
        public RegistryEntry update(String key, JsonNode mergePatch) {
            RegistryKeys.checkKey(key);
            Objects.requireNonNull(mergePatch, "mergePatch");
            synchronized (InMemoryRegistry.this) {
                ensureOpen();
                RegistryEntry current = live(key);
                if (current == null) {
                    throw new RegistryException.NoSuchKey(key);
                }
                JsonNode merged = JsonMergePatch.apply(current.value(), mergePatch);
                RegistryKeys.checkValue(key, merged, maxValueBytes);
                return write(key, merged, clock.instant(), current.expiresAt(), writer);
            }
        }

        @Override
        public boolean delete(String key) {
            RegistryKeys.checkKey(key);
            synchronized (InMemoryRegistry.this) {
                ensureOpen();
                RegistryEntry current = live(key);
                if (current == null) {
                    return false;
                }
                remove(current, writer);
                return true;
            }
        }

        @Override
        public boolean delete(String key, long expectedVersion) {
            RegistryKeys.checkKey(key);
            synchronized (InMemoryRegistry.this) {
                ensureOpen();
                RegistryEntry current = live(key);
                if (current == null) {
                    return false;
                }
                if (current.version() != expectedVersion) {
                    throw new RegistryException.VersionConflict(key, expectedVersion, current.version());
                }
                remove(current, writer);
                return true;
            }
        }

        @Override
        public Optional<RegistryEntry> get(String key) {
            return InMemoryRegistry.this.get(key);
        }

        @Override
        public RegistryPage list(String prefix, int limit, Optional<String> pageToken) {
            return InMemoryRegistry.this.list(prefix, limit, pageToken);
        }

        @Override
        public long revision() {
            return InMemoryRegistry.this.revision();
        }

        @Override
        public AutoCloseable watch(String prefix, RegistryWatcher watcher) {
            return InMemoryRegistry.this.watch(prefix, watcher);
        }

        @Override
        public Registry writingAs(String writer) {
            return InMemoryRegistry.this.writingAs(writer);
        }

        @Override
        public void close() {
            // a view: the registry owns the store
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new RegistryException.Closed("in-memory registry");
        }
    }

    /** The live entry for {@code key}; an expired one is removed here and reported. Holds the lock. */
    private RegistryEntry live(String key) {
        RegistryEntry e = entries.get(key);
        if (e != null && e.isExpiredAt(clock.instant())) {
            entries.remove(key);
            revision++;
            hub.publish(e.tombstone(e.expiresAt().get()), revision);
            return null;
        }
        return e;
    }

    /** An expiry past what an {@link Instant} holds is the caller's mistake, refused as a bad ttl, before anything is written. */
    private static Instant expiry(Instant now, Duration ttl) {
        try {
            return now.plus(ttl);
        } catch (ArithmeticException | java.time.DateTimeException e) {
            throw new IllegalArgumentException("ttl " + ttl + " puts the expiry past what the registry can hold");
        }
    }

    private RegistryEntry write(String key, JsonNode value, Instant now, Optional<Instant> expiresAt, Optional<String> writer) {
        for (int i = 0; i < SWEEP_PER_WRITE && !due.isEmpty() && !due.peek().at().isAfter(now); i++) {
            live(due.poll().key()); // removes it only if the current entry is expired (a rewrite may have renewed it)
        }
        expiresAt.ifPresent(at -> due.add(new Due(at, key)));
        long version = lastVersions.merge(key, 1L, Long::sum);
        RegistryEntry e = new RegistryEntry(key, value, version, now, expiresAt, false, writer);
        entries.put(key, e);
        revision++;
        hub.publish(e, revision);
        return e;
    }

    private void remove(RegistryEntry current, Optional<String> writer) {
        entries.remove(current.key());
        revision++;
        RegistryEntry t = current.tombstone(clock.instant());
        hub.publish(new RegistryEntry(t.key(), t.value(), t.version(), t.updatedAt(), t.expiresAt(), true, writer), revision);
    }
}
