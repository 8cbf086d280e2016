package dev.outpost.host.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;

/**
 * The record store's write-ahead journal, with group commit: a record is durable once its entry
 * is in a journal segment and that segment was fsynced. Writers that arrive while a sync is under
 * way are collected and made durable together by the next one (leader/follower: the first writer
 * to find no sync running does it for everyone), so one fsync covers many writers' records.
 *
 * <p>The record and marker files are written after the entry is durable, without fsync of their
 * own. A segment is retired (its files fsynced, then the segment deleted) once it is closed and
 * old enough that the kernel has normally written those files back already, which makes the
 * fsyncs cheap; a segment left by a crash is replayed on open: every file it names is written
 * again if missing or short, then fsynced. Entries carry a CRC: a torn tail (a write the crash
 * interrupted, never acknowledged) ends the replay of its segment.
 */
public final class RecordJournal {
    private static final int MAGIC = 0x4f52_4a31; // "ORJ1"
    private static final String SUFFIX = ".journal";

    /** One journalled record. */
    public record Entry(String hash, String name, byte[] content) {}

    /** What a segment's retirement or replay does with each entry (write the files if needed, fsync them). */
    @FunctionalInterface
    public interface Materializer {
        void materialize(Entry entry) throws IOException;

        /** Makes everything materialized so far durable; called before a segment is deleted. */
        default void flush() throws IOException {}
    }

    private static final class Segment {
        final long id;
        final Path path;
        final FileChannel channel;
        long bytes;
        long closedAtNanos;

        Segment(long id, Path path, FileChannel channel) {
            this.id = id;
            this.path = path;
            this.channel = channel;
        }
    }

    private final Path dir;
    private final long maxSegmentBytes;
    private final LongSupplier ticker;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private long appended;
    private long durable;
    private long failedFrom = -1;
    private long failedTo = -1;
    private IOException failure;
    private boolean syncing;
    private boolean rotateRequested;
    private Segment current;
    private long nextId;
    private final Deque<Segment> closed = new ArrayDeque<>();
    private long syncs;

    public RecordJournal(Path dir, long maxSegmentBytes, LongSupplier ticker) {
        this.dir = dir;
        this.maxSegmentBytes = maxSegmentBytes;
        this.ticker = ticker;
    }

    /** Replays and deletes every segment left by an earlier run, then opens a new one. */
    public void open(Materializer m) throws IOException {
        Files.createDirectories(dir);
        DurableFiles.restrict(dir, true);
        long max = 0;
        for (Path p : segments()) {
            max = Math.max(max, idOf(p));
            replay(p, m);
            m.flush();
            Files.deleteIfExists(p);
        }
        DurableFiles.syncDirectory(dir);
        nextId = max + 1;
        lock.lock();
        try {
            current = newSegment();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends {@code e} and returns once it is durable (its batch fsynced).
     *
     * @throws IOException when the batch holding it could not be made durable
     */
    public void append(Entry e) throws IOException {
        byte[] bytes = encode(e);
        lock.lock();
        try {
            pending.write(bytes, 0, bytes.length);
            long seq = ++appended;
            while (durable < seq) {
                if (!syncing) {
                    sync();
                } else {
                    changed.awaitUninterruptibly();
                }
            }
            if (seq >= failedFrom && seq <= failedTo) {
                throw new IOException("journal write failed: " + failure.getMessage(), failure);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Called holding the lock; releases it while writing, so that the next batch gathers meanwhile. */
    private void sync() {
        syncing = true;
        ByteArrayOutputStream batch = pending;
        long upTo = appended;
        pending = new ByteArrayOutputStream();
        Segment seg = current;
        IOException err = null;
        lock.unlock();
        try {
            ByteBuffer buf = ByteBuffer.wrap(batch.toByteArray());
            while (buf.hasRemaining()) {
                seg.channel.write(buf);
            }
            seg.channel.force(false);
        } catch (IOException e) {
            err = e;
        } finally {
            lock.lock();
        }
        try {
            if (err == null) {
                seg.bytes += batch.size();
                syncs++;
            }
            if (err != null) {
                failedFrom = durable + 1;
                failedTo = upTo;
                failure = err;
                rotate(); // a failed write may have left part of an entry: later entries go to a fresh segment
            } else if (seg.bytes >= maxSegmentBytes || rotateRequested) {
                rotate();
            }
        } catch (IOException e) {
            failedFrom = durable + 1;
            failedTo = upTo;
            failure = e;
        } finally {
            durable = upTo;
            syncing = false;
            changed.signalAll();
        }
    }

    /** Called holding the lock. */
    private void rotate() throws IOException {
        rotateRequested = false;
        Segment old = current;
        try {
            old.channel.close();
        } catch (IOException ignored) {
            // closing after a failed write: the segment is replayed up to its last good entry
        }
        old.closedAtNanos = ticker.getAsLong();
        if (old.bytes == 0 && failure == null) {
            Files.deleteIfExists(old.path);
        } else {
            closed.addLast(old);
        }
        current = newSegment();
    }

    private Segment newSegment() throws IOException {
        long id = nextId++;
        Path p = dir.resolve(String.format("%020d%s", id, SUFFIX));
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        DurableFiles.restrict(p, false);
        DurableFiles.syncDirectory(dir);
        return new Segment(id, p, ch);
    }

    /** Asks the next batch to start a new segment (so an idle store's segment can retire). */
    public void requestRotation() {
        lock.lock();
        try {
            if (current != null && current.bytes > 0) {
                rotateRequested = true;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Retires closed segments closed at least {@code ageNanos} ago (all with 0): their files are
     * materialized and fsynced, then the segment is deleted.
     *
     * @return segments retired
     */
    public int retire(long ageNanos, Materializer m) throws IOException {
        int n = 0;
        while (true) {
            Segment s;
            lock.lock();
            try {
                s = closed.peekFirst();
                if (s == null || ticker.getAsLong() - s.closedAtNanos < ageNanos) {
                    return n;
                }
            } finally {
                lock.unlock();
            }
            replay(s.path, m);
            m.flush();
            Files.deleteIfExists(s.path);
            lock.lock();
            try {
                closed.pollFirst();
            } finally {
                lock.unlock();
            }
            n++;
        }
    }

    /** Closes the current segment and retires everything: for shutdown. */
    public void closeAndRetireAll(Materializer m) throws IOException {
        lock.lock();
        try {
            while (syncing) {
                changed.awaitUninterruptibly();
            }
            if (current != null) {
                rotate();
                current.channel.close();
                Files.deleteIfExists(current.path);
                current = null;
            }
        } finally {
            lock.unlock();
        }
        retire(0, m);
        DurableFiles.syncDirectory(dir);
    }

    /** fsyncs done for batches so far. */
    public long syncs() {
        lock.lock();
        try {
            return syncs;
        } finally {
            lock.unlock();
        }
    }

    private List<Path> segments() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            s.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    private static long idOf(Path p) {
        String n = p.getFileName().toString();
        try {
            return Long.parseLong(n.substring(0, n.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static void replay(Path segment, Materializer m) throws IOException {
        try (InputStream raw = Files.newInputStream(segment);
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16))) {
            while (true) {
                Entry e;
                try {
                    e = decode(in);
                } catch (EOFException | CorruptEntry end) {
                    return; // the end, or a torn tail that was never acknowledged
                }
                m.materialize(e);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static final class CorruptEntry extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptEntry(String m) {
            super(m);
        }
    }

    static byte[] encode(Entry e) {
        try {
            ByteArrayOutputStream payload = new ByteArrayOutputStream(e.content().length + 256);
            try (DataOutputStream out = new DataOutputStream(payload)) {
                out.writeUTF(e.hash());
                out.writeUTF(e.name());
                out.writeInt(e.content().length);
                out.write(e.content());
            }
            byte[] p = payload.toByteArray();
            CRC32 crc = new CRC32();
            crc.update(p);
            ByteArrayOutputStream whole = new ByteArrayOutputStream(p.length + 16);
            try (DataOutputStream out = new DataOutputStream(whole)) {
                out.writeInt(MAGIC);
                out.writeInt(p.length);
                out.writeInt((int) crc.getValue());
                out.write(p);
            }
            return whole.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static Entry decode(DataInputStream in) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new CorruptEntry("bad magic");
        }
        int len = in.readInt();
        int crcValue = in.readInt();
        if (len < 0 || len > 512 * 1024 * 1024) {
            throw new CorruptEntry("bad length");
        }
        byte[] p = in.readNBytes(len);
        if (p.length < len) {
            throw new CorruptEntry("torn entry");
        }
        CRC32 crc = new CRC32();
        crc.update(p);
        if ((int) crc.getValue() != crcValue) {
            throw new CorruptEntry("bad checksum");
        }
        try (DataInputStream d = new DataInputStream(new java.io.ByteArrayInputStream(p))) {
            String hash = d.readUTF();
            String name = d.readUTF();
            byte[] content = new byte[d.readInt()];
            d.readFully(content);
            return new Entry(hash, name, content);
        }
    }
}
