package dev.outpost.kv.internal;

import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import dev.outpost.spi.RegistryPage;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The registry's reads: a small pool of read-only connections, each read one snapshot. */
public final class SqliteReads {
    private static final Logger log = LoggerFactory.getLogger(SqliteReads.class);

    private final Path file;
    private final Clock clock;
    private final BlockingQueue<Connection> pool;
    private final List<Connection> all = new ArrayList<>();

    /** Opens {@code count} read connections to an existing store. */
    public SqliteReads(Path file, Clock clock, int count) {
        this.file = file;
        this.clock = clock;
        this.pool = new ArrayBlockingQueue<>(count);
        try {
            for (int i = 0; i < count; i++) {
                Connection r = SqliteFiles.open(file, false, false);
                all.add(r);
                try (Statement s = r.createStatement()) {
                    s.execute("PRAGMA query_only = ON");
                }
                pool.add(r);
            }
        } catch (SQLException e) {
            close();
            throw new RegistryException.Unavailable("", "cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    private interface Body<T> {
        T apply(Connection c) throws SQLException;
    }

    private <T> T read(String key, Body<T> body) {
        Connection c;
        try {
            c = pool.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException.Unavailable(key, "interrupted while waiting for a read connection", e);
        }
        try {
            return body.apply(c);
        } catch (SQLException e) {
            throw new RegistryException.Unavailable(key, "reading " + file + " failed: " + e.getMessage(), e);
        } finally {
            pool.add(c);
        }
    }

    /** The live entry. */
    public Optional<RegistryEntry> get(String key) {
        return read(key, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + SqliteRow.COLUMNS + " FROM entries WHERE key = ? AND deleted = 0")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    RegistryEntry e = SqliteRow.read(rs).entry();
                    return e.isExpiredAt(clock.instant()) ? Optional.empty() : Optional.of(e);
                }
            }
        });
    }

    /** One page in key order; {@code after} is the last key of the previous page. */
    public RegistryPage list(String prefix, int limit, Optional<String> after) {
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
                String sql = "SELECT " + SqliteRow.COLUMNS + " FROM entries WHERE key " + (inclusive ? ">=" : ">")
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
                            RegistryEntry e = SqliteRow.read(rs).entry();
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

    /** Every live entry, in key order, from one snapshot. */
    public long forEachLive(Consumer<RegistryEntry> sink) {
        return read("", c -> {
            long n = 0;
            Instant now = clock.instant();
            c.setAutoCommit(false); // one read transaction: one snapshot
            try (PreparedStatement ps = c.prepareStatement("SELECT " + SqliteRow.COLUMNS + " FROM entries WHERE deleted = 0 ORDER BY key");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    RegistryEntry e = SqliteRow.read(rs).entry();
                    if (!e.isExpiredAt(now)) {
                        sink.accept(e);
                        n++;
                    }
                }
            } finally {
                c.commit();
                c.setAutoCommit(true);
            }
            return n;
        });
    }

    /** How many rows (entries and tombstones) the store holds. */
    public long rows() {
        return read("", c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM entries")) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    /** Closes every connection. */
    public void close() {
        for (Connection c : all) {
            try {
                c.close();
            } catch (SQLException e) {
                log.warn("closing a read connection to {} failed", file, e);
            }
        }
    }
}
