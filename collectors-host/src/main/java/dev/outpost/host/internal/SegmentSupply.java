package dev.outpost.host.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Where the {@link RecordJournal}'s segments come from and go: ids that only grow, segments made
 * ready for writing in place (a retired one renamed, else a new one written full of zeros), and
 * the few retired segments kept for reuse.
 */
final class SegmentSupply {
    private static final int MAX_FREE = 2;

    /** A segment in use; its fields past the constructor's are guarded by the journal's lock. */
    static final class Segment {
        final long id;
        final Path path;
        final FileChannel channel;
        final long capacity;
        long bytes;
        long lastSeq;
        long closedAtNanos;

        Segment(long id, Path path, FileChannel channel, long capacity) {
            this.id = id;
            this.path = path;
            this.channel = channel;
            this.capacity = capacity;
        }
    }

    private final Path dir;
    private final long segmentBytes;
    /** Held while a segment is made, so that a shutdown sees a spare being prepared land. */
    private final ReentrantLock preparing = new ReentrantLock();
    /** Retired segments kept for reuse (their file name holds their last id); guarded by this. */
    private final Deque<Path> free = new ArrayDeque<>();
    private long nextId;
    private long segmentsWritten;

    SegmentSupply(Path dir, long segmentBytes) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
    }

    /** On open: keeps the reusable segments a former run left (a few), deletes the rest; returns the highest id among them. */
    synchronized long adoptFree() throws IOException {
        long max = 0;
        for (Path p : SegmentFiles.list(dir, SegmentFiles.FREE)) {
            max = Math.max(max, SegmentFiles.idOf(p, SegmentFiles.FREE));
            if (Files.size(p) == segmentBytes && free.size() < MAX_FREE) {
                free.add(p);
            } else {
                Files.deleteIfExists(p);
            }
        }
        return max;
    }

    /** New segments get ids past {@code max} (every id present on open), so a reused segment's old entries never read as new. */
    synchronized void idsAfter(long max) {
        nextId = max + 1;
    }

    /** The lock held while a segment is prepared. */
    ReentrantLock preparing() {
        return preparing;
    }

    /** A segment ready for writing in place: its size and blocks are on disk (and its name in the directory) before it is used. */
    Segment prepare(long size) throws IOException {
        preparing.lock();
        try {
            long id;
            Path reuse;
            synchronized (this) {
                id = nextId++;
                reuse = size == segmentBytes ? free.pollFirst() : null;
            }
            Path p = SegmentFiles.path(dir, id, SegmentFiles.SUFFIX);
            if (reuse != null) {
                try {
                    DurableFiles.move(reuse, p); // its old entries carry older ids: a replay stops at the first
                    FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE);
                    DurableFiles.syncDirectory(dir);
                    return new Segment(id, p, ch, size);
                } catch (NoSuchFileException e) {
                    // removed behind the store's back (with the folder, maybe): a new one instead
                }
            }
            FileChannel ch;
            try {
                ch = SegmentFiles.createZeroFilled(p, size);
            } catch (NoSuchFileException e) {
                // the journal's folder was removed behind the store's back: made again, or no record could be stored
                DurableFiles.createDirectories(dir);
                DurableFiles.restrict(dir, true);
                ch = SegmentFiles.createZeroFilled(p, size);
            }
            DurableFiles.syncDirectory(dir);
            synchronized (this) {
                segmentsWritten++;
            }
            return new Segment(id, p, ch, size);
        } finally {
            preparing.unlock();
        }
    }

    /** A segment whose entries are all materialized and fsynced: kept (renamed) for reuse while few are, else deleted. */
    void drop(Path p, long id) throws IOException {
        if (!Files.exists(p)) {
            return; // removed behind the store's back: nothing left to keep
        }
        if (SegmentFiles.reusable(p, segmentBytes)) {
            keepOrDelete(p, id);
        } else {
            Files.deleteIfExists(p);
        }
    }

    /** A segment with nothing to replay: kept (renamed) for reuse while few are, else deleted. */
    void keepOrDelete(Path p, long id) throws IOException {
        boolean keep;
        synchronized (this) {
            keep = free.size() < MAX_FREE && Files.size(p) == segmentBytes;
            if (keep) {
                Path f = SegmentFiles.path(dir, id, SegmentFiles.FREE);
                DurableFiles.move(p, f);
                free.addLast(f);
            }
        }
        if (!keep) {
            Files.deleteIfExists(p);
        }
    }

    /** Segments written full of zeros so far (reused ones are not counted). */
    synchronized long segmentsWritten() {
        return segmentsWritten;
    }
}
