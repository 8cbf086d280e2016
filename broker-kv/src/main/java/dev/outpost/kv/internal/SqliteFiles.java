package dev.outpost.kv.internal;

import dev.outpost.core.files.OwnerOnlyFiles;
import dev.outpost.kv.CorruptStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Properties;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/** Opening, checking and syncing the registry's SQLite files. */
public final class SqliteFiles {
    /** What the meta table's {@code format} row holds in every registry file. */
    public static final String FORMAT = "outpost-kv";
    /** The schema version this code writes (and reads). */
    public static final int SCHEMA = 2;
    /** The oldest schema version this code reads; the writer moves such a file to {@link #SCHEMA} when it opens it. */
    public static final int OLDEST_SCHEMA = 1;

    private static final byte[] HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    private SqliteFiles() {}

    /** Whether {@code file} is absent or empty (a new store may be created there). */
    public static boolean isNew(Path file) throws IOException {
        return !Files.exists(file) || Files.size(file) == 0;
    }

    /** Refuses a file that does not start with the SQLite header, before SQLite touches it. */
    public static void checkHeader(Path file) {
        byte[] head = new byte[HEADER.length];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, head.length);
            if (n < head.length || !Arrays.equals(head, HEADER)) {
                throw new CorruptStoreException(file, "not a SQLite database (a foreign or damaged file)", null);
            }
        } catch (IOException e) {
            throw new CorruptStoreException(file, "cannot be read: " + e.getMessage(), e);
        }
    }

    /** A connection to {@code file}; {@code create} allows making a new file, else it must exist. */
    public static Connection open(Path file, boolean create, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        if (!create) {
            config.resetOpenMode(SQLiteOpenMode.CREATE); // an existing file only: never create one by mistake
        }
        if (readOnly) {
            config.setReadOnly(true);
        }
        config.setBusyTimeout(30_000);
        // the driver would otherwise prepare and run "SELECT last_insert_rowid()" after every INSERT
        // (a third of the writer's statements); nothing here reads generated keys
        config.setGetGeneratedKeys(false);
        Properties p = config.toProperties();
        return DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), p);
    }

    /**
     * Checks that {@code c} holds a healthy registry ({@code quick_check} or, when {@code full},
     * {@code integrity_check}) and returns its schema version, or 0 for an empty database.
     */
    public static int checkStore(Path file, Connection c, boolean full) {
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery(full ? "PRAGMA integrity_check" : "PRAGMA quick_check")) {
                String result = rs.next() ? rs.getString(1) : "no answer";
                if (!"ok".equals(result)) {
                    throw new CorruptStoreException(file, "SQLite finds it damaged: " + result, null);
                }
            }
            int tables = 0;
            boolean meta = false;
            try (ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
                while (rs.next()) {
                    tables++;
                    meta |= "outpost_meta".equals(rs.getString(1));
                }
            }
            if (tables == 0) {
                return 0;
            }
            if (!meta) {
                throw new CorruptStoreException(file, "a SQLite database of another program (no outpost_meta table)", null);
            }
            String format = null;
            int schema = -1;
            try (ResultSet rs = s.executeQuery("SELECT k, v FROM outpost_meta WHERE k IN ('format', 'schema')")) {
                while (rs.next()) {
                    if ("format".equals(rs.getString(1))) {
                        format = rs.getString(2);
                    } else {
                        schema = Integer.parseInt(rs.getString(2));
                    }
                }
            }
            if (!FORMAT.equals(format)) {
                throw new CorruptStoreException(file, "its format is '" + format + "', not '" + FORMAT + "'", null);
            }
            if (schema < OLDEST_SCHEMA || schema > SCHEMA) {
                throw new CorruptStoreException(file, "schema version " + schema + ", this code reads " + OLDEST_SCHEMA + " to " + SCHEMA,
                        null);
            }
            return schema;
        } catch (SQLException | NumberFormatException e) {
            throw new CorruptStoreException(file, "SQLite cannot read it: " + e.getMessage(), e);
        }
    }

    /** Creates the tables in an empty database. */
    public static void createSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE outpost_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID");
            createEntries(s, "entries");
            createExpiryIndex(s);
            s.executeUpdate("INSERT INTO outpost_meta (k, v) VALUES ('format', '" + FORMAT + "'), ('schema', '" + SCHEMA
                    + "'), ('revision', '0')");
        }
    }

    /**
     * The entries table. Deleted rows stay as tombstones holding the key's last version, so a key
     * registered again continues from there: versions only grow.
     *
     * <p>Schema 2 keeps rows in insertion (rowid) order with a unique index on the key; schema 1
     * kept them in key order ({@code WITHOUT ROWID}). Keys are often random (the idempotency
     * store's are SHA-256 hashes): in key order each new row, and each later rewrite of it, dirtied
     * a random page of whole rows (a 4 KiB WAL frame per write); in rowid order a new row goes to
     * the last page, a rewrite finds its recent row on one of the last pages, and only the
     * (smaller) key index takes a random page on insert. That halved SQLite's CPU per write.
     */
    private static void createEntries(Statement s, String table) throws SQLException {
        s.executeUpdate("CREATE TABLE " + table + " (key TEXT NOT NULL UNIQUE, value TEXT NOT NULL, version INTEGER NOT NULL,"
                + " updated_at INTEGER NOT NULL, updated_by TEXT, expires_at INTEGER, deleted INTEGER NOT NULL)");
    }

    private static void createExpiryIndex(Statement s) throws SQLException {
        s.executeUpdate("CREATE INDEX entries_expiry ON entries (expires_at) WHERE deleted = 0 AND expires_at IS NOT NULL");
    }

    /**
     * Moves a store of schema {@code from} to {@link #SCHEMA} in the connection's open transaction
     * (the caller commits: a crash leaves the file as it was).
     */
    public static void migrate(Connection c, int from) throws SQLException {
        if (from == 1) {
            try (Statement s = c.createStatement()) {
                createEntries(s, "entries_v2");
                s.executeUpdate("INSERT INTO entries_v2 (key, value, version, updated_at, updated_by, expires_at, deleted)"
                        + " SELECT key, value, version, updated_at, updated_by, expires_at, deleted FROM entries ORDER BY key");
                s.executeUpdate("DROP TABLE entries"); // its expiry index goes with it
                s.executeUpdate("ALTER TABLE entries_v2 RENAME TO entries");
                createExpiryIndex(s);
                s.executeUpdate("UPDATE outpost_meta SET v = '" + SCHEMA + "' WHERE k = 'schema'");
            }
        }
    }

    /**
     * Creates {@code file} empty and readable by its owner only ({@code rw-------}) where the file
     * system has POSIX permissions; an empty file already there is made owner-only.
     */
    public static void createOwnerOnly(Path file) throws IOException {
        OwnerOnlyFiles.createFile(file);
    }

    /** Creates {@code dir} (and its parents) owner-only ({@code rwx------}). */
    public static void createOwnerOnlyDirectory(Path dir) throws IOException {
        OwnerOnlyFiles.createDirectories(dir);
    }

    /** Whether group or others may read or enter {@code path} (false where there are no POSIX permissions). */
    public static boolean openToOthers(Path path) throws IOException {
        if (!posix(path)) {
            return false;
        }
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(path);
        return p.stream().anyMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"));
    }

    /**
     * Whether group or others may replace what {@code dir} holds: it is writable by them and not
     * sticky ({@code /tmp} is sticky: others may not rename or delete what is not theirs there).
     */
    public static boolean replaceableByOthers(Path dir) throws IOException {
        if (!posix(dir)) {
            return false;
        }
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir);
        if (!p.contains(PosixFilePermission.GROUP_WRITE) && !p.contains(PosixFilePermission.OTHERS_WRITE)) {
            return false;
        }
        boolean sticky = Files.getFileStore(dir).supportsFileAttributeView("unix")
                && ((Integer) Files.getAttribute(dir, "unix:mode") & 01000) != 0;
        return !sticky;
    }

    /**
     * Whether {@code path} belongs to a user who is neither this process's nor root, and so
     * controls it (false where owners cannot be read as uids).
     */
    public static boolean ownedByAnother(Path path) throws IOException {
        if (PROCESS_UID < 0 || !Files.getFileStore(path).supportsFileAttributeView("unix")) {
            return false;
        }
        int uid = (Integer) Files.getAttribute(path, "unix:uid");
        return uid != 0 && uid != PROCESS_UID;
    }

    private static final int PROCESS_UID = processUid();

    private static int processUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return -1;
        }
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Forces {@code file}'s content, then its directory entry, to disk. */
    public static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        fsyncDirectory(file.toAbsolutePath().getParent());
    }

    /** Forces a directory's entries (a rename, a new file) to disk where the platform allows it. */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some platforms (Windows) cannot open a directory; the rename is still atomic there
        }
    }
}
