package dev.outpost.kv.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One batch's view of the store, on the writer thread: rows read and written, and the changes to
 * publish. Values arrive as JSON trees already serialised on the caller's thread, so the writer
 * never parses what it stores.
 */
public final class SqliteTx {
    final Instant now;
    final long nowMs;
    final List<RegistryEntry> events = new ArrayList<>();
    final List<Long> eventRevisions = new ArrayList<>();
    /** What this batch knows of each key's row: a row, or null for "no row at all". */
    final Map<String, SqliteRow> cache = new HashMap<>();
    private final SqliteWriter writer;
    private final Connection conn;
    private final SqliteStatements sql;

    SqliteTx(SqliteWriter writer, Connection conn, SqliteStatements sql, Instant now) {
        this.writer = writer;
        this.conn = conn;
        this.sql = sql;
        this.now = now;
        this.nowMs = now.toEpochMilli();
    }

    /** The batch's time. */
    public Instant now() {
        return now;
    }

    /** The stored row (live, expired or tombstone), or null. */
    public SqliteRow load(String key) {
        if (cache.containsKey(key)) {
            return cache.get(key);
        }
        try {
            sql.select.setString(1, key);
            try (ResultSet rs = sql.select.executeQuery()) {
                SqliteRow r = rs.next() ? SqliteRow.read(rs) : null;
                cache.put(key, r);
                return r;
            }
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
    }

    /** The live row, turning an expired one into a tombstone (and an event) first; null when none. */
    public SqliteRow live(String key) {
        SqliteRow r = load(key);
        if (r == null || r.deleted()) {
            return null;
        }
        if (r.expiresAtMs() != null && r.expiresAtMs() <= nowMs) {
            expire(r);
            return null;
        }
        return r;
    }

    /** The version a key written now gets: one more than its last, or above the compacted floor for a new key. */
    public long nextVersion(String key) {
        SqliteRow old = load(key);
        long last = old == null ? writer.versionFloor() : old.version();
        if (last == Long.MAX_VALUE) {
            throw new RegistryException.InvalidValue(key, "its version " + last + " cannot grow any further; nothing was written");
        }
        return last + 1;
    }

    void expire(SqliteRow r) {
        SqliteRow t = new SqliteRow(r.key(), "null", r.version(), r.expiresAtMs(), r.updatedBy(), null, true);
        store(t);
        event(new RegistryEntry(r.key(), NullNode.getInstance(), r.version(), Instant.ofEpochMilli(r.expiresAtMs()),
                Optional.empty(), true, Optional.ofNullable(r.updatedBy())));
    }

    /**
     * Writes {@code key} as a new entry when the store has no row of it at all (the common case of
     * a fresh key: one statement, no read); null when it has one (live, expired or a tombstone),
     * and the caller decides after {@link #live}.
     */
    public RegistryEntry insertIfAbsent(String key, JsonNode value, String text, Optional<Instant> expiresAt, Optional<String> by) {
        long floor = writer.versionFloor();
        if (cache.containsKey(key) || floor == Long.MAX_VALUE) {
            return null;
        }
        SqliteRow r = new SqliteRow(key, text, floor + 1, nowMs, by.orElse(null), expiresAt.map(Instant::toEpochMilli).orElse(null),
                false);
        try {
            SqliteStatements.bindInsert(sql.insertIfAbsent, r);
            if (sql.insertIfAbsent.executeUpdate() != 1) {
                return null;
            }
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
        cache.put(key, r);
        return event(r, value);
    }

    /**
     * Replaces the live, unexpired entry of {@code key} at version {@code expected} in one
     * statement (no read first), when this batch has not read the key yet; null when no row
     * matched (absent, deleted, expired, another version: the caller reads it and says which).
     */
    public RegistryEntry replaceIfCurrent(String key, JsonNode value, String text, long expected, Optional<Instant> expiresAt,
            Optional<String> by) {
        if (cache.containsKey(key) || expected < 1 || expected == Long.MAX_VALUE) {
            return null;
        }
        SqliteRow r = new SqliteRow(key, text, expected + 1, nowMs, by.orElse(null), expiresAt.map(Instant::toEpochMilli).orElse(null),
                false);
        try {
            SqliteStatements.bindUpdate(sql.updateIfCurrent, r);
            sql.updateIfCurrent.setLong(8, expected);
            sql.updateIfCurrent.setLong(9, nowMs);
            if (sql.updateIfCurrent.executeUpdate() != 1) {
                return null;
            }
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
        cache.put(key, r);
        return event(r, value);
    }

    /** Writes a live entry whose JSON {@code value} serialises to {@code text}. */
    public RegistryEntry put(String key, JsonNode value, String text, long version, Optional<Instant> expiresAt, Optional<String> by) {
        SqliteRow r = new SqliteRow(key, text, version, nowMs, by.orElse(null), expiresAt.map(Instant::toEpochMilli).orElse(null), false);
        store(r);
        return event(r, value);
    }

    /** Deletes a live entry, keeping its version in a tombstone. */
    public void tombstone(SqliteRow cur, Optional<String> by) {
        SqliteRow t = new SqliteRow(cur.key(), "null", cur.version(), nowMs, by.orElse(cur.updatedBy()), null, true);
        store(t);
        event(t, NullNode.getInstance());
    }

    /** Every live row, for an import that mirrors its file. */
    public List<SqliteRow> liveRows() {
        List<SqliteRow> live = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT " + SqliteRow.COLUMNS + " FROM entries WHERE deleted = 0");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                live.add(SqliteRow.read(rs));
            }
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
        return live;
    }

    private void store(SqliteRow r) {
        try {
            PreparedStatement ps;
            if (!cache.containsKey(r.key())) {
                ps = sql.upsert;
                SqliteStatements.bindInsert(ps, r);
            } else if (cache.get(r.key()) == null) {
                ps = sql.insert;
                SqliteStatements.bindInsert(ps, r);
            } else {
                ps = sql.update;
                SqliteStatements.bindUpdate(ps, r);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
        cache.put(r.key(), r);
    }

    private RegistryEntry event(SqliteRow r, JsonNode value) {
        RegistryEntry e = new RegistryEntry(r.key(), value, r.version(), Instant.ofEpochMilli(r.updatedAt()), r.expiresAt(), r.deleted(),
                Optional.ofNullable(r.updatedBy()));
        event(e);
        return e;
    }

    private void event(RegistryEntry e) {
        events.add(e);
        eventRevisions.add(writer.nextRevision());
    }

    /** Forgets what one write did, after its savepoint was rolled back: its events, and what the batch read (the rows may have changed back). */
    void undo(int eventCount) {
        while (events.size() > eventCount) {
            events.remove(events.size() - 1);
            eventRevisions.remove(eventRevisions.size() - 1);
        }
        cache.clear();
    }

    /** An SQL failure inside a batch: the write that met it fails (the whole batch when its savepoint cannot be rolled back to). */
    static final class StoreFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StoreFailure(SQLException cause) {
            super(cause);
        }
    }
}
