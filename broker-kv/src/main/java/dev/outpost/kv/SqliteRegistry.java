package dev.outpost.kv;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.kv.internal.SqliteFiles;
import dev.outpost.spi.JsonMergePatch;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import dev.outpost.spi.RegistryPage;
import dev.outpost.spi.RegistryWatcher;
import dev.outpost.core.registry.WatchHub;
import dev.outpost.spi.Registry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable {@link Registry}: one SQLite file in WAL mode, the embedded default that needs
 * nothing installed.
 *
 * <pre>{@code
 * try (SqliteRegistry kv = SqliteRegistry.builder(Path.of("/var/lib/outpost/kv.db"))
 *         .backups(Path.of("/var/lib/outpost/backups"))
 *         .build()) {
 *     kv.register("svc/billing", Json.parse("{\"queue\":\"billing-requests\"}"), Optional.of(Duration.ofMinutes(1)));
 * }
 * }</pre>
 *
 * <p><b>Durability.</b> Every write, {@code delete} included, is on disk when it returns: the
 * database runs with {@code synchronous=FULL}, so each commit fsyncs the write-ahead log.
 * <b>Group commit:</b> one writer thread ({@code outpost-kv-writer-FILE}) takes every write waiting
 * in its queue (up to {@link Builder#maxBatch}), applies them in order in one transaction, commits
 * once (one fsync) and only then answers each caller; concurrent writers therefore share fsyncs.
 * Each write is checked against the state left by the writes before it, so compare-and-set is
 * linearizable. Reads use a small pool of read connections and see every committed write.
 *
 * <p><b>Versions</b> only grow: a deleted key leaves a tombstone row holding its last version, and
 * a key registered again continues from there. Tombstones are small and kept for ever (one row per
 * key ever deleted). The store's {@link #revision()} counts every change, expiries included.
 *
 * <p><b>Expiry</b> follows the injected {@link Clock}: an expired entry reads as absent at once; the
 * writer thread turns expired entries into tombstones every {@link Builder#expirySweep} (and
 * whenever a write touches one), and watchers hear each as a deletion.
 *
 * <p><b>Backups</b> (when {@link Builder#backups} names a folder): every {@link Builder#backupEvery}
 * (1 h) an online, consistent copy ({@code VACUUM INTO}, writers keep going) is written to a
 * temporary file, checked with {@code integrity_check}, fsynced, and renamed to
 * {@code NAME-yyyyMMdd'T'HHmmssSSS'Z'.db}; the newest {@link Builder#backupKeep} (24) are kept.
 * {@link #restore} puts one back; {@link #exportTo}/{@link #importFrom} move entries as JSON lines.
 *
 * <p><b>Refusals.</b> A file that is not a SQLite database, a SQLite database of another program,
 * or a damaged one is refused with {@link CorruptStoreException} and never written to.
 */
public final class SqliteRegistry implements Registry {
    private static final Logger log = LoggerFactory.getLogger(SqliteRegistry.class);
    private static final ObjectMapper JSON = dev.outpost.Json.newMapper();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final String COLUMNS = "key, value, version, updated_at, updated_by, expires_at, deleted";

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
    /** The default period between backups. */
    public static final Duration DEFAULT_BACKUP_EVERY = Duration.ofHours(1);
    /** The default number of backups kept. */
    public static final int DEFAULT_BACKUP_KEEP = 24;

    private final Path file;
    private final Clock clock;
    private final int maxValueBytes;
    private final int maxBatch;
    private final long sweepNanos;
    private final Optional<Path> backupDir;
    private final int backupKeep;
    private final String backupBase;
    private final Pattern backupName;

    private final Connection writeConn;
    private final BlockingQueue<Connection> readers;
    private final List<Connection> allReaders = new ArrayList<>();
    private final BlockingQueue<Op<?>> queue;
    private final Thread writer;
    private final WatchHub hub;
    private final ScheduledExecutorService backupTimer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong committedRevision = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final Object backupLock = new Object();
    private long revision; // writer thread only
    private Instant lastBackup = Instant.EPOCH;

    private SqliteRegistry(Builder b) {
        this.file = b.file.toAbsolutePath();
        this.clock = b.clock;
        this.maxValueBytes = b.maxValueBytes;
        this.maxBatch = b.maxBatch;
        this.sweepNanos = b.expirySweep.toNanos();
        this.backupDir = b.backupDir;
        this.backupKeep = b.backupKeep;
        String name = file.getFileName().toString();
        this.backupBase = name.endsWith(".db") ? name.substring(0, name.length() - 3) : name;
        this.backupName = Pattern.compile(Pattern.quote(backupBase) + "-\\d{8}T\\d{9}Z\\.db");
        this.queue = new ArrayBlockingQueue<>(b.queueCapacity);
        Connection w = null;
        List<Connection> opened = new ArrayList<>();
        try {
            w = openWriter(file);
            opened.add(w);
            this.revision = readRevision(w);
            this.committedRevision.set(revision);
            this.readers = new ArrayBlockingQueue<>(b.readers);
            for (int i = 0; i < b.readers; i++) {
                Connection r = SqliteFiles.open(file, false, false);
                opened.add(r);
                try (Statement s = r.createStatement()) {
                    s.execute("PRAGMA query_only = ON");
                }
                readers.add(r);
                allReaders.add(r);
            }
        } catch (SQLException e) {
            closeQuietly(opened);
            throw new RegistryException.Unavailable("", "cannot open " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(opened);
            throw e;
        }
        this.writeConn = w;
        this.hub = new WatchHub("outpost-kv", b.watchBuffer);
        this.writer = new Thread(this::writeLoop, "outpost-kv-writer-" + name);
        this.writer.setDaemon(true);
        this.writer.start();
        if (backupDir.isPresent()) {
            this.backupTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "outpost-kv-backup-" + name);
                t.setDaemon(true);
                return t;
            });
            long every = b.backupEvery.toMillis();
            backupTimer.scheduleAtFixedRate(this::scheduledBackup, every, every, TimeUnit.MILLISECONDS);
        } else {
            this.backupTimer = null;
        }
    }

    /** A builder for a registry in {@code file} (created when absent). */
    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /** A registry in {@code file} with every default. */
    public static SqliteRegistry open(Path file) {
        return builder(file).build();
    }

    // ---------------------------------------------------------------- opening

    private static Connection openWriter(Path file) throws SQLException {
        boolean fresh;
        try {
            fresh = SqliteFiles.isNew(file);
        } catch (IOException e) {
            throw new RegistryException.Unavailable("", "cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!fresh) {
            SqliteFiles.checkHeader(file);
        }
        Connection c = SqliteFiles.open(file, fresh, false);
        try {
            // checked before anything (even the journal mode) is written to the file
            int schema = fresh ? 0 : SqliteFiles.checkStore(file, c, false);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = FULL");
            }
            if (schema == 0) {
                c.setAutoCommit(false);
                SqliteFiles.createSchema(c);
                c.commit();
                c.setAutoCommit(true);
            }
            c.setAutoCommit(false);
            return c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static long readRevision(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT v FROM outpost_meta WHERE k = 'revision'");
                ResultSet rs = ps.executeQuery()) {
            long r = rs.next() ? Long.parseLong(rs.getString(1)) : 0;
            c.commit();
            return r;
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public Optional<RegistryEntry> get(String key) {
        RegistryKeys.checkKey(key);
        return read(key, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM entries WHERE key = ? AND deleted = 0")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    RegistryEntry e = row(rs);
                    return e.isExpiredAt(clock.instant()) ? Optional.empty() : Optional.of(e);
                }
            }
        });
    }

    @Override
    public RegistryPage list(String prefix, int limit, Optional<String> pageToken) {
        RegistryKeys.checkPrefix(prefix);
        RegistryKeys.checkLimit(limit);
        Objects.requireNonNull(pageToken, "pageToken");
        Optional<String> after = pageToken.map(t -> RegistryKeys.pageTokenStart(prefix, t));
        return read(prefix, c -> {
            List<RegistryEntry> out = new ArrayList<>();
            Instant now = clock.instant();
            String from = after.orElse(prefix);
            boolean inclusive = after.isEmpty();
            boolean more = false;
            scan:
            while (true) {
                int chunk = 256;
                int seen = 0;
                String sql = "SELECT " + COLUMNS + " FROM entries WHERE key " + (inclusive ? ">=" : ">")
                        + " ? AND deleted = 0 ORDER BY key LIMIT " + chunk;
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, from);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            seen++;
                            String key = rs.getString(1);
                            if (!key.startsWith(prefix)) {
                                break scan;
                            }
                            from = key;
                            RegistryEntry e = row(rs);
                            if (e.isExpiredAt(now)) {
                                continue;
                            }
                            if (out.size() == limit) {
                                more = true;
                                break scan;
                            }
                            out.add(e);
                        }
                    }
                }
                if (seen < chunk) {
                    break;
                }
                inclusive = false;
            }
            return new RegistryPage(out, more ? Optional.of(RegistryKeys.pageToken(out.get(out.size() - 1).key())) : Optional.empty());
        });
    }

    @Override
    public long revision() {
        ensureOpen();
        return committedRevision.get();
    }

    @Override
    public AutoCloseable watch(String prefix, RegistryWatcher watcher) {
        RegistryKeys.checkPrefix(prefix);
        Objects.requireNonNull(watcher, "watcher");
        ensureOpen();
        return hub.add(prefix, watcher);
    }

    private interface ReadBody<T> {
        T apply(Connection c) throws SQLException;
    }

    private <T> T read(String key, ReadBody<T> body) {
        ensureOpen();
        Connection c;
        try {
            c = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException.Unavailable(key, "interrupted while waiting for a read connection", e);
        }
        try {
            ensureOpen();
            return body.apply(c);
        } catch (SQLException e) {
            throw new RegistryException.Unavailable(key, "reading " + file + " failed: " + e.getMessage(), e);
        } finally {
            readers.add(c);
        }
    }

    // ---------------------------------------------------------------- writes

    @Override
    public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
        return register(key, value, ttl, Optional.empty());
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion) {
        return replace(key, value, expectedVersion, null, Optional.empty());
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
        Objects.requireNonNull(ttl, "ttl");
        return replace(key, value, expectedVersion, ttl, Optional.empty());
    }

    @Override
    public RegistryEntry update(String key, JsonNode mergePatch) {
        return update(key, mergePatch, Optional.empty());
    }

    @Override
    public boolean delete(String key) {
        return delete(key, -1, Optional.empty());
    }

    @Override
    public boolean delete(String key, long expectedVersion) {
        return delete(key, expectedVersion, Optional.empty());
    }

    @Override
    public Registry writingAs(String writer) {
        Objects.requireNonNull(writer, "writer");
        return new View(Optional.of(writer));
    }

    private RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl, Optional<String> by) {
        RegistryKeys.checkKey(key);
        String text = RegistryKeys.checkValue(key, value, maxValueBytes);
        Objects.requireNonNull(ttl, "ttl");
        ttl.ifPresent(RegistryKeys::checkTtl);
        return submit(key, tx -> {
            Row cur = tx.live(key);
            if (cur != null) {
                throw new RegistryException.KeyExists(key);
            }
            Row old = tx.load(key);
            return tx.put(key, text, old == null ? 1 : old.version + 1, ttl.map(tx.now::plus), by);
        });
    }

    private RegistryEntry replace(String key, JsonNode value, long expected, Optional<Duration> ttl, Optional<String> by) {
        RegistryKeys.checkKey(key);
        String text = RegistryKeys.checkValue(key, value, maxValueBytes);
        if (ttl != null) {
            ttl.ifPresent(RegistryKeys::checkTtl);
        }
        return submit(key, tx -> {
            Row cur = tx.live(key);
            if (cur == null) {
                throw new RegistryException.NoSuchKey(key);
            }
            if (cur.version != expected) {
                throw new RegistryException.VersionConflict(key, expected, cur.version);
            }
            return tx.put(key, text, cur.version + 1, ttl == null ? cur.expiresAt() : ttl.map(tx.now::plus), by);
        });
    }

    private RegistryEntry update(String key, JsonNode patch, Optional<String> by) {
        RegistryKeys.checkKey(key);
        Objects.requireNonNull(patch, "mergePatch");
        RegistryKeys.checkValue(key, patch, maxValueBytes);
        return submit(key, tx -> {
            Row cur = tx.live(key);
            if (cur == null) {
                throw new RegistryException.NoSuchKey(key);
            }
            JsonNode merged = JsonMergePatch.apply(parse(cur.value), patch);
            String text = RegistryKeys.checkValue(key, merged, maxValueBytes);
            return tx.put(key, text, cur.version + 1, cur.expiresAt(), by);
        });
    }

    private boolean delete(String key, long expected, Optional<String> by) {
        RegistryKeys.checkKey(key);
        return submit(key, tx -> {
            Row cur = tx.live(key);
            if (cur == null) {
                return false;
            }
            if (expected >= 0 && cur.version != expected) {
                throw new RegistryException.VersionConflict(key, expected, cur.version);
            }
            tx.tombstone(cur, by);
            return true;
        });
    }

    private <T> T submit(String key, Function<Tx, T> body) {
        ensureOpen();
        Op<T> op = new Op<>(key, body);
        try {
            queue.put(op);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException.Unavailable(key, "interrupted before the write was queued; nothing was written", e);
        }
        if (closed.get() && queue.remove(op)) {
            throw new RegistryException.Closed("SQLite registry " + file);
        }
        return await(op.future, key);
    }

    /** Waits for the writer's answer; an interrupt does not abandon a write that may commit. */
    private static <T> T await(CompletableFuture<T> f, String key) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    if (c instanceof Error err) {
                        throw err;
                    }
                    throw new RegistryException.Unavailable(key, String.valueOf(c), c);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A write waiting for the writer thread. */
    private static final class Op<T> {
        final String key;
        final Function<Tx, T> body;
        final CompletableFuture<T> future = new CompletableFuture<>();
        T result;
        RuntimeException refusal;

        Op(String key, Function<Tx, T> body) {
            this.key = key;
            this.body = body;
        }

        void run(Tx tx) {
            try {
                result = body.apply(tx);
            } catch (RegistryException | IllegalArgumentException e) {
                refusal = e; // a refusal writes nothing; the batch goes on
            }
        }

        void finish() {
            if (refusal != null) {
                future.completeExceptionally(refusal);
            } else {
                future.complete(result);
            }
        }
    }

    /** A stored row. */
    private record Row(String key, String value, long version, long updatedAt, String updatedBy, Long expiresAtMs, boolean deleted) {
        Optional<Instant> expiresAt() {
            return Optional.ofNullable(expiresAtMs).map(Instant::ofEpochMilli);
        }

        RegistryEntry entry() {
            return new RegistryEntry(key, parse(value), version, Instant.ofEpochMilli(updatedAt), expiresAt(), deleted,
                    Optional.ofNullable(updatedBy));
        }
    }

    /** One batch's view of the store, on the writer thread. */
    private final class Tx {
        final Instant now;
        final long nowMs;
        final List<RegistryEntry> events = new ArrayList<>();
        final List<Long> eventRevisions = new ArrayList<>();
        final Map<String, Row> cache = new LinkedHashMap<>();
        private final PreparedStatement select;
        private final PreparedStatement upsert;

        Tx(Instant now) throws SQLException {
            this.now = now;
            this.nowMs = now.toEpochMilli();
            this.select = writeConn.prepareStatement("SELECT " + COLUMNS + " FROM entries WHERE key = ?");
            this.upsert = writeConn.prepareStatement("INSERT OR REPLACE INTO entries (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)");
        }

        Row load(String key) {
            if (cache.containsKey(key)) {
                return cache.get(key);
            }
            try {
                select.setString(1, key);
                try (ResultSet rs = select.executeQuery()) {
                    Row r = rs.next() ? rawRow(rs) : null;
                    cache.put(key, r);
                    return r;
                }
            } catch (SQLException e) {
                throw new StoreFailure(e);
            }
        }

        /** The live row, turning an expired one into a tombstone (and an event) first. */
        Row live(String key) {
            Row r = load(key);
            if (r == null || r.deleted) {
                return null;
            }
            if (r.expiresAtMs != null && r.expiresAtMs <= nowMs) {
                expire(r);
                return null;
            }
            return r;
        }

        void expire(Row r) {
            Row t = new Row(r.key, "null", r.version, r.expiresAtMs, r.updatedBy, null, true);
            store(t);
            event(new RegistryEntry(r.key, NullNode.getInstance(), r.version, Instant.ofEpochMilli(r.expiresAtMs),
                    Optional.empty(), true, Optional.ofNullable(r.updatedBy)));
        }

        RegistryEntry put(String key, String value, long version, Optional<Instant> expiresAt, Optional<String> by) {
            Row r = new Row(key, value, version, nowMs, by.orElse(null), expiresAt.map(Instant::toEpochMilli).orElse(null), false);
            store(r);
            RegistryEntry e = r.entry();
            event(e);
            return e;
        }

        void tombstone(Row cur, Optional<String> by) {
            Row t = new Row(cur.key, "null", cur.version, nowMs, by.orElse(cur.updatedBy), null, true);
            store(t);
            event(t.entry());
        }

        private void store(Row r) {
            try {
                upsert.setString(1, r.key);
                upsert.setString(2, r.value);
                upsert.setLong(3, r.version);
                upsert.setLong(4, r.updatedAt);
                upsert.setString(5, r.updatedBy);
                if (r.expiresAtMs == null) {
                    upsert.setNull(6, java.sql.Types.INTEGER);
                } else {
                    upsert.setLong(6, r.expiresAtMs);
                }
                upsert.setInt(7, r.deleted ? 1 : 0);
                upsert.executeUpdate();
            } catch (SQLException e) {
                throw new StoreFailure(e);
            }
            cache.put(r.key, r);
        }

        private void event(RegistryEntry e) {
            revision++;
            events.add(e);
            eventRevisions.add(revision);
        }

        void close() {
            try {
                select.close();
                upsert.close();
            } catch (SQLException e) {
                // statements of a connection that is going away
            }
        }
    }

    /** An SQL failure inside a batch: the whole batch is rolled back. */
    private static final class StoreFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StoreFailure(SQLException cause) {
            super(cause);
        }
    }

    private void writeLoop() {
        long nextSweep = System.nanoTime();
        List<Op<?>> batch = new ArrayList<>(maxBatch);
        while (true) {
            batch.clear();
            try {
                long wait = Math.max(0, nextSweep - System.nanoTime());
                Op<?> first = queue.poll(Math.max(1, wait), TimeUnit.NANOSECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, maxBatch - 1);
                }
            } catch (InterruptedException e) {
                // close() interrupts to stop waiting; drain whatever is left below
            }
            boolean sweep = System.nanoTime() - nextSweep >= 0;
            if (sweep) {
                nextSweep = System.nanoTime() + sweepNanos;
            }
            if (!batch.isEmpty() || sweep) {
                try {
                    runBatch(batch, sweep);
                } catch (Throwable t) {
                    // never leave callers waiting on a writer that died (an Error mid-batch)
                    log.error("SQLite registry {}: the writer failed on a batch of {} writes", file, batch.size(), t);
                    for (Op<?> op : batch) {
                        op.future.completeExceptionally(new RegistryException.Unavailable(op.key,
                                "the writer of " + file + " failed: " + t, t));
                    }
                }
            }
            if (closed.get() && queue.isEmpty()) {
                return;
            }
        }
    }

    private void runBatch(List<Op<?>> batch, boolean sweep) {
        long before = revision;
        Tx tx = null;
        try {
            tx = new Tx(clock.instant().truncatedTo(ChronoUnit.MILLIS));
            if (sweep) {
                sweepExpired(tx);
            }
            for (Op<?> op : batch) {
                op.run(tx);
            }
            if (revision != before) {
                try (PreparedStatement ps = writeConn.prepareStatement("UPDATE outpost_meta SET v = ? WHERE k = 'revision'")) {
                    ps.setString(1, Long.toString(revision));
                    ps.executeUpdate();
                }
            }
            writeConn.commit(); // with synchronous=FULL this fsyncs the WAL: the batch is durable now
            commits.incrementAndGet();
            writes.addAndGet(batch.size());
            committedRevision.set(revision);
        } catch (SQLException | RuntimeException e) {
            revision = before;
            try {
                writeConn.rollback();
            } catch (SQLException re) {
                e.addSuppressed(re);
            }
            Throwable cause = e instanceof StoreFailure ? e.getCause() : e;
            log.error("SQLite registry {}: a batch of {} writes failed and was rolled back", file, batch.size(), cause);
            for (Op<?> op : batch) {
                op.future.completeExceptionally(new RegistryException.Unavailable(op.key,
                        "writing " + file + " failed, nothing was written: " + cause.getMessage(), cause));
            }
            return;
        } finally {
            if (tx != null) {
                tx.close();
            }
        }
        for (Op<?> op : batch) {
            op.finish();
        }
        for (int i = 0; i < tx.events.size(); i++) {
            hub.publish(tx.events.get(i), tx.eventRevisions.get(i));
        }
    }

    private void sweepExpired(Tx tx) throws SQLException {
        List<Row> expired = new ArrayList<>();
        try (PreparedStatement ps = writeConn.prepareStatement("SELECT " + COLUMNS
                + " FROM entries WHERE deleted = 0 AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT 1000")) {
            ps.setLong(1, tx.nowMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    expired.add(rawRow(rs));
                }
            }
        }
        for (Row r : expired) {
            tx.cache.put(r.key, r);
            tx.expire(r);
        }
    }

    private static Row rawRow(ResultSet rs) throws SQLException {
        long exp = rs.getLong(6);
        Long expires = rs.wasNull() ? null : exp;
        return new Row(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getString(5), expires, rs.getInt(7) != 0);
    }

    private static RegistryEntry row(ResultSet rs) throws SQLException {
        return rawRow(rs).entry();
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored value is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    // ---------------------------------------------------------------- statistics

    /** How many transactions (fsyncs) the writer has committed; with {@link #writeCount()}, the group-commit ratio. */
    public long commitCount() {
        return commits.get();
    }

    /** How many writes the writer has committed or refused. */
    public long writeCount() {
        return writes.get();
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    // ---------------------------------------------------------------- backups

    /**
     * Writes a backup now into the backup folder (which must be configured), verifies it, applies
     * retention, and returns its path. Safe while writers run: the copy is one consistent snapshot.
     */
    public Path backupNow() {
        Path dir = backupDir.orElseThrow(() -> new IllegalStateException("no backup folder configured (Builder.backups)"));
        ensureOpen();
        synchronized (backupLock) {
            Instant at = clock.instant();
            if (!at.isAfter(lastBackup)) {
                at = lastBackup.plusMillis(1); // names stay unique and ordered even on a stopped clock
            }
            lastBackup = at;
            Path target = dir.resolve(backupBase + "-" + STAMP.format(at) + ".db");
            backupTo(target);
            prune(dir);
            return target;
        }
    }

    /**
     * Writes a consistent copy of the store to {@code target} (which must not exist), verifies it
     * and fsyncs it.
     */
    public void backupTo(Path target) {
        ensureOpen();
        if (Files.exists(target)) {
            throw new IllegalArgumentException("backup target " + target + " exists; backups never overwrite");
        }
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.deleteIfExists(tmp);
            // its own connection: VACUUM INTO reads one snapshot (writers go on) and writes a new file
            try (Connection c = SqliteFiles.open(file, false, false);
                    PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
                ps.setString(1, tmp.toAbsolutePath().toString());
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new RegistryException.Unavailable("", "backup of " + file + " failed: " + e.getMessage(), e);
            }
            long count = verify(tmp);
            SqliteFiles.fsync(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            SqliteFiles.fsyncDirectory(target.toAbsolutePath().getParent());
            log.info("SQLite registry {}: backup {} written and verified ({} rows)", file, target, count);
        } catch (IOException e) {
            throw new RegistryException.Unavailable("", "backup to " + target + " failed: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                log.warn("cannot remove {}", tmp, e);
            }
        }
    }

    /** The backups in the folder, newest first. */
    public List<Path> backups() {
        Path dir = backupDir.orElseThrow(() -> new IllegalStateException("no backup folder configured (Builder.backups)"));
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (backupName.matcher(p.getFileName().toString()).matches()) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
        return out;
    }

    private void prune(Path dir) {
        List<Path> all = backups();
        for (Path old : all.subList(Math.min(backupKeep, all.size()), all.size())) {
            try {
                Files.deleteIfExists(old);
            } catch (IOException e) {
                log.warn("SQLite registry {}: cannot remove old backup {}", file, old, e);
            }
        }
    }

    private void scheduledBackup() {
        try {
            backupNow();
        } catch (RuntimeException e) {
            log.error("SQLite registry {}: scheduled backup failed; the next one is tried on schedule", file, e);
        }
    }

    /**
     * Checks that {@code db} is a healthy registry file ({@code integrity_check}) and returns how
     * many rows (entries and tombstones) it holds.
     *
     * @throws CorruptStoreException when it is not
     */
    public static long verify(Path db) {
        SqliteFiles.checkHeader(db);
        try (Connection c = SqliteFiles.open(db, false, true)) {
            if (SqliteFiles.checkStore(db, c, true) == 0) {
                throw new CorruptStoreException(db, "an empty database, not a registry", null);
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM entries")) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new CorruptStoreException(db, "SQLite cannot read it: " + e.getMessage(), e);
        }
    }

    /**
     * Restores {@code backup} (verified first) as the database {@code file}, which no open registry
     * may be using. An existing {@code file} is kept beside it as {@code FILE.before-restore-TIME}
     * (with its {@code -wal} file), never deleted.
     *
     * @return the path the previous database was moved to, if there was one
     */
    public static Optional<Path> restore(Path backup, Path file) {
        verify(backup);
        try {
            Optional<Path> aside = Optional.empty();
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            if (Files.exists(file)) {
                Path moved = file.resolveSibling(file.getFileName() + ".before-restore-" + STAMP.format(Instant.now()));
                Files.move(file, moved);
                for (String suffix : new String[] {"-wal", "-shm"}) {
                    Path side = file.resolveSibling(file.getFileName() + suffix);
                    if (Files.exists(side)) {
                        Files.move(side, moved.resolveSibling(moved.getFileName() + suffix));
                    }
                }
                aside = Optional.of(moved);
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".restoring");
            Files.copy(backup, tmp, StandardCopyOption.REPLACE_EXISTING);
            SqliteFiles.fsync(tmp);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            SqliteFiles.fsyncDirectory(dir);
            return aside;
        } catch (IOException e) {
            throw new RegistryException.Unavailable("", "restoring " + backup + " to " + file + " failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- export / import

    /**
     * Writes every live entry as JSON lines, in key order, from one consistent snapshot: one line
     * {@code {"key":..,"value":..,"version":..,"updatedAt":..,"expiresAt":..,"updatedBy":..}} per entry.
     *
     * @return how many entries were written
     */
    public long exportTo(Writer out) {
        Objects.requireNonNull(out, "out");
        return read("", c -> {
            long n = 0;
            Instant now = clock.instant();
            c.setAutoCommit(false); // one read transaction: one snapshot
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM entries WHERE deleted = 0 ORDER BY key");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    RegistryEntry e = row(rs);
                    if (e.isExpiredAt(now)) {
                        continue;
                    }
                    ObjectNode line = JSON.createObjectNode();
                    line.put("key", e.key());
                    line.set("value", e.value());
                    line.put("version", e.version());
                    line.put("updatedAt", e.updatedAt().toString());
                    e.expiresAt().ifPresent(x -> line.put("expiresAt", x.toString()));
                    e.updatedBy().ifPresent(x -> line.put("updatedBy", x));
                    out.write(JSON.writeValueAsString(line));
                    out.write('\n');
                    n++;
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                c.commit();
                c.setAutoCommit(true);
            }
            return n;
        });
    }

    /**
     * Reads JSON lines written by {@link #exportTo} and writes them in one transaction. Every line
     * is checked before anything is written: a bad line fails the import with its line number and
     * leaves the store as it was. Each imported key gets the larger of its exported version and
     * its current version plus one (versions only grow); entries already expired are skipped.
     *
     * @return how many entries were written
     */
    public int importFrom(Reader in, ImportMode mode) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(mode, "mode");
        List<RegistryEntry> lines = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try {
            BufferedReader r = in instanceof BufferedReader br ? br : new BufferedReader(in);
            String line;
            int number = 0;
            while ((line = r.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                lines.add(parseLine(line, number, seen));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String by = "import";
        return submit("", tx -> {
            int n = 0;
            Set<String> keys = new HashSet<>();
            for (RegistryEntry e : lines) {
                keys.add(e.key());
                if (e.isExpiredAt(tx.now)) {
                    continue;
                }
                Row old = tx.load(e.key());
                long version = Math.max(e.version(), old == null ? 1 : old.version + 1);
                tx.put(e.key(), RegistryKeys.checkValue(e.key(), e.value(), maxValueBytes), version, e.expiresAt(),
                        Optional.of(e.updatedBy().orElse(by)));
                n++;
            }
            if (mode == ImportMode.REPLACE) {
                List<Row> live = new ArrayList<>();
                try (PreparedStatement ps = writeConn.prepareStatement("SELECT " + COLUMNS + " FROM entries WHERE deleted = 0");
                        ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        live.add(rawRow(rs));
                    }
                } catch (SQLException e) {
                    throw new StoreFailure(e);
                }
                for (Row row : live) {
                    if (!keys.contains(row.key)) {
                        tx.tombstone(row, Optional.of(by));
                    }
                }
            }
            return n;
        });
    }

    private RegistryEntry parseLine(String line, int number, Set<String> seen) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new RegistryException.InvalidValue("", "import line " + number + " is not JSON: " + e.getOriginalMessage());
        }
        try {
            String key = RegistryKeys.checkKey(node.path("key").asText(""));
            JsonNode value = node.get("value");
            if (value == null) {
                throw new RegistryException.InvalidValue(key, "import line " + number + " has no value");
            }
            RegistryKeys.checkValue(key, value, maxValueBytes);
            if (!seen.add(key)) {
                throw new RegistryException.InvalidValue(key, "import line " + number + " repeats the key");
            }
            long version = Math.max(1, node.path("version").asLong(1));
            Instant updated = node.hasNonNull("updatedAt") ? Instant.parse(node.get("updatedAt").asText()) : clock.instant();
            Optional<Instant> expires = node.hasNonNull("expiresAt") ? Optional.of(Instant.parse(node.get("expiresAt").asText())) : Optional.empty();
            Optional<String> by = node.hasNonNull("updatedBy") ? Optional.of(node.get("updatedBy").asText()) : Optional.empty();
            return new RegistryEntry(key, value, version, updated, expires, false, by);
        } catch (RegistryException.InvalidKey e) {
            throw new RegistryException.InvalidValue("", "import line " + number + ": " + e.getMessage());
        } catch (java.time.format.DateTimeParseException e) {
            throw new RegistryException.InvalidValue("", "import line " + number + ": bad time: " + e.getParsedString());
        }
    }

    // ---------------------------------------------------------------- closing

    private void ensureOpen() {
        if (closed.get()) {
            throw new RegistryException.Closed("SQLite registry " + file);
        }
    }

    /**
     * Stops taking calls, commits the writes already queued, stops the writer, backup and watch
     * threads and closes the file. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (backupTimer != null) {
            backupTimer.shutdownNow();
        }
        writer.interrupt();
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Op<?> op; (op = queue.poll()) != null; ) {
            op.future.completeExceptionally(new RegistryException.Closed("SQLite registry " + file));
        }
        hub.close();
        List<Connection> all = new ArrayList<>(allReaders);
        all.add(writeConn);
        synchronized (backupLock) {
            closeQuietly(all);
        }
    }

    private static void closeQuietly(List<Connection> cs) {
        for (Connection c : cs) {
            try {
                c.close();
            } catch (SQLException e) {
                log.warn("closing a SQLite connection failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "SqliteRegistry[" + file + "]";
    }

    /** Writes stamped with one writer; everything else is the registry's. */
    private final class View implements Registry {
        private final Optional<String> by;

        View(Optional<String> by) {
            this.by = by;
        }

        @Override
        public Optional<RegistryEntry> get(String key) {
            return SqliteRegistry.this.get(key);
        }

        @Override
        public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
            return SqliteRegistry.this.register(key, value, ttl, by);
        }

        @Override
        public RegistryEntry replace(String key, JsonNode value, long expectedVersion) {
            return SqliteRegistry.this.replace(key, value, expectedVersion, null, by);
        }

        @Override
        public RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
            Objects.requireNonNull(ttl, "ttl");
            return SqliteRegistry.this.replace(key, value, expectedVersion, ttl, by);
        }

        @Override
        public RegistryEntry update(String key, JsonNode mergePatch) {
            return SqliteRegistry.this.update(key, mergePatch, by);
        }

        @Override
        public boolean delete(String key) {
            return SqliteRegistry.this.delete(key, -1, by);
        }

        @Override
        public boolean delete(String key, long expectedVersion) {
            return SqliteRegistry.this.delete(key, expectedVersion, by);
        }

        @Override
        public RegistryPage list(String prefix, int limit, Optional<String> pageToken) {
            return SqliteRegistry.this.list(prefix, limit, pageToken);
        }

        @Override
        public long revision() {
            return SqliteRegistry.this.revision();
        }

        @Override
        public AutoCloseable watch(String prefix, RegistryWatcher watcher) {
            return SqliteRegistry.this.watch(prefix, watcher);
        }

        @Override
        public Registry writingAs(String writer) {
            return SqliteRegistry.this.writingAs(writer);
        }

        @Override
        public void close() {
            // a view: the registry owns the file
        }
    }

    /** Builds a {@link SqliteRegistry}; every setting has a production default. */
    public static final class Builder {
        private final Path file;
        private Clock clock = Clock.systemUTC();
        private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
        private int maxBatch = DEFAULT_MAX_BATCH;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private Duration expirySweep = DEFAULT_EXPIRY_SWEEP;
        private int readers = DEFAULT_READERS;
        private int watchBuffer = WatchHub.DEFAULT_BUFFER;
        private Optional<Path> backupDir = Optional.empty();
        private Duration backupEvery = DEFAULT_BACKUP_EVERY;
        private int backupKeep = DEFAULT_BACKUP_KEEP;

        Builder(Path file) {
            this.file = Objects.requireNonNull(file, "file");
        }

        /** The clock for timestamps, expiry and backup names (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The limit on a value's size as UTF-8 JSON, 1 to {@value #MAX_VALUE_BYTES_LIMIT} (default 64 KiB). */
        public Builder maxValueBytes(int bytes) {
            if (bytes < 1 || bytes > MAX_VALUE_BYTES_LIMIT) {
                throw new IllegalArgumentException("maxValueBytes must be 1 to " + MAX_VALUE_BYTES_LIMIT + ", was " + bytes);
            }
            this.maxValueBytes = bytes;
            return this;
        }

        /** The most writes one transaction takes (default {@value #DEFAULT_MAX_BATCH}). */
        public Builder maxBatch(int writes) {
            if (writes < 1 || writes > 100_000) {
                throw new IllegalArgumentException("maxBatch must be 1 to 100000, was " + writes);
            }
            this.maxBatch = writes;
            return this;
        }

        /** How many writes may wait for the writer before callers block (default {@value #DEFAULT_QUEUE_CAPACITY}). */
        public Builder queueCapacity(int writes) {
            if (writes < 1) {
                throw new IllegalArgumentException("queueCapacity must be positive, was " + writes);
            }
            this.queueCapacity = writes;
            return this;
        }

        /** How often expired entries are turned into deletions and reported (default 1 s). */
        public Builder expirySweep(Duration period) {
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("expirySweep must be positive, was " + period);
            }
            this.expirySweep = period;
            return this;
        }

        /** How many read connections serve concurrent reads (default {@value #DEFAULT_READERS}). */
        public Builder readers(int connections) {
            if (connections < 1 || connections > 64) {
                throw new IllegalArgumentException("readers must be 1 to 64, was " + connections);
            }
            this.readers = connections;
            return this;
        }

        /** How many changes a watch buffers before its watcher must resync (default 1024). */
        public Builder watchBuffer(int changes) {
            if (changes < 1) {
                throw new IllegalArgumentException("watchBuffer must be positive, was " + changes);
            }
            this.watchBuffer = changes;
            return this;
        }

        /** Turns on backups into {@code folder} (created if needed; default: no backups). */
        public Builder backups(Path folder) {
            this.backupDir = Optional.of(Objects.requireNonNull(folder, "folder"));
            return this;
        }

        /** The period between backups (default 1 h; at least 1 s). */
        public Builder backupEvery(Duration period) {
            if (period.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("backupEvery must be at least 1 s, was " + period);
            }
            this.backupEvery = period;
            return this;
        }

        /** How many backups to keep, newest first (default {@value #DEFAULT_BACKUP_KEEP}). */
        public Builder backupKeep(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("backupKeep must be at least 1, was " + count);
            }
            this.backupKeep = count;
            return this;
        }

        /**
         * Opens (or creates) the database.
         *
         * @throws CorruptStoreException when the file exists and is not a healthy registry
         */
        public SqliteRegistry build() {
            if (backupDir.isPresent()) {
                Path dir = backupDir.get().toAbsolutePath();
                Path parent = file.toAbsolutePath().getParent();
                if (dir.equals(parent)) {
                    throw new IllegalArgumentException("the backup folder must not be the database's own folder: " + dir);
                }
                try {
                    Files.createDirectories(dir);
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot create the backup folder " + dir + ": " + e.getMessage(), e);
                }
            }
            return new SqliteRegistry(this);
        }
    }
}
