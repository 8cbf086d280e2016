package dev.outpost.kv;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.kv.internal.Checks;
import dev.outpost.kv.internal.Settings;
import dev.outpost.kv.internal.SqliteCopies;
import dev.outpost.kv.internal.SqliteOptions;
import dev.outpost.kv.internal.SqliteRunning;
import dev.outpost.kv.internal.SqliteWrites;
import dev.outpost.kv.internal.StampedWrites;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import dev.outpost.spi.RegistryPage;
import dev.outpost.spi.RegistryWatcher;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The durable {@link Registry}: one SQLite file in WAL mode, the embedded default that needs
 * nothing installed.
 *
 * <pre>{@code
 * try (SqliteRegistry kv = SqliteRegistry.builder(Path.of("/var/lib/outpost/kv.db"))
 *         .backups(Path.of("/var/lib/outpost/backups"))
 *         .build().start()) {
 *     kv.register("svc/billing", Json.parse("{\"queue\":\"billing-requests\"}"), Optional.of(Duration.ofMinutes(1)));
 * }
 * }</pre>
 *
 * <p><b>Lifecycle.</b> {@link Builder#build()} opens nothing; {@link #start()} opens (or creates,
 * owner-only) the file, starts the writer thread and the backup timer. Every {@link Registry}
 * call needs a started registry: before {@code start()} it throws {@link IllegalStateException},
 * after {@link #shutdown()} {@link RegistryException.Closed}. Threads come from
 * {@link Builder#threadFactory}.
 *
 * <p><b>Durability and group commit</b> ({@code synchronous=FULL}): every write, {@code delete}
 * included, is on disk when it returns; one writer thread commits every write waiting (up to
 * {@link Builder#maxBatch}) in one transaction, one fsync, and only then answers (completes the
 * futures of {@code registerAsync}/{@code replaceAsync}, on the writer thread: chain dependents on
 * your own executor); compare-and-set is linearizable. <b>Versions</b> only grow: a delete leaves a tombstone holding the version;
 * tombstones older than {@link Builder#tombstoneRetention} (30 days) are removed and new keys start
 * above the largest version removed. <b>Expiry</b> follows the injected {@link Clock}. <b>Watch</b>
 * delivers every change committed after {@code watch()} returns, never one that returned before.
 * Backups: {@link Builder#backups} ({@link RegistryBackups}); export and import:
 * {@link RegistryExport}, {@link RegistryImport}. See the module README for the details.
 *
 * <p><b>Refusals.</b> A file that is not a SQLite database, a SQLite database of another program,
 * or a damaged one is refused with {@link CorruptStoreException} at {@code start()} and never
 * written to.
 */
public final class SqliteRegistry implements Registry {
    /** The default limit on a value's size (64 KiB of UTF-8 JSON). */
    public static final int DEFAULT_MAX_VALUE_BYTES = RegistryKeys.DEFAULT_MAX_VALUE_BYTES;
    /** The largest value limit that may be configured (1 MiB). */
    public static final int MAX_VALUE_BYTES_LIMIT = 1024 * 1024;
    /** The default number of writes one transaction (one fsync) takes at most. */
    public static final int DEFAULT_MAX_BATCH = 256;
    /** The default number of writes waiting for the writer before callers block. */
    public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
    /** The default period of the expiry sweep. */
    public static final Duration DEFAULT_EXPIRY_SWEEP = Duration.ofSeconds(1);
    /** The default number of read connections. */
    public static final int DEFAULT_READERS = 4;
    /** The default age after which tombstones are removed. */
    public static final Duration DEFAULT_TOMBSTONE_RETENTION = Duration.ofDays(30);
    /** The default file when neither the builder nor {@code outpost.broker.sqlite} names one. */
    public static final String DEFAULT_FILE = "kv.db";

    private final Path file;
    private final Lifecycle lifecycle;
    private final Optional<RegistryBackups> backups;
    private final SqliteRunning running;
    private final SqliteWrites writes;

    private SqliteRegistry(Builder b, Path file, Duration tombstoneRetention, Optional<ThreadFactory> threads,
            Optional<RegistryBackups.Builder> backups) {
        this.file = file;
        SqliteOptions options = new SqliteOptions(b.clock, b.ticker, b.maxValueBytes, b.maxBatch, b.queueCapacity, b.expirySweep,
                tombstoneRetention, b.readers, b.watchBuffer);
        this.lifecycle = new Lifecycle(toString(), "kv-sqlite", threads);
        this.backups = backups.map(bb -> bb.build(this, lifecycle));
        this.running = new SqliteRunning(file, options, lifecycle, toString());
        this.writes = new SqliteWrites(running::writer, options.maxValueBytes());
    }

    /** A builder for a registry in {@code file} (created, owner-only, when absent). */
    public static Builder builder(Path file) {
        return new Builder(Optional.of(Objects.requireNonNull(file, "file")));
    }

    /** A builder whose file comes from {@code outpost.broker.sqlite} (default {@value #DEFAULT_FILE}). */
    public static Builder builder() {
        return new Builder(Optional.empty());
    }

    /** A started registry in {@code file} with every default. */
    public static SqliteRegistry open(Path file) {
        return builder(file).build().start();
    }

    /**
     * Opens the file (creating it owner-only when absent), checks it, and starts the writer and,
     * when configured, the backups.
     *
     * @return this registry
     * @throws IllegalStateException when started before or shut down
     * @throws CorruptStoreException when the file is not a healthy registry
     */
    public SqliteRegistry start() {
        running.start();
        backups.ifPresent(RegistryBackups::start);
        return this;
    }

    /**
     * Stops taking calls, commits the writes already queued, stops the writer, backup and watch
     * threads and closes the file. Idempotent: every call returns the same future.
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown(Duration.ofSeconds(30), this::stop);
    }

    private void stop() {
        running.stop(() -> backups.ifPresent(b -> b.shutdown().join())); // the backups read the store: stopped first
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        lifecycle.closeAndReport(shutdown());
    }

    @Override
    public Optional<RegistryEntry> get(String key) {
        RegistryKeys.checkKey(key);
        return running.reads().get(key);
    }

    @Override
    public RegistryPage list(String prefix, int limit, Optional<String> pageToken) {
        RegistryKeys.checkPrefix(prefix);
        RegistryKeys.checkLimit(limit);
        Objects.requireNonNull(pageToken, "pageToken");
        Optional<String> after = pageToken.map(t -> RegistryKeys.pageTokenStart(prefix, t));
        return running.reads().list(prefix, limit, after);
    }

    @Override
    public long revision() {
        return running.writer().committedRevision();
    }

    /** Every change committed after this call returns, in commit order; never one committed before. */
    @Override
    public AutoCloseable watch(String prefix, RegistryWatcher watcher) {
        RegistryKeys.checkPrefix(prefix);
        Objects.requireNonNull(watcher, "watcher");
        return running.watch(prefix, watcher);
    }

    /** Every live entry, in key order, from one snapshot (for {@link RegistryExport}). */
    long forEachLive(Consumer<RegistryEntry> sink) {
        return running.reads().forEachLive(sink);
    }

    @Override
    public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
        return writes.register(key, value, ttl, Optional.empty());
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion) {
        return writes.replace(key, value, expectedVersion, null, Optional.empty());
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
        Objects.requireNonNull(ttl, "ttl");
        return writes.replace(key, value, expectedVersion, ttl, Optional.empty());
    }

    /** True: the async writes complete from the group commit. */
    @Override
    public boolean writesAsync() {
        return true;
    }

    @Override
    public CompletableFuture<RegistryEntry> registerAsync(String key, JsonNode value, Optional<Duration> ttl) {
        return writes.registerAsync(key, value, ttl, Optional.empty());
    }

    @Override
    public CompletableFuture<RegistryEntry> replaceAsync(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
        Objects.requireNonNull(ttl, "ttl");
        return writes.replaceAsync(key, value, expectedVersion, ttl, Optional.empty());
    }

    @Override
    public RegistryEntry update(String key, JsonNode mergePatch) {
        return writes.update(key, mergePatch, Optional.empty());
    }

    @Override
    public boolean delete(String key) {
        return writes.delete(key, -1, Optional.empty());
    }

    @Override
    public boolean delete(String key, long expectedVersion) {
        return writes.delete(key, expectedVersion, Optional.empty());
    }

    @Override
    public Registry writingAs(String writer) {
        return StampedWrites.view(this, writes, writer);
    }

    /** Writes checked import lines in one transaction (for {@link RegistryImport}). */
    int importAll(Iterable<RegistryEntry> lines, ImportMode mode) {
        return writes.importAll(lines, mode == ImportMode.ADD, mode == ImportMode.MIRROR);
    }

    /** How many transactions (fsyncs) the writer has committed; with {@link #writeCount()}, the group-commit ratio. */
    public long commitCount() {
        return running.writer().commits();
    }

    /** How many writes the writer has committed or refused. */
    public long writeCount() {
        return running.writer().writes();
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    /** The backups of this registry, when {@link Builder#backups} named a folder. */
    public Optional<RegistryBackups> backups() {
        return backups;
    }

    /**
     * Writes a consistent copy of the store to {@code target} (absent or empty; created owner-only)
     * while writers go on, and verifies it.
     *
     * @return the rows (entries and tombstones) the copy holds
     */
    public long backupTo(Path target) {
        running.ensureRunning();
        SqliteCopies.copy(file, target);
        return SqliteCopies.verify(target);
    }

    /**
     * Checks that {@code db} is a healthy registry file ({@code integrity_check}) and returns how
     * many rows (entries and tombstones) it holds.
     *
     * @throws CorruptStoreException when it is not
     */
    public static long verify(Path db) {
        return SqliteCopies.verify(db);
    }

    /**
     * Restores {@code backup} (verified first; refused with a {@code -wal} beside it: a live database)
     * as the database {@code file}, which no open registry may be using. An existing {@code file} is
     * kept beside it as {@code FILE.before-restore-TIME} (with its {@code -wal}), never deleted; the
     * restored file is owner-only.
     *
     * @return the path the previous database was moved to, if there was one
     * @throws IllegalArgumentException when {@code backup} is {@code file} itself (nothing is moved)
     */
    public static Optional<Path> restore(Path backup, Path file) {
        return SqliteCopies.restore(backup, file);
    }

    @Override
    public String toString() {
        return "SqliteRegistry[" + file + "]";
    }

    /**
     * Builds a {@link SqliteRegistry}. Values set by a method win over {@link #configure
     * configuration}; configuration wins over the defaults. Nothing is opened until
     * {@link SqliteRegistry#start()}.
     */
    public static final class Builder {
        private Optional<Path> file;
        private Clock clock = Clock.systemUTC();
        private LongSupplier ticker = System::nanoTime;
        private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
        private int maxBatch = DEFAULT_MAX_BATCH;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private Duration expirySweep = DEFAULT_EXPIRY_SWEEP;
        private Optional<Duration> tombstoneRetention = Optional.empty();
        private int readers = DEFAULT_READERS;
        private int watchBuffer = 1024;
        private Optional<Path> backupDir = Optional.empty();
        private Optional<Duration> backupEvery = Optional.empty();
        private Optional<Integer> backupKeep = Optional.empty();
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();

        Builder(Optional<Path> file) {
            this.file = file;
        }

        /** The database file; wins over {@code outpost.broker.sqlite}. */
        public Builder file(Path file) {
            this.file = Optional.of(Objects.requireNonNull(file, "file"));
            return this;
        }

        /** The clock for timestamps, expiry and backup names (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where the writer reads elapsed time (nanoseconds) for its sweeps; default {@link System#nanoTime}. */
        public Builder ticker(LongSupplier nanoTicker) {
            this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
            return this;
        }

        /** The limit on a value's size as UTF-8 JSON, 1 to {@value #MAX_VALUE_BYTES_LIMIT} (default 64 KiB). */
        public Builder maxValueBytes(int bytes) {
            this.maxValueBytes = Checks.range(bytes, 1, MAX_VALUE_BYTES_LIMIT, "maxValueBytes");
            return this;
        }

        /** The most writes one transaction takes (default {@value #DEFAULT_MAX_BATCH}). */
        public Builder maxBatch(int writes) {
            this.maxBatch = Checks.range(writes, 1, 100_000, "maxBatch");
            return this;
        }

        /** How many writes may wait for the writer before callers block (default {@value #DEFAULT_QUEUE_CAPACITY}). */
        public Builder queueCapacity(int writes) {
            this.queueCapacity = Checks.range(writes, 1, Integer.MAX_VALUE, "queueCapacity");
            return this;
        }

        /** How often expired entries become deletions and old tombstones are removed (default 1 s). */
        public Builder expirySweep(Duration period) {
            this.expirySweep = Checks.atLeast(period, Duration.ofMillis(1), "expirySweep");
            return this;
        }

        /** How long a deleted key's tombstone is kept (default 30 days; wins over {@code outpost.broker.tombstone-retention}). */
        public Builder tombstoneRetention(Duration retention) {
            this.tombstoneRetention = Optional.of(Checks.atLeast(retention, Duration.ZERO, "tombstoneRetention"));
            return this;
        }

        /** How many read connections serve concurrent reads (default {@value #DEFAULT_READERS}). */
        public Builder readers(int connections) {
            this.readers = Checks.range(connections, 1, 64, "readers");
            return this;
        }

        /** How many changes a watch buffers before its watcher must resync (default 1024). */
        public Builder watchBuffer(int changes) {
            this.watchBuffer = Checks.range(changes, 1, Integer.MAX_VALUE, "watchBuffer");
            return this;
        }

        /** Turns on backups into {@code folder} (created owner-only; default: {@code outpost.broker.backups}, else none). */
        public Builder backups(Path folder) {
            this.backupDir = Optional.of(Objects.requireNonNull(folder, "folder"));
            return this;
        }

        /** The period between backups (default 1 h; at least 1 s). */
        public Builder backupEvery(Duration period) {
            this.backupEvery = Optional.of(Checks.atLeast(period, Duration.ofSeconds(1), "backupEvery"));
            return this;
        }

        /** How many backups to keep, newest first (default 24). */
        public Builder backupKeep(int count) {
            this.backupKeep = Optional.of(Checks.range(count, 1, 100_000, "backupKeep"));
            return this;
        }

        /** Makes every thread the registry starts (writer, watch deliveries, backups). */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /**
         * Takes {@code outpost.broker.sqlite}, {@code outpost.broker.backups},
         * {@code outpost.broker.backup-every}, {@code outpost.broker.backup-keep} and
         * {@code outpost.broker.tombstone-retention} from {@code config} for everything not set by a
         * method of this builder. Checked at {@link #build()}.
         */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * The registry, not started: nothing is opened until {@link SqliteRegistry#start()}.
         *
         * @throws ConfigException listing every problem of the configuration
         */
        public SqliteRegistry build() {
            Settings s = new Settings(config);
            Path f = s.path(file, "outpost.broker.sqlite").orElse(Path.of(DEFAULT_FILE)).toAbsolutePath();
            Optional<Path> dir = s.path(backupDir, "outpost.broker.backups");
            Duration every = s.duration(backupEvery, "outpost.broker.backup-every", RegistryBackups.DEFAULT_EVERY, Duration.ofSeconds(1));
            int keep = s.integer(backupKeep, "outpost.broker.backup-keep", RegistryBackups.DEFAULT_KEEP, 1, 100_000);
            Duration retention = s.duration(tombstoneRetention, "outpost.broker.tombstone-retention", DEFAULT_TOMBSTONE_RETENTION,
                    Duration.ZERO);
            if (dir.isPresent() && dir.get().toAbsolutePath().equals(f.getParent())) {
                s.problem(backupDir.isPresent() ? "backups" : "outpost.broker.backups",
                        "the backup folder must not be the database's own folder: " + dir.get());
            }
            s.check();
            Optional<RegistryBackups.Builder> backups = dir.map(d -> RegistryBackups.sqlite(d).every(every).keep(keep).clock(clock));
            return new SqliteRegistry(this, f, retention, threadFactory, backups);
        }
    }
}
