package dev.outpost.kv;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.kv.internal.DynamoTable.Item;
import dev.outpost.kv.internal.DynamoTable;
import dev.outpost.kv.internal.PollingWatches;
import dev.outpost.kv.internal.Settings;
import dev.outpost.kv.internal.Values;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.JsonMergePatch;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import dev.outpost.spi.RegistryPage;
import dev.outpost.spi.RegistryWatcher;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import static dev.outpost.kv.internal.DynamoTable.META;
import static dev.outpost.kv.internal.DynamoTable.item;
import static dev.outpost.kv.internal.DynamoTable.n;
import static dev.outpost.kv.internal.DynamoTable.parse;
import static dev.outpost.kv.internal.DynamoTable.s;

/**
 * A {@link Registry} on DynamoDB, for fleets where one machine is not enough. Needs
 * {@code software.amazon.awssdk:dynamodb} (an optional dependency of this module) and a table made
 * by {@link DynamoDbProvisioner}.
 *
 * <pre>{@code
 * DynamoDbClient dynamo = DynamoDbClient.create();
 * new DynamoDbProvisioner(dynamo).table("outpost-registry");
 * try (DynamoDbRegistry kv = DynamoDbRegistry.builder(dynamo, "outpost-registry").build()) {
 *     kv.register("svc/billing", Json.parse("{\"queue\":\"billing\"}"), Optional.of(Duration.ofMinutes(1)));
 * }
 * }</pre>
 *
 * <p><b>Layout.</b> One item per key: partition key {@code ns} (the namespace), sort key
 * {@code name} (the rest of the key), so a prefix {@code list} is one {@code Query} on one
 * partition, in key order (DynamoDB orders string sort keys by UTF-8 bytes, which is
 * {@link RegistryKeys#ORDER}). Attributes: {@code val} (JSON text), {@code ver}, {@code upd}
 * (epoch ms), {@code by}, {@code expMs} (epoch ms), {@code ttl} (epoch seconds, DynamoDB's TTL
 * attribute), {@code del} (tombstone). The store revision is an atomic counter item in the
 * reserved partition {@code _outpost}.
 *
 * <p><b>Writes</b> are conditional: every write reads the item (strongly consistent), computes
 * the next version and writes on the condition that the version it read is still there; on a lost
 * race it reads again. Register-if-absent, compare-and-set, merge-patch update and
 * compare-and-delete are therefore atomic and linearizable per key. A delete leaves a tombstone
 * holding the version, so a key registered again continues from there.
 *
 * <p><b>Expiry.</b> An entry's {@code expMs} decides, by the injected {@link Clock}: expired entries
 * read as absent at once. DynamoDB's own TTL deletion is lazy (it may take days) and only cleans
 * up: the {@code ttl} attribute is set {@link Builder#expiredRetention} (7 days) after expiry. Since
 * TTL removes an item with its version, a key written with an expiry keeps a version floor in a
 * second item (partition {@code _floor/NAMESPACE}, no TTL) reserved 1024 versions ahead: a key
 * registered again after DynamoDB removed its item starts above every version it had, so a
 * compare-and-set from before the removal never succeeds on the new item. Expiry does not move
 * the revision (nothing writes when time passes); watches notice it on their full polls.
 *
 * <p><b>Lifecycle.</b> {@link Builder#build()} sends nothing; every call needs {@link #start()}
 * first ({@link IllegalStateException} before it, {@link RegistryException.Closed} after
 * {@link #shutdown()}). The watch poller's thread comes from {@link Builder#threadFactory}.
 *
 * <p><b>Watch</b> polls, like {@link RemoteRegistry}: the revision counter every
 * {@link Builder#pollInterval} (1 s), a {@code Query} of each watched prefix when it moved (and
 * every {@link Builder#fullPollEvery} polls). Polling was chosen over DynamoDB Streams: Streams
 * need a shard reader per table (the KCL adapter or hand-written shard iteration with leases),
 * keep records only 24 h, and would report DynamoDB's late TTL deletions rather than the expiry
 * time; a watched prefix is one cheap query, and registries change slowly. Versions written
 * between two polls are merged into the newest one.
 */
public final class DynamoDbRegistry implements Registry {
    /** The default retention of expired items before DynamoDB's TTL removes them. */
    public static final Duration DEFAULT_EXPIRED_RETENTION = Duration.ofDays(7);

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final int maxValueBytes;
    private final Duration expiredRetention;

    private final Optional<String> writer;
    private final PollingWatches watches;
    private final Lifecycle lifecycle;
    private final DynamoTable io;

    private DynamoDbRegistry(Builder b, Duration expiredRetention, Duration pollInterval, int fullPollEvery) {
        this.dynamo = b.dynamo;
        this.table = b.table;
        this.clock = b.clock;
        this.maxValueBytes = b.maxValueBytes;
        this.expiredRetention = expiredRetention;
        this.io = new DynamoTable(dynamo, table, expiredRetention);
        this.writer = Optional.empty();
        this.lifecycle = new Lifecycle(toString(), "kv-dynamodb", b.threadFactory);
        this.watches = new PollingWatches(toString(), lifecycle.role("watch"), new Guard(toString()), pollInterval,
                fullPollEvery, this::revision, this::list, clock);
    }

    private DynamoDbRegistry(DynamoDbRegistry base, String writer) {
        this.dynamo = base.dynamo;
        this.table = base.table;
        this.clock = base.clock;
        this.maxValueBytes = base.maxValueBytes;
        this.expiredRetention = base.expiredRetention;
        this.writer = Optional.of(writer);
        this.io = base.io;
        this.watches = base.watches;
        this.lifecycle = base.lifecycle;
    }

    /** A builder for a registry in {@code table} (made by {@link DynamoDbProvisioner}). */
    public static Builder builder(DynamoDbClient dynamo, String table) {
        return new Builder(dynamo, table);
    }

    /**
     * Starts the registry: calls are taken from now on (the watch poller thread starts with the
     * first watch). Nothing is sent to DynamoDB before the first call.
     *
     * @return this
     * @throws IllegalStateException when started before or shut down
     */
    public DynamoDbRegistry start() {
        lifecycle.start();
        return this;
    }

    /** Stops the watch poller; the DynamoDB client is the caller's. Idempotent: the same future every call. */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown(Duration.ofSeconds(10), watches::close);
    }

    private interface Step<T> {
        /** The result, or null to read again (the write lost a race). */
        T attempt(Optional<Item> current, long nowMs);
    }

    /** Epoch milliseconds {@code ttl} after {@code now}; one past a long is refused, not wrapped into the past. */
    private static long expiresAt(String key, long now, Duration ttl) {
        try {
            return Math.addExact(now, ttl.toMillis());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("ttl " + ttl + " of '" + key + "' puts the expiry past what the table can hold");
        }
    }

    /** Reads, decides and writes conditionally until the write wins or the step refuses. */
    private <T> T loop(String key, Step<T> step) {
        ensureOpen();
        try {
            for (int i = 0; i < 1000; i++) {
                T result = step.attempt(io.read(key), clock.instant().truncatedTo(ChronoUnit.MILLIS).toEpochMilli());
                if (result != null) {
                    return result;
                }
            }
            throw new RegistryException.Unavailable(key, "gave up after 1000 lost races on one key", null);
        } catch (SdkException e) {
            throw new RegistryException.Unavailable(key, "DynamoDB table " + table + " failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public Optional<RegistryEntry> get(String key) {
        RegistryKeys.checkKey(key);
        ensureOpen();
        try {
            long now = clock.millis();
            return io.read(key).filter(i -> i.liveAt(now)).map(Item::entry);
        } catch (SdkException e) {
            throw new RegistryException.Unavailable(key, "DynamoDB table " + table + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public RegistryPage list(String prefix, int limit, Optional<String> pageToken) {
        RegistryKeys.checkPrefix(prefix);
        RegistryKeys.checkLimit(limit);
        Objects.requireNonNull(pageToken, "pageToken");
        Optional<String> after = pageToken.map(t -> RegistryKeys.pageTokenStart(prefix, t));
        ensureOpen();
        String ns = RegistryKeys.namespaceOf(prefix);
        String rest = prefix.substring(ns.length() + 1);
        long now = clock.millis();
        List<RegistryEntry> out = new ArrayList<>();
        boolean more = false;
        Map<String, AttributeValue> start = null;
        try {
            scan:
            do {
                QueryRequest.Builder q = QueryRequest.builder().tableName(table).consistentRead(true).limit(Math.min(1000, limit + 1));
                if (after.isPresent()) {
                    // continue after the last key returned; stop below when keys leave the prefix
                    q.keyConditionExpression("ns = :ns AND #n > :after").expressionAttributeNames(Map.of("#n", "name"))
                            .expressionAttributeValues(Map.of(":ns", s(ns), ":after", s(after.get().substring(ns.length() + 1))));
                } else if (!rest.isEmpty()) {
                    q.keyConditionExpression("ns = :ns AND begins_with(#n, :rest)").expressionAttributeNames(Map.of("#n", "name"))
                            .expressionAttributeValues(Map.of(":ns", s(ns), ":rest", s(rest)));
                } else {
                    q.keyConditionExpression("ns = :ns").expressionAttributeValues(Map.of(":ns", s(ns)));
                }
                if (start != null) {
                    q.exclusiveStartKey(start);
                }
                QueryResponse r = dynamo.query(q.build());
                for (Map<String, AttributeValue> a : r.items()) {
                    Item i = item(a);
                    if (!i.key().startsWith(prefix)) {
                        break scan;
                    }
                    if (!i.liveAt(now)) {
                        continue;
                    }
                    if (out.size() == limit) {
                        more = true;
                        break scan;
                    }
                    out.add(i.entry());
                }
                start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
            } while (start != null);
        } catch (SdkException e) {
            throw new RegistryException.Unavailable(prefix, "DynamoDB table " + table + " failed: " + e.getMessage(), e);
        }
        return new RegistryPage(out, more ? Optional.of(RegistryKeys.pageToken(out.get(out.size() - 1).key())) : Optional.empty());
    }

    /** The revision counter: moved by every write (not by expiry, which writes nothing). */
    @Override
    public long revision() {
        ensureOpen();
        try {
            Map<String, AttributeValue> a = dynamo.getItem(r -> r.tableName(table)
                    .key(Map.of("ns", s(META), "name", s("revision"))).consistentRead(true)).item();
            return a == null || !a.containsKey("rev") ? 0 : Long.parseLong(a.get("rev").n());
        } catch (SdkException e) {
            throw new RegistryException.Unavailable("", "DynamoDB table " + table + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public AutoCloseable watch(String prefix, RegistryWatcher watcher) {
        RegistryKeys.checkPrefix(prefix);
        Objects.requireNonNull(watcher, "watcher");
        ensureOpen();
        return watches.add(prefix, watcher);
    }

    // ---------------------------------------------------------------- writes

    @Override
    public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
        RegistryKeys.checkKey(key);
        String text = Values.check(key, value, maxValueBytes);
        Objects.requireNonNull(ttl, "ttl");
        ttl.ifPresent(RegistryKeys::checkTtl);
        return loop(key, (cur, now) -> {
            if (cur.isPresent() && cur.get().liveAt(now)) {
                throw new RegistryException.KeyExists(key);
            }
            Item next = new Item(key, text, cur.isPresent() ? next(cur.get()) : io.firstVersion(key), now, writer,
                    ttl.map(t -> expiresAt(key, now, t)), false);
            return io.write(next, cur) ? next.entry() : null;
        });
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion) {
        return replace(key, value, expectedVersion, null);
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
        RegistryKeys.checkKey(key);
        String text = Values.check(key, value, maxValueBytes);
        if (ttl != null) {
            ttl.ifPresent(RegistryKeys::checkTtl);
        }
        return loop(key, (cur, now) -> {
            Item live = cur.filter(c -> c.liveAt(now)).orElseThrow(() -> new RegistryException.NoSuchKey(key));
            if (live.version() != expectedVersion) {
                throw new RegistryException.VersionConflict(key, expectedVersion, live.version());
            }
            Optional<Long> exp = ttl == null ? live.expMs() : ttl.map(t -> expiresAt(key, now, t));
            Item next = new Item(key, text, next(live), now, writer, exp, false);
            return io.write(next, cur) ? next.entry() : null;
        });
    }

    @Override
    public RegistryEntry update(String key, JsonNode mergePatch) {
        RegistryKeys.checkKey(key);
        Objects.requireNonNull(mergePatch, "mergePatch");
        Values.check(key, mergePatch, maxValueBytes);
        return loop(key, (cur, now) -> {
            Item live = cur.filter(c -> c.liveAt(now)).orElseThrow(() -> new RegistryException.NoSuchKey(key));
            String text = Values.check(key, JsonMergePatch.apply(parse(live.value()), mergePatch), maxValueBytes);
            Item next = new Item(key, text, next(live), now, writer, live.expMs(), false);
            return io.write(next, cur) ? next.entry() : null;
        });
    }

    @Override
    public boolean delete(String key) {
        return delete(key, -1);
    }

    @Override
    public boolean delete(String key, long expectedVersion) {
        RegistryKeys.checkKey(key);
        return loop(key, (cur, now) -> {
            if (cur.isEmpty() || !cur.get().liveAt(now)) {
                return false;
            }
            Item live = cur.get();
            if (expectedVersion >= 0 && live.version() != expectedVersion) {
                throw new RegistryException.VersionConflict(key, expectedVersion, live.version());
            }
            // a tombstone keeps the version so that a new register continues from it
            Item tomb = new Item(key, "null", live.version(), now, writer.or(() -> live.by()), Optional.empty(), true, live.reserved());
            return io.write(tomb, cur) ? Boolean.TRUE : null;
        });
    }

    @Override
    public Registry writingAs(String name) {
        Objects.requireNonNull(name, "writer");
        return new DynamoDbRegistry(this, name);
    }

    /** {@link #shutdown()} and wait; on a {@link #writingAs} view it does nothing. */
    @Override
    public void close() {
        if (writer.isEmpty()) {
            lifecycle.closeAndReport(shutdown());
        }
    }

    private void ensureOpen() {
        if (lifecycle.stopped()) {
            throw new RegistryException.Closed("DynamoDB registry " + table);
        }
        lifecycle.requireStarted();
    }

    private static long next(Item cur) {
        if (cur.version() == Long.MAX_VALUE) {
            throw new RegistryException.InvalidValue(cur.key(), "its version " + cur.version() + " cannot grow any further");
        }
        return cur.version() + 1;
    }


    @Override
    public String toString() {
        return "DynamoDbRegistry[" + table + "]";
    }

    /** Builds a {@link DynamoDbRegistry}. */
    public static final class Builder {
        private final DynamoDbClient dynamo;
        private final String table;
        private Clock clock = Clock.systemUTC();
        private int maxValueBytes = RegistryKeys.DEFAULT_MAX_VALUE_BYTES;
        private Optional<Duration> expiredRetention = Optional.empty();
        private Optional<Duration> pollInterval = Optional.empty();
        private Optional<Integer> fullPollEvery = Optional.empty();
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();

        Builder(DynamoDbClient dynamo, String table) {
            this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
            this.table = Objects.requireNonNull(table, "table");
        }

        /**
         * The clock for timestamps and expiry (default: system UTC). DynamoDB's TTL runs on real
         * time, {@link #expiredRetention} after the expiry this clock set: a clock far behind real
         * time (a test clock) lets DynamoDB remove entries that this clock still sees live, and
         * watches then report them deleted; give such a clock a retention that covers the gap.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The limit on a value's size (default 64 KiB; at most 350 KiB, under DynamoDB's 400 KB item limit). */
        public Builder maxValueBytes(int bytes) {
            if (bytes < 1 || bytes > 350 * 1024) {
                throw new IllegalArgumentException("maxValueBytes must be 1 to " + 350 * 1024 + ", was " + bytes);
            }
            this.maxValueBytes = bytes;
            return this;
        }

        /** How long an expired item stays before DynamoDB's TTL may remove it (default 7 days). */
        public Builder expiredRetention(Duration retention) {
            if (retention.isNegative()) {
                throw new IllegalArgumentException("expiredRetention must not be negative, was " + retention);
            }
            this.expiredRetention = Optional.of(retention);
            return this;
        }

        /** How often watches poll (default 1 s). */
        public Builder pollInterval(Duration interval) {
            if (interval.compareTo(Duration.ofMillis(10)) < 0) { // not toMillis(): it overflows for the longest durations
                throw new IllegalArgumentException("pollInterval must be at least 10 ms, was " + interval);
            }
            this.pollInterval = Optional.of(interval);
            return this;
        }

        /** Every how many polls watched prefixes are queried even if the revision did not move (default 10). */
        public Builder fullPollEvery(int polls) {
            if (polls < 1) {
                throw new IllegalArgumentException("fullPollEvery must be at least 1, was " + polls);
            }
            this.fullPollEvery = Optional.of(polls);
            return this;
        }

        /** Makes the watch poller's thread. */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /**
         * Takes {@code outpost.kv.dynamodb.expired-retention}, {@code outpost.kv.dynamodb.poll-interval}
         * and {@code outpost.kv.dynamodb.full-poll-every} for what no method set; checked at {@link #build()}.
         */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * The registry, not started (the table must exist: {@link DynamoDbProvisioner}).
         *
         * @throws ConfigException listing every problem of the configuration
         */
        public DynamoDbRegistry build() {
            Settings s = new Settings(config);
            Duration retention = s.duration(expiredRetention, "outpost.kv.dynamodb.expired-retention", DEFAULT_EXPIRED_RETENTION,
                    Duration.ZERO);
            Duration interval = s.duration(pollInterval, "outpost.kv.dynamodb.poll-interval", RemoteRegistry.DEFAULT_POLL_INTERVAL,
                    Duration.ofMillis(10));
            int full = s.integer(fullPollEvery, "outpost.kv.dynamodb.full-poll-every", RemoteRegistry.DEFAULT_FULL_POLL_EVERY, 1, 1_000_000);
            s.check();
            return new DynamoDbRegistry(this, retention, interval, full);
        }
    }
}
