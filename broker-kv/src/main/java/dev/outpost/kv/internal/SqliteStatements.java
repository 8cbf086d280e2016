package dev.outpost.kv.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;

/**
 * The writer's statements, prepared once for its connection (preparing them per batch cost more
 * than running them), and the binding of a row to them.
 */
final class SqliteStatements implements AutoCloseable {
    final PreparedStatement select;
    /** A key with no row at all: no delete-then-insert as with {@code INSERT OR REPLACE}. */
    final PreparedStatement insert;
    /** A key with no row gets one; a key with a row (tombstone included) is left alone: one statement, no read. */
    final PreparedStatement insertIfAbsent;
    /** A key whose row was read in this batch: rewritten in place. */
    final PreparedStatement update;
    /**
     * Compare-and-set in one statement: rewrites the live, unexpired row of a key at the expected
     * version; no row changed means the caller reads the row to say why.
     */
    final PreparedStatement updateIfCurrent;
    /** A key not read in this batch. */
    final PreparedStatement upsert;
    final PreparedStatement setMeta;
    final PreparedStatement savepoint;
    final PreparedStatement release;
    final PreparedStatement rollbackTo;

    SqliteStatements(Connection c) throws SQLException {
        String cols = SqliteRow.COLUMNS;
        select = c.prepareStatement("SELECT " + cols + " FROM entries WHERE key = ?");
        insert = c.prepareStatement("INSERT INTO entries (" + cols + ") VALUES (?, ?, ?, ?, ?, ?, ?)");
        insertIfAbsent = c.prepareStatement("INSERT INTO entries (" + cols + ") VALUES (?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (key) DO NOTHING");
        update = c.prepareStatement("UPDATE entries SET value = ?, version = ?, updated_at = ?, updated_by = ?, expires_at = ?,"
                + " deleted = ? WHERE key = ?");
        updateIfCurrent = c.prepareStatement("UPDATE entries SET value = ?, version = ?, updated_at = ?, updated_by = ?,"
                + " expires_at = ?, deleted = ? WHERE key = ? AND version = ? AND deleted = 0 AND (expires_at IS NULL OR expires_at > ?)");
        upsert = c.prepareStatement("INSERT OR REPLACE INTO entries (" + cols + ") VALUES (?, ?, ?, ?, ?, ?, ?)");
        setMeta = c.prepareStatement("INSERT OR REPLACE INTO outpost_meta (k, v) VALUES (?, ?)");
        savepoint = c.prepareStatement("SAVEPOINT outpost_write");
        release = c.prepareStatement("RELEASE outpost_write");
        rollbackTo = c.prepareStatement("ROLLBACK TO outpost_write");
    }

    /** Binds {@code r} in {@link SqliteRow#COLUMNS} order (insert statements). */
    static void bindInsert(PreparedStatement ps, SqliteRow r) throws SQLException {
        ps.setString(1, r.key());
        bindRest(ps, r, 2);
    }

    /** Binds {@code r} to {@link #update}: the columns after the key, then the key. */
    static void bindUpdate(PreparedStatement ps, SqliteRow r) throws SQLException {
        bindRest(ps, r, 1);
        ps.setString(7, r.key());
    }

    private static void bindRest(PreparedStatement ps, SqliteRow r, int i) throws SQLException {
        ps.setString(i, r.value());
        ps.setLong(i + 1, r.version());
        ps.setLong(i + 2, r.updatedAt());
        ps.setString(i + 3, r.updatedBy());
        if (r.expiresAtMs() == null) {
            ps.setNull(i + 4, Types.INTEGER);
        } else {
            ps.setLong(i + 4, r.expiresAtMs());
        }
        ps.setInt(i + 5, r.deleted() ? 1 : 0);
    }

    @Override
    public void close() {
        for (PreparedStatement ps : new PreparedStatement[] {select, insert, insertIfAbsent, update, updateIfCurrent, upsert, setMeta, savepoint,
            release, rollbackTo}) {
            try {
                ps.close();
            } catch (SQLException e) {
                // statements of a connection that is going away
            }
        }
    }
}
