package dev.outpost.host.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Crash-safe file writes: temporary file, fsync, atomic rename, fsync of the directory. */
public final class DurableFiles {
    private static final java.nio.file.attribute.FileAttribute<?>[] OWNER_ONLY = posixOwnerOnly();

    private DurableFiles() {}

    private static java.nio.file.attribute.FileAttribute<?>[] posixOwnerOnly() {
        boolean posix = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        return posix ? new java.nio.file.attribute.FileAttribute<?>[] {java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))} : new java.nio.file.attribute.FileAttribute<?>[0];
    }

    /** The attribute that creates a file owner-only (none where the file system has no POSIX permissions). */
    static java.nio.file.attribute.FileAttribute<?>[] ownerOnly() {
        return OWNER_ONLY.clone();
    }

    /** fsyncs {@code file} if it exists; false when it does not. */
    public static boolean syncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
            return true;
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    /** Writes {@code bytes} to {@code target} so that after a crash it holds either the old or the new content. */
    public static void write(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        writeSynced(tmp, bytes);
        move(tmp, target);
        syncDirectory(target.getParent());
    }

    /** Writes and fsyncs {@code file} (created or truncated). */
    public static void writeSynced(Path file, byte[] bytes) throws IOException {
        writeUnsynced(file, bytes, true);
    }

    /** Writes {@code file} owner-only (created or truncated), fsyncing it when {@code sync}. */
    public static void writeUnsynced(Path file, byte[] bytes, boolean sync) throws IOException {
        try (FileChannel ch = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE), OWNER_ONLY)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (sync) {
                ch.force(true);
            }
        }
    }

    /** Renames atomically, replacing the target. */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Creates {@code dir} and missing parents, fsyncing the parent of each directory created so the new entry survives a crash. */
    public static void createDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            return;
        }
        Path parent = abs.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(abs);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(abs)) {
                throw e;
            }
            return;
        }
        restrict(abs, true);
        if (parent != null) {
            syncDirectory(parent);
        }
    }

    /**
     * Refuses a symbolic link where a store keeps its own folders: what it writes there must stay in
     * its directory, whatever a link would lead it to.
     */
    public static void refuseLink(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) {
            throw new IOException(p + " is a symbolic link; the store keeps its own files there and follows no link out of"
                    + " its directory: replace it with a folder");
        }
    }

    /** Owner-only permissions (0700 for directories, 0600 for files) where the file system has POSIX permissions. */
    public static void restrict(Path p, boolean directory) throws IOException {
        try {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(directory ? "rwx------" : "rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system (Windows): its ACLs apply
        }
    }

    /** Sees every directory fsync; for tests that prove a new entry was made durable. */
    private static volatile java.util.function.Consumer<Path> directorySyncs = p -> { };

    /** Sets the observer of directory fsyncs (tests only). */
    public static void observeDirectorySyncs(java.util.function.Consumer<Path> observer) {
        directorySyncs = java.util.Objects.requireNonNull(observer, "observer");
    }

    /** Makes a rename or delete in {@code dir} durable; a no-op where directories cannot be opened (Windows). */
    public static void syncDirectory(Path dir) throws IOException {
        directorySyncs.accept(dir.toAbsolutePath().normalize());
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows")) {
                throw e;
            }
        }
    }
}
