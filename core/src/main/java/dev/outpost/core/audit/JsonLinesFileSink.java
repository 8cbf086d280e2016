package dev.outpost.core.audit;

import dev.outpost.core.files.OwnerOnlyFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Writes audit lines to a file, rotated by size: when {@code file} would pass {@code maxBytes} it
 * becomes {@code file.1} (the older {@code file.N} moving to {@code file.N+1}), and files past
 * {@code maxFiles} are deleted. Files are created owner-only ({@code 0600}), since requests name
 * senders and collectors, and never opened through a symbolic link. A batch that cannot be written
 * whole (a full disk) is cut from the file, so the file holds whole lines only. Used from one
 * thread ({@link AuditLog}'s writer).
 */
public final class JsonLinesFileSink implements AuditSink {
    private final Path file;
    private final long maxBytes;
    private final int maxFiles;
    private FileChannel channel;
    private OutputStream out;
    private long size;
    /** The file's size after the last batch written whole: a failed batch is cut back to it. */
    private long whole;

    /**
     * @param file the current file; its directory must exist
     * @param maxBytes the size at which it is rotated (at least 1 KiB)
     * @param maxFiles how many rotated files are kept besides the current one (0 or more)
     */
    public JsonLinesFileSink(Path file, long maxBytes, int maxFiles) {
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath();
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("maxBytes must be at least 1024, was " + maxBytes);
        }
        if (maxFiles < 0) {
            throw new IllegalArgumentException("maxFiles must not be negative, was " + maxFiles);
        }
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
    }

    @Override
    public void write(List<String> lines) throws IOException {
        try {
            for (String line : lines) {
                byte[] bytes = (line + '\n').getBytes(StandardCharsets.UTF_8);
                writeLine(bytes, 0, bytes.length);
            }
            flush();
        } catch (IOException | RuntimeException e) {
            abandon(e);
            throw e;
        }
    }

    /**
     * Writes {@code count} lines that lie end to end in {@code buf} from 0, each ending in a
     * newline at {@code ends[i] - 1}: the {@link AuditLog}'s writer renders into bytes, and hands
     * them over without a string per line.
     */
    void write(byte[] buf, int[] ends, int count) throws IOException {
        int total = ends[count - 1];
        try {
            if (out != null && size + total <= maxBytes) { // the usual case: the whole batch fits before rotation
                out.write(buf, 0, total);
                size += total;
            } else {
                for (int i = 0, from = 0; i < count; from = ends[i++]) {
                    writeLine(buf, from, ends[i] - from);
                }
            }
            flush();
        } catch (IOException | RuntimeException e) {
            abandon(e);
            throw e;
        }
    }

    /**
     * After a failed write: cuts what part of the batch reached the file (a line cut short would
     * join the next one), and drops the stream, whose buffer still holds the bytes it could not
     * write; the next batch opens the file again.
     */
    private void abandon(Exception cause) {
        FileChannel ch = channel;
        channel = null;
        out = null;
        if (ch == null) {
            return;
        }
        try (ch) {
            if (ch.size() > whole) {
                ch.truncate(whole); // frees room rather than taking it: works on a full disk
            }
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    private void writeLine(byte[] buf, int from, int length) throws IOException {
        if (out == null) {
            open();
        }
        // also just after opening: a file left full (by a previous run, or a rotation that failed) is rotated
        // first, never appended to past its size
        if (size > 0 && size + length > maxBytes) {
            rotate();
            open();
        }
        out.write(buf, from, length);
        size += length;
    }

    private void flush() throws IOException {
        if (out != null) {
            out.flush();
            whole = size;
        }
    }

    private void open() throws IOException {
        OwnerOnlyFiles.createDirectories(file.getParent());
        // NOFOLLOW: a link placed where the file goes would have lines appended to (and be narrowed) whatever it names
        FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS), OwnerOnlyFiles.fileAttributes(file));
        try {
            if (OwnerOnlyFiles.posix(file)) { // a file a previous run left, perhaps wider
                Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setPermissions(PosixFilePermissions.fromString("rw-------"));
            }
            size = ch.size();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        channel = ch;
        whole = size;
        // buffered: one write call per batch, not per line (flushed at the end of every batch)
        out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
    }

    private void rotate() throws IOException {
        flush(); // a failure here leaves the channel open, for the batch to be cut from it
        out = null;
        FileChannel ch = channel;
        channel = null;
        ch.close();
        if (maxFiles == 0) {
            Files.delete(file);
            return;
        }
        Files.deleteIfExists(sibling(maxFiles));
        for (int i = maxFiles - 1; i >= 1; i--) {
            if (Files.exists(sibling(i))) {
                Files.move(sibling(i), sibling(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, sibling(1), StandardCopyOption.REPLACE_EXISTING);
    }

    private Path sibling(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            try {
                flush();
            } catch (IOException | RuntimeException e) {
                abandon(e);
                throw e;
            }
            out = null;
            FileChannel ch = channel;
            channel = null;
            ch.close();
        }
    }

    @Override
    public String toString() {
        return "JsonLinesFileSink[" + file + ", " + maxBytes + " bytes x " + (maxFiles + 1) + "]";
    }
}
