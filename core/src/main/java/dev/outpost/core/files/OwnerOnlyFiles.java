package dev.outpost.core.files;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories only their owner may read ({@code 0600} and {@code 0700} where the file
 * system has POSIX modes; elsewhere they are created plainly), made so before a byte goes in: for
 * anything that holds keys, senders, registry data, audit lines or results. Every Outpost module
 * that writes such files uses these, and so can yours.
 *
 * <pre>{@code
 * OwnerOnlyFiles.createDirectories(Path.of("/var/lib/my-agent/state"));
 * OwnerOnlyFiles.replace(Path.of("/var/lib/my-agent/state/token"), token.getBytes(UTF_8));
 * }</pre>
 */
public final class OwnerOnlyFiles {
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private OwnerOnlyFiles() {}

    /** Whether the file system of {@code path} has POSIX modes. */
    public static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * The attribute that creates a file owner-only, for {@link FileChannel#open} and
     * {@link Files#newByteChannel} with {@code CREATE}; none where there are no POSIX modes.
     */
    public static FileAttribute<?>[] fileAttributes(Path path) {
        return posix(path) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
    }

    /**
     * Creates the missing directories of {@code dir}, each owner-only, and syncs the directory each
     * was made in (so a file written there next survives a crash); existing ones are left as they are.
     */
    public static Path createDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            return abs;
        }
        Path parent = abs.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            if (posix(abs)) {
                Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(DIRECTORY));
            } else {
                Files.createDirectory(abs);
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(abs)) {
                throw e;
            }
            return abs; // made by someone else meanwhile
        }
        if (parent != null) {
            syncDirectory(parent);
        }
        return abs;
    }

    /**
     * Creates {@code file} empty and owner-only (and its missing directories, owner-only), or
     * narrows an existing file to owner-only without touching its content.
     */
    public static Path createFile(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        createDirectories(abs.getParent());
        try {
            if (posix(abs)) {
                Files.createFile(abs, PosixFilePermissions.asFileAttribute(FILE));
            } else {
                Files.createFile(abs);
            }
        } catch (FileAlreadyExistsException e) {
            narrow(abs);
        }
        return abs;
    }

    /** Makes an existing file owner-only ({@code 0600}); nothing where there are no POSIX modes. */
    public static void narrow(Path file) throws IOException {
        if (posix(file)) {
            Files.setPosixFilePermissions(file, FILE);
        }
    }

    /**
     * Replaces {@code file} with {@code content}: written to an owner-only temporary file beside it,
     * synced, moved over it, and the directory synced, so a crash leaves the old file or the new,
     * never half of one.
     */
    public static void replace(Path file, byte[] content) throws IOException {
        replace(file, out -> {
            out.write(content);
            return null;
        });
    }

    /**
     * Replaces {@code file} with what {@code writer} writes, streamed as {@link #replace(Path, byte[])}
     * writes its bytes: when the writer throws, the temporary file is removed and {@code file} is
     * left as it was.
     *
     * <pre>{@code
     * long n = OwnerOnlyFiles.replace(Path.of("export.jsonl"), out -> exportTo(out));
     * }</pre>
     *
     * @return what {@code writer} returned
     */
    public static <T> T replace(Path file, ContentWriter<T> writer) throws IOException {
        Path abs = file.toAbsolutePath();
        createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
        Files.deleteIfExists(tmp); // a leftover, perhaps a symbolic link someone placed: never written through
        T result;
        try {
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    fileAttributes(tmp))) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
                result = writer.write(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (Throwable t) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                t.addSuppressed(e);
            }
            throw t;
        }
        syncDirectory(abs.getParent());
        return result;
    }

    /**
     * Writes a file's content for {@link OwnerOnlyFiles#replace(Path, ContentWriter)}.
     *
     * @param <T> what the writer reports, such as a count of records
     */
    @FunctionalInterface
    public interface ContentWriter<T> {
        /** Writes the content to {@code out}, which the caller flushes and closes. */
        T write(OutputStream out) throws IOException;
    }

    /** Syncs a directory, so that files just created or moved in it survive a crash; a no-op where that is not possible. */
    public static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a directory; what was moved there was moved atomically
        }
    }
}
