package dev.outpost.kv.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.spi.JsonMergePatch;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/** The SQLite registry's writes: checked on the caller's thread, decided on the writer's. */
public final class SqliteWrites implements StampedWrites {
    private final Supplier<SqliteWriter> writer;
    private final int maxValueBytes;

    /** @param writer the running writer; throws when the registry is not running */
    public SqliteWrites(Supplier<SqliteWriter> writer, int maxValueBytes) {
        this.writer = writer;
        this.maxValueBytes = maxValueBytes;
    }

    private <T> T submit(String key, Function<SqliteTx, T> body) {
        return writer.get().submit(key, body);
    }

    @Override
    public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl, Optional<String> by) {
        return submit(key, registering(key, value, ttl, by));
    }

    /** True: the async writes complete from the writer's group commit. */
    @Override
    public boolean writesAsync() {
        return true;
    }

    /** {@link #register} answered from the group commit, without holding the caller's thread. */
    @Override
    public CompletableFuture<RegistryEntry> registerAsync(String key, JsonNode value, Optional<Duration> ttl, Optional<String> by) {
        return async(key, () -> registering(key, value, ttl, by));
    }

    private Function<SqliteTx, RegistryEntry> registering(String key, JsonNode value, Optional<Duration> ttl, Optional<String> by) {
        RegistryKeys.checkKey(key);
        String text = Values.check(key, value, maxValueBytes);
        Objects.requireNonNull(ttl, "ttl");
        ttl.ifPresent(RegistryKeys::checkTtl);
        // what was checked, whatever the caller does with value meanwhile; read-only, so the entry the
        // writer makes of it keeps it without a second copy on the writer's thread
        JsonNode copy = Json.toReadOnlyTree(value);
        return tx -> {
            Optional<Instant> expires = ttl.map(t -> expiry(tx, t));
            RegistryEntry fresh = tx.insertIfAbsent(key, copy, text, expires, by);
            if (fresh != null) {
                return fresh;
            }
            if (tx.live(key) != null) {
                throw new RegistryException.KeyExists(key);
            }
            return tx.put(key, copy, text, tx.nextVersion(key), expires, by);
        };
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expected, Optional<Duration> ttl, Optional<String> by) {
        return submit(key, replacing(key, value, expected, ttl, by));
    }

    /** {@link #replace} answered from the group commit, without holding the caller's thread. */
    @Override
    public CompletableFuture<RegistryEntry> replaceAsync(String key, JsonNode value, long expected, Optional<Duration> ttl,
            Optional<String> by) {
        return async(key, () -> replacing(key, value, expected, ttl, by));
    }

    private Function<SqliteTx, RegistryEntry> replacing(String key, JsonNode value, long expected, Optional<Duration> ttl,
            Optional<String> by) {
        RegistryKeys.checkKey(key);
        String text = Values.check(key, value, maxValueBytes);
        if (ttl != null) {
            ttl.ifPresent(RegistryKeys::checkTtl);
        }
        JsonNode copy = Json.toReadOnlyTree(value);
        return tx -> {
            if (ttl != null) { // a new expiry: nothing needed from the current row, one statement
                RegistryEntry done = tx.replaceIfCurrent(key, copy, text, expected, ttl.map(t -> expiry(tx, t)), by);
                if (done != null) {
                    return done;
                }
            }
            SqliteRow cur = tx.live(key);
            if (cur == null) {
                throw new RegistryException.NoSuchKey(key);
            }
            if (cur.version() != expected) {
                throw new RegistryException.VersionConflict(key, expected, cur.version());
            }
            return tx.put(key, copy, text, tx.nextVersion(key), ttl == null ? cur.expiresAt() : ttl.map(t -> expiry(tx, t)), by);
        };
    }

    /** A refusal on the caller's thread (bad key, value or ttl, registry closed) fails the future like one from the writer. */
    private <T> CompletableFuture<T> async(String key, Supplier<Function<SqliteTx, T>> checked) {
        try {
            return writer.get().submitAsync(key, checked.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public RegistryEntry update(String key, JsonNode patch, Optional<String> by) {
        RegistryKeys.checkKey(key);
        Objects.requireNonNull(patch, "mergePatch");
        Values.check(key, patch, maxValueBytes);
        return submit(key, tx -> {
            SqliteRow cur = tx.live(key);
            if (cur == null) {
                throw new RegistryException.NoSuchKey(key);
            }
            JsonNode merged = JsonMergePatch.apply(SqliteRow.parse(cur.value()), patch);
            String text = Values.check(key, merged, maxValueBytes);
            return tx.put(key, merged, text, tx.nextVersion(key), cur.expiresAt(), by);
        });
    }

    @Override
    public boolean delete(String key, long expected, Optional<String> by) {
        RegistryKeys.checkKey(key);
        return submit(key, tx -> {
            SqliteRow cur = tx.live(key);
            if (cur == null) {
                return false;
            }
            if (expected >= 0 && cur.version() != expected) {
                throw new RegistryException.VersionConflict(key, expected, cur.version());
            }
            tx.tombstone(cur, by);
            return true;
        });
    }

    /**
     * Writes checked import lines in one transaction: each key gets the larger of its exported
     * version and its current version plus one. {@code onlyNew}: keys that are live stay as they
     * are; {@code mirror}: live keys the lines do not name are deleted.
     */
    public int importAll(Iterable<RegistryEntry> lines, boolean onlyNew, boolean mirror) {
        for (RegistryEntry e : lines) {
            Values.check(e.key(), e.value(), maxValueBytes);
        }
        return submit("", tx -> {
            int n = 0;
            Set<String> named = new HashSet<>();
            for (RegistryEntry e : lines) {
                if (e.isExpiredAt(tx.now())) {
                    continue; // absent from the file's state: a mirror deletes the live key
                }
                named.add(e.key());
                if (onlyNew && tx.live(e.key()) != null) {
                    continue; // additive: what is there stays
                }
                long version = Math.max(e.version(), tx.nextVersion(e.key()));
                tx.put(e.key(), e.value(), Values.check(e.key(), e.value(), maxValueBytes), version, e.expiresAt(),
                        Optional.of(e.updatedBy().orElse("import")));
                n++;
            }
            if (mirror) {
                for (SqliteRow row : tx.liveRows()) {
                    SqliteRow cur = named.contains(row.key()) ? null : tx.live(row.key());
                    if (cur != null) {
                        tx.tombstone(cur, Optional.of("import"));
                    }
                }
            }
            return n;
        });
    }

    /**
     * When an entry written now with {@code ttl} expires. An expiry the file's epoch milliseconds
     * cannot hold is the caller's mistake, refused like a bad key: an exception of another kind
     * would fail every write committed in the same batch.
     */
    private static Instant expiry(SqliteTx tx, Duration ttl) {
        try {
            Instant at = tx.now().plus(ttl);
            at.toEpochMilli();
            return at;
        } catch (ArithmeticException | java.time.DateTimeException e) {
            throw new IllegalArgumentException("ttl " + ttl + " puts the expiry past what the store can hold");
        }
    }
}
