package dev.outpost.kv.internal;

import com.fasterxml.jackson.databind.node.NullNode;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One batch's view of the store, on the writer thread: rows read and written, and the changes to publish. */
public final class SqliteTx {
    final Instant now;
    final long nowMs;
    final List<RegistryEntry> events = new ArrayList<>();
    final List<Long> eventRevisions = new ArrayList<>();
    final Map<String, SqliteRow> cache = new LinkedHashMap<>();
    private final SqliteWriter writer;
    private final Connection conn;
    private final PreparedStatement select;
    private final PreparedStatement upsert;

    SqliteTx(SqliteWriter writer, Connection conn, Instant now) throws SQLException {
        this.writer = writer;
        this.conn = conn;
        this.now = now;
        this.nowMs = now.toEpochMilli();
        this.select = conn.prepareStatement("SELECT " + SqliteRow.COLUMNS + " FROM entries WHERE key = ?");
        this.upsert = conn.prepareStatement("INSERT OR REPLACE INTO entries (" + SqliteRow.COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)");
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
            select.setString(1, key);
            try (ResultSet rs = select.executeQuery()) {
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

    /** Writes a live entry. */
    public RegistryEntry put(String key, String value, long version, Optional<Instant> expiresAt, Optional<String> by) {
        SqliteRow r = new SqliteRow(key, value, version, nowMs, by.orElse(null), expiresAt.map(Instant::toEpochMilli).orElse(null), false);
        store(r);
        RegistryEntry e = r.entry();
        event(e);
        return e;
    }

    /** Deletes a live entry, keeping its version in a tombstone. */
    public void tombstone(SqliteRow cur, Optional<String> by) {
        SqliteRow t = new SqliteRow(cur.key(), "null", cur.version(), nowMs, by.orElse(cur.updatedBy()), null, true);
        store(t);
        event(t.entry());
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
            upsert.setString(1, r.key());
            upsert.setString(2, r.value());
            upsert.setLong(3, r.version());
            upsert.setLong(4, r.updatedAt());
            upsert.setString(5, r.updatedBy());
            if (r.expiresAtMs() == null) {
                upsert.setNull(6, java.sql.Types.INTEGER);
            } else {
                upsert.setLong(6, r.expiresAtMs());
            }
            upsert.setInt(7, r.deleted() ? 1 : 0);
            upsert.executeUpdate();
        } catch (SQLException e) {
            throw new StoreFailure(e);
        }
        cache.put(r.key(), r);
    }

    private void event(RegistryEntry e) {
        events.add(e);
        eventRevisions.add(writer.nextRevision());
    }

    void close() {
        try {
            select.close();
            upsert.close();
        } catch (SQLException e) {
            // statements of a connection that is going away
        }
    }

    /** An SQL failure inside a batch: the whole batch is rolled back. */
    static final class StoreFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StoreFailure(SQLException cause) {
            super(cause);
        }
    }
}
