package dev.outpost.host.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link RecordJournal}'s segment files: named by their id ({@code 00000000000000000042.journal}
 * in use or left by a crash, {@code .free} when kept for reuse), and written full of zeros before
 * their first entry so that later writes never change their size.
 */
final class SegmentFiles {
    static final String SUFFIX = ".journal";
    static final String FREE = ".free";

    private SegmentFiles() {}

    static Path path(Path dir, long id, String suffix) {
        return dir.resolve(String.format("%020d%s", id, suffix));
    }

    /** The files of {@code dir} ending in {@code suffix}, oldest id first. */
    static List<Path> list(Path dir, String suffix) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*" + suffix)) {
            s.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    /** The id in a segment file's name; 0 for a name that holds none. */
    static long idOf(Path p, String suffix) {
        String n = p.getFileName().toString();
        try {
            return Long.parseLong(n.substring(0, n.length() - suffix.length()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Creates {@code p} owner-only, {@code size} bytes of zeros, fsynced; open for writing in place. */
    static FileChannel createZeroFilled(Path p, long size) throws IOException {
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            DurableFiles.restrict(p, false);
            ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(size, 1 << 20));
            long pos = 0;
            while (pos < size) {
                zeros.clear();
                zeros.limit((int) Math.min(zeros.capacity(), size - pos));
                pos += ch.write(zeros, pos);
            }
            ch.force(true);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(p);
            throw e;
        }
    }

    /**
     * Whether a replayed segment may be kept for reuse: only one this format preallocated (its
     * size, and not the former appended format, which has no segment ids to end a replay at).
     */
    static boolean reusable(Path p, long segmentBytes) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer first = ByteBuffer.allocate(4);
            ch.read(first, 0);
            return ch.size() == segmentBytes && first.getInt(0) != JournalEntries.MAGIC_V1;
        }
    }
}
