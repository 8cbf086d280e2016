package dev.outpost.kv.internal;

import dev.outpost.kv.CorruptStoreException;
import dev.outpost.spi.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/** Consistent copies of a registry file, their verification and restoring one. */
public final class SqliteCopies {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

    private SqliteCopies() {}

    /**
     * Writes one consistent snapshot of {@code file} into {@code target}, which must be absent or
     * empty; it is created owner-only first, since {@code VACUUM INTO} would create it readable by
     * everyone the umask allows.
     */
    public static void copy(Path file, Path target) {
        try {
            // a link would be followed by the chmod and by VACUUM INTO: the data would land where it points
            if (Files.isSymbolicLink(target)) {
                throw new RegistryException.Unavailable("", "cannot back up to " + target + ": it is a symbolic link; name the file"
                        + " itself", null);
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)
                    || Files.size(target) > 0)) {
                throw new RegistryException.Unavailable("", "cannot back up to " + target + ": it exists and is not an empty file",
                        null);
            }
            SqliteFiles.createOwnerOnly(target);
        } catch (IOException e) {
            throw new RegistryException.Unavailable("", "cannot create " + target + ": " + e.getMessage(), e);
        }
        // its own connection: VACUUM INTO reads one snapshot (writers go on) and writes the target
        try (Connection c = SqliteFiles.open(file, false, false);
                PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
            ps.setString(1, target.toAbsolutePath().toString());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new RegistryException.Unavailable("", "copying " + file + " failed: " + e.getMessage(), e);
        }
    }

    /** Checks a registry file with {@code integrity_check} and returns its row count. */
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

    /** Puts a verified {@code backup} in place as {@code file}, moving an existing one aside. */
    public static Optional<Path> restore(Path backup, Path file) {
        // the live file is moved aside before the copy: from itself, there would be nothing left to copy
        try {
            if (Files.exists(file) && Files.exists(backup) && Files.isSameFile(backup, file)) {
                throw new IllegalArgumentException("cannot restore " + backup + " onto " + file + ": they are the same file");
            }
        } catch (IOException e) {
            throw new RegistryException.Unavailable("", "cannot read " + backup + ": " + e.getMessage(), e);
        }
        // the check reads the file with its -wal, the copy would take the file alone: an older state than the one checked
        Path wal = backup.resolveSibling(backup.getFileName() + "-wal");
        try {
            if (Files.exists(wal) && Files.size(wal) > 0) {
                throw new CorruptStoreException(backup, "it has a write-ahead log beside it (" + wal.getFileName() + ") holding"
                        + " writes the file alone lacks: it is a live database, not a backup. Restore a backup made by"
                        + " SqliteRegistry.backupTo (or outpost kv backup), or open and close it once with SqliteRegistry first", null);
            }
        } catch (IOException e) {
            throw new RegistryException.Unavailable("", "cannot read " + wal + ": " + e.getMessage(), e);
        }
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
            // created owner-only before a byte is copied: Files.copy would make it with the umask's mode first
            Files.deleteIfExists(tmp);
            SqliteFiles.createOwnerOnly(tmp);
            try (InputStream in = Files.newInputStream(backup);
                    OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                in.transferTo(out);
            }
            SqliteFiles.fsync(tmp);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            SqliteFiles.fsyncDirectory(dir);
            return aside;
        } catch (IOException e) {
            throw new RegistryException.Unavailable("", "restoring " + backup + " to " + file + " failed: " + e.getMessage(), e);
        }
    }
}
