package dev.outpost.kv.internal;

import dev.outpost.core.registry.WatchHub;
import dev.outpost.kv.internal.SqliteWriteQueue.Op;
import dev.outpost.spi.RegistryException;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's one writer: group commit. A thread takes every write waiting in its queue (up to
 * {@code maxBatch}), applies them in order in one transaction, commits once (one fsync with
 * {@code synchronous=FULL}), publishes their changes to the watches and only then answers each
 * caller, so a watch added after a write returned never hears that write. Each write sees the
 * state the writes before it left: compare-and-set is linearizable. Every {@code sweep} it turns
 * expired entries into tombstones and removes tombstones older than the retention, keeping the
 * largest version removed as the floor new keys start above.
 */
public final class SqliteWriter {
    private static final Logger log = LoggerFactory.getLogger(SqliteWriter.class);
    /** The writer connection's page cache. */
    static final int WRITER_CACHE_KIB = 32 * 1024;
    /** WAL pages between checkpoints (4 KiB pages: a WAL of up to ~32 MiB between them). */
    static final int WAL_CHECKPOINT_PAGES = 8000;

    private final Path file;
    private final Clock clock;
    private final LongSupplier ticker;
    private final int maxBatch;
    private final long sweepNanos;
    private final Duration tombstoneRetention;
    private final Connection conn;
    private final SqliteStatements sql;
    private final SqliteWriteQueue queue;
    private final WatchHub hub;
    private final AtomicLong committedRevision = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private long revision; // writer thread only
    private long floor; // writer thread only

    /** Opens the file's write connection (creating the store when the file is new); the caller starts {@link #loop}. */
    public SqliteWriter(Path file, Clock clock, LongSupplier ticker, int maxBatch, int queueCapacity, Duration sweep,
            Duration tombstoneRetention, WatchHub hub) {
        this.file = file;
        this.clock = clock;
        this.ticker = ticker;
        this.maxBatch = maxBatch;
        // capped at ~146 years: the builder takes longer periods, whose nanoseconds overflowed a long at start
        this.sweepNanos = sweep.compareTo(Duration.ofNanos(Long.MAX_VALUE / 2)) > 0 ? Long.MAX_VALUE / 2 : sweep.toNanos();
        this.tombstoneRetention = tombstoneRetention;
        this.queue = new SqliteWriteQueue(file, queueCapacity);
        this.hub = hub;
        try {
            this.conn = openWriter(file);
            this.revision = meta("revision");
            this.floor = meta("version-floor");
            conn.commit();
            this.sql = prepare(conn);
        } catch (SQLException e) {
            throw new RegistryException.Unavailable("", "cannot open " + file + ": " + e.getMessage(), e);
        }
        committedRevision.set(revision);
    }

    private static Connection openWriter(Path file) throws SQLException {
        boolean fresh;
        try {
            fresh = SqliteFiles.isNew(file);
            if (fresh) {
                SqliteFiles.createOwnerOnly(file); // SQLite gives its -wal and -shm files the same mode
            }
        } catch (IOException e) {
            throw new RegistryException.Unavailable("", "cannot create " + file + ": " + e.getMessage(), e);
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
                // the writer's B-tree pages stay in memory (the default 2 MiB sends a store of a
                // few tens of thousands of keys to the OS for most pages it touches)
                s.execute("PRAGMA cache_size = -" + WRITER_CACHE_KIB);
                // checkpoint every WAL_CHECKPOINT_PAGES instead of 1000: a page rewritten by many
                // commits (index interiors, the table's last page) goes to the database file once per
                // checkpoint; each commit still fsyncs the WAL, so what returned is durable as before
                s.execute("PRAGMA wal_autocheckpoint = " + WAL_CHECKPOINT_PAGES);
            }
            if (schema == 0) {
                c.setAutoCommit(false);
                SqliteFiles.createSchema(c);
                c.commit();
                c.setAutoCommit(true);
            } else if (schema < SqliteFiles.SCHEMA) {
                c.setAutoCommit(false);
                SqliteFiles.migrate(c, schema);
                c.commit();
                c.setAutoCommit(true);
                log.info("SQLite registry {}: moved from schema {} to {}", file, schema, SqliteFiles.SCHEMA);
            }
            c.setAutoCommit(false);
            return c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static SqliteStatements prepare(Connection c) throws SQLException {
        try {
            return new SqliteStatements(c);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    private long meta(String key) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT v FROM outpost_meta WHERE k = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Long.parseLong(rs.getString(1)) : 0;
            }
        }
    }

    private void setMeta(String key, long value) throws SQLException {
        sql.setMeta.setString(1, key);
        sql.setMeta.setString(2, Long.toString(value));
        sql.setMeta.executeUpdate();
    }

    /** The revision of the last commit. */
    public long committedRevision() {
        return committedRevision.get();
    }

    /** Transactions committed. */
    public long commits() {
        return commits.get();
    }

    /** Writes committed or refused. */
    public long writes() {
        return writes.get();
    }

    /** Writes waiting for the writer thread. */
    int queued() {
        return queue.size();
    }

    long versionFloor() {
        return floor;
    }

    long nextRevision() {
        return ++revision;
    }

    /**
     * Queues a write and waits for its answer (an interrupt does not abandon a write that may
     * commit). {@code body} runs on the writer thread; a {@link RegistryException} or
     * {@link IllegalArgumentException} from it refuses this write alone.
     */
    public <T> T submit(String key, Function<SqliteTx, T> body) {
        return queue.submit(key, body);
    }

    /**
     * Queues a write without waiting for it: the future completes on the writer thread once the
     * write's batch committed (or the write was refused). Waits only while the queue is full, so
     * the writes in flight stay bounded by the queue's capacity.
     */
    public <T> CompletableFuture<T> submitAsync(String key, Function<SqliteTx, T> body) {
        return queue.submitAsync(key, body);
    }

    /** Asks the loop to commit what is queued and end. */
    public void stop(Thread loop) {
        queue.stop();
        loop.interrupt();
    }

    /** The writer thread's body: returns once stopped and the queue is empty. */
    public void loop() {
        long nextSweep = ticker.getAsLong();
        List<Op<?>> batch = new ArrayList<>(maxBatch);
        while (true) {
            batch.clear();
            try {
                long wait = Math.max(0, nextSweep - ticker.getAsLong());
                queue.take(batch, maxBatch, Math.max(1, Math.min(wait, TimeUnit.MILLISECONDS.toNanos(200))));
            } catch (InterruptedException e) {
                // stop() interrupts to end the wait; what is queued is drained below
            }
            boolean sweep = ticker.getAsLong() - nextSweep >= 0 && !queue.stopping();
            if (sweep) {
                nextSweep = ticker.getAsLong() + sweepNanos;
            }
            if (!batch.isEmpty() || sweep) {
                try {
                    runBatch(batch, sweep);
                } catch (Throwable t) {
                    // never leave callers waiting on a writer that met an Error mid-batch
                    log.error("SQLite registry {}: the writer failed on a batch of {} writes", file, batch.size(), t);
                    for (Op<?> op : batch) {
                        op.future.completeExceptionally(new RegistryException.Unavailable(op.key,
                                "the writer of " + file + " failed: " + t, t));
                    }
                }
            }
            if (queue.stopping() && queue.isEmpty()) {
                return;
            }
        }
    }

    private void runBatch(List<Op<?>> batch, boolean sweep) {
        long before = revision;
        long floorBefore = floor;
        SqliteTx tx = null;
        try {
            tx = attempt(batch, sweep, false);
            if (tx == null) {
                // a write failed with more than a refusal: start the batch again, each write in its own savepoint
                conn.rollback();
                revision = before;
                floor = floorBefore;
                tx = attempt(batch, sweep, true);
            }
            if (revision != before) {
                setMeta("revision", revision);
            }
            if (floor != floorBefore) {
                setMeta("version-floor", floor);
            }
            conn.commit(); // with synchronous=FULL this fsyncs the WAL: the batch is durable now
            commits.incrementAndGet();
            writes.addAndGet(batch.size());
            committedRevision.set(revision);
        } catch (SQLException | RuntimeException e) {
            revision = before;
            floor = floorBefore;
            try {
                conn.rollback();
            } catch (SQLException re) {
                e.addSuppressed(re);
            }
            Throwable cause = e instanceof SqliteTx.StoreFailure ? e.getCause() : e;
            log.error("SQLite registry {}: a batch of {} writes failed and was rolled back", file, batch.size(), cause);
            for (Op<?> op : batch) {
                op.future.completeExceptionally(new RegistryException.Unavailable(op.key,
                        "writing " + file + " failed, nothing was written: " + cause.getMessage(), cause));
            }
            return;
        }
        // published before the callers are answered: a watch added after a write returned is
        // added after its change was handed out, and so never receives it
        for (int i = 0; i < tx.events.size(); i++) {
            hub.publish(tx.events.get(i), tx.eventRevisions.get(i));
        }
        for (Op<?> op : batch) {
            op.finish();
        }
    }

    /**
     * Runs the batch in the open transaction. Trusting ({@code isolated} false), the writes run
     * one after the other with no savepoint (two statements less per write); null when one of them
     * failed with anything but a refusal, and the caller rolls back and runs them again isolated.
     */
    private SqliteTx attempt(List<Op<?>> batch, boolean sweep, boolean isolated) throws SQLException {
        SqliteTx tx = new SqliteTx(this, conn, sql, clock.instant().truncatedTo(ChronoUnit.MILLIS));
        if (sweep) {
            sweepExpired(tx);
            compactTombstones(tx);
        }
        for (Op<?> op : batch) {
            if (isolated) {
                runIsolated(op, tx);
            } else {
                try {
                    op.run(tx);
                } catch (RuntimeException | Error e) {
                    return null;
                }
            }
        }
        return tx;
    }

    /**
     * Runs one write inside its own savepoint: a write that fails with anything but a refusal
     * (a bug, an SQL error, an {@link Error}) is rolled back alone and fails alone, and the
     * batch's other writes still commit. Only when the savepoint itself cannot be rolled back to
     * (SQLite rolled the whole transaction back, as after a full disk) does the batch fail.
     */
    private void runIsolated(Op<?> op, SqliteTx tx) throws SQLException {
        int events = tx.events.size();
        long revisionBefore = revision;
        sql.savepoint.executeUpdate();
        try {
            op.run(tx);
        } catch (RuntimeException | Error e) {
            try {
                sql.rollbackTo.executeUpdate();
            } catch (SQLException re) {
                re.addSuppressed(e);
                throw re;
            }
            revision = revisionBefore;
            tx.undo(events);
            Throwable cause = e instanceof SqliteTx.StoreFailure ? e.getCause() : e;
            log.error("SQLite registry {}: a write of '{}' failed and was rolled back alone; the other writes of its batch go on",
                    file, op.key, cause);
            op.fail(new RegistryException.Unavailable(op.key, "writing " + file + " failed, nothing was written: " + cause, cause));
        }
        sql.release.executeUpdate();
    }

    private void sweepExpired(SqliteTx tx) throws SQLException {
        List<SqliteRow> expired = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT " + SqliteRow.COLUMNS
                + " FROM entries WHERE deleted = 0 AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT 1000")) {
            ps.setLong(1, tx.nowMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    expired.add(SqliteRow.read(rs));
                }
            }
        }
        for (SqliteRow r : expired) {
            tx.cache.put(r.key(), r);
            tx.expire(r);
        }
    }

    /**
     * Removes tombstones older than the retention, at most 1000 a sweep. New keys then start above
     * the largest version removed (the floor), so no version is ever handed out twice for a key.
     */
    private void compactTombstones(SqliteTx tx) throws SQLException {
        long before = Long.MIN_VALUE;
        try {
            before = Math.subtractExact(tx.nowMs, tombstoneRetention.toMillis());
        } catch (ArithmeticException e) {
            // a retention past a long of milliseconds keeps every tombstone; it overflowed and rolled back every sweep
        }
        List<String> keys = new ArrayList<>();
        long max = 0;
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT key, version FROM entries WHERE deleted = 1 AND updated_at < ? LIMIT 1000")) {
            ps.setLong(1, before);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                    max = Math.max(max, rs.getLong(2));
                }
            }
        }
        if (keys.isEmpty()) {
            return;
        }
        try (PreparedStatement del = conn.prepareStatement("DELETE FROM entries WHERE key = ? AND deleted = 1")) {
            for (String k : keys) {
                del.setString(1, k);
                del.addBatch();
                tx.cache.remove(k);
            }
            del.executeBatch();
        }
        floor = Math.max(floor, max);
        log.debug("SQLite registry {}: compacted {} tombstones; new keys start above version {}", file, keys.size(), floor);
    }

    /** Fails what is still queued and closes the write connection (after the loop ended). */
    public void close() {
        queue.failQueued();
        sql.close();
        try {
            conn.close();
        } catch (SQLException e) {
            log.warn("closing {} failed", file, e);
        }
    }
}
