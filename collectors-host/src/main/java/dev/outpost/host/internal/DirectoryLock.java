package dev.outpost.host.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The lock file that makes one store the only owner of its directory, in this process and in others. */
public final class DirectoryLock {
    private final Path file;
    private FileChannel channel;
    private FileLock lock;

    public DirectoryLock(Path file) {
        this.file = file;
    }

    /**
     * Takes the lock.
     *
     * @throws IOException when another store (in this or another process) holds it, naming {@code dir}
     */
    public void take(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null; // held by another store of this process
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            throw new IOException("record directory " + dir + " is already open in another RecordStore");
        }
        channel = ch;
        lock = l;
    }

    /** Releases the lock if held; a second call does nothing. */
    public void release() {
        try {
            if (lock != null) {
                lock.release();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            lock = null;
            channel = null;
        }
    }
}
