package dev.outpost.host.internal;

import dev.outpost.host.internal.SegmentSupply.Segment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The record store's write-ahead journal, with group commit: a record is durable once its entry
 * is in a journal segment and that segment was fsynced. Writers that arrive while a sync is under
 * way are collected and made durable together by the next one (leader/follower: the first writer
 * to find no sync running does it for everyone), so one fsync covers many writers' records.
 *
 * <p>Segments are preallocated: written full of zeros and fsynced (with their directory) before
 * the first entry goes in, then written in place. A write never changes a segment's size or
 * allocation, so its {@code fdatasync} writes the data alone: after an append it must also write
 * the inode (ext4 without a journal, as measured here) or commit the file system's journal (ext4
 * with one, which also carries every file created meanwhile). Measured with files being created
 * beside it, an appended file's fdatasync took 1.5–2× as long as one written in place.
 * The next segment is prepared ahead, off the acknowledgement path ({@link #prepareSpare()}), once
 * the current one is half full, by reusing a retired segment (renamed; never zeroed again) or by
 * writing a new one ({@link SegmentSupply}).
 *
 * <p>Each entry carries its segment's id under its CRC, and ids only grow (past every segment and
 * reusable file present on open), so a reused segment's old entries, or zeros after the last
 * entry, end a replay; so does a torn entry (a write the crash interrupted, never acknowledged).
 *
 * <p>A durable batch is handed to a {@link Listener} (which writes the record and marker files off
 * the acknowledgement path). A segment is retired (its files fsynced, then the segment kept for
 * reuse or deleted) once it is closed, old enough that the kernel has normally written those
 * files back already, and the listener has handled all of it; a segment left by a crash is
 * replayed on open: every file it names is written again if missing or short, then fsynced.
 */
public final class RecordJournal {
    /** One journalled record. */
    public record Entry(String hash, String name, byte[] content) {}

    /** What a segment's retirement or replay does with each entry (write the files if needed, fsync them). */
    @FunctionalInterface
    public interface Materializer {
        void materialize(Entry entry) throws IOException;

        /** Makes everything materialized so far durable; called before a segment is dropped. */
        default void flush() throws IOException {}
    }

    /** Sees every batch once it is durable, in order, before its writers return. */
    @FunctionalInterface
    public interface Listener {
        /** {@code entries} are durable; {@code upTo} is the sequence number of the last one. Must not block. */
        void durable(List<Entry> entries, long upTo);
    }

    private final Path dir;
    private final long segmentBytes;
    private final LongSupplier ticker;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /**
     * Writers wait on the condition of their batch's parity: the end of a sync wakes its own batch
     * (all done) and one writer of the next (to lead it), not every writer (with 16 writers,
     * waking all made most of them sleep again at once).
     */
    private final Condition[] batchDone = {lock.newCondition(), lock.newCondition()};
    /** Batches taken by a sync so far; the pending batch is number {@code taken + 1}. */
    private long taken;
    private Listener listener = (entries, upTo) -> { };
    private Runnable spareTaken = () -> { };
    private LongSupplier handledUpTo = () -> Long.MAX_VALUE;
    private ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private List<Entry> pendingEntries = new ArrayList<>();
    private long appended;
    private long durable;
    private long failedFrom = -1;
    private long failedTo = -1;
    private IOException failure;
    private boolean syncing;
    private boolean rotateRequested;
    private Segment current;
    private Segment spare;
    private boolean open;
    private final Deque<Segment> closed = new ArrayDeque<>();
    private long syncs;
    private final SegmentSupply supply;

    public RecordJournal(Path dir, long segmentBytes, LongSupplier ticker) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.ticker = ticker;
        this.supply = new SegmentSupply(dir, segmentBytes);
    }

    /**
     * Where durable batches go, and how far the listener got (a segment is retired only past it).
     * Set before {@link #open}.
     */
    public void listener(Listener l, LongSupplier handled, Runnable spareTaken) {
        this.listener = l;
        this.handledUpTo = handled;
        this.spareTaken = spareTaken;
    }

    /** Replays and drops every segment left by an earlier run, then opens a new one. */
    public void open(Materializer m) throws IOException {
        Files.createDirectories(dir);
        DurableFiles.restrict(dir, true);
        long max = supply.adoptFree();
        for (Path p : SegmentFiles.list(dir, SegmentFiles.SUFFIX)) {
            long id = SegmentFiles.idOf(p, SegmentFiles.SUFFIX);
            max = Math.max(max, id);
            JournalEntries.replay(p, id, m);
            m.flush();
            supply.drop(p, id);
        }
        DurableFiles.syncDirectory(dir);
        supply.idsAfter(max);
        Segment first = supply.prepare(segmentBytes);
        lock.lock();
        try {
            current = first;
            open = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends {@code e} and returns once it is durable (its batch fsynced).
     *
     * @throws IOException when the batch holding it could not be made durable
     * @throws IllegalStateException when the journal is closed (the store was shut down meanwhile); nothing is written
     */
    public void append(Entry e) throws IOException {
        byte[] bytes = JournalEntries.encode(e, 0); // the segment id is stamped by the sync that writes it
        lock.lock();
        try {
            long seq = ++appended;
            Condition mine = batchDone[(int) ((taken + 1) & 1)];
            pending.write(bytes, 0, bytes.length);
            pendingEntries.add(e);
            while (durable < seq) {
                if (!open) {
                    // closed by a shutdown this append raced (the store checked it ran before): a batch written now would
                    // go to a new segment in a directory the store released, as a record no file shows; the others
                    // waiting on this batch learn it too
                    mine.signalAll();
                    throw new IllegalStateException("the record store is shut down; nothing stored");
                }
                if (!syncing) {
                    sync();
                } else {
                    mine.awaitUninterruptibly();
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
        long batchNo = ++taken;
        byte[] batch = pending.toByteArray();
        List<Entry> entries = pendingEntries;
        long upTo = appended;
        pending = new ByteArrayOutputStream();
        pendingEntries = new ArrayList<>();
        IOException err = null;
        Segment seg = current;
        boolean fits = seg != null && seg.capacity - seg.bytes >= batch.length;
        // The leader writes every waiting writer's entries on a shared channel, which an interrupt of its
        // thread would close (ClosedByInterruptException), failing them all: the interrupt waits until after.
        boolean interrupted = Thread.interrupted();
        lock.unlock();
        try {
            if (!fits) {
                seg = nextSegment(batch.length);
            }
            JournalEntries.stampSegment(batch, seg.id);
            ByteBuffer buf = ByteBuffer.wrap(batch);
            long pos = seg.bytes;
            while (buf.hasRemaining()) {
                pos += seg.channel.write(buf, pos);
            }
            seg.channel.force(false);
            if (!Files.exists(seg.path)) { // removed under the store: the write went to a file nothing can find again
                throw new java.nio.file.NoSuchFileException(seg.path.toString(), null, "journal segment removed while in use");
            }
        } catch (IOException e) {
            err = e;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            lock.lock();
        }
        try {
            if (!fits && seg != null && seg != current) {
                retireCurrentTo(seg);
            }
            if (err == null) {
                seg.bytes += batch.length;
                seg.lastSeq = upTo;
                syncs++;
                listener.durable(entries, upTo);
            } else {
                failedFrom = durable + 1;
                failedTo = upTo;
                failure = err;
                listener.durable(List.of(), upTo); // nothing to write, but the listener's count moves past them
                if (seg != null && seg == current) {
                    seg.lastSeq = upTo; // may hold part of the batch: replayed up to its last good entry
                    retireCurrentTo(null); // never written again: later entries go to a fresh segment
                }
            }
            if (rotateRequested) {
                rotateRequested = false;
                if (current != null && current.bytes > 0) {
                    retireCurrentTo(null); // the next batch starts a new segment, so this one can retire
                }
            }
        } finally {
            durable = upTo;
            syncing = false;
            batchDone[(int) (batchNo & 1)].signalAll();
            if (!pendingEntries.isEmpty()) {
                batchDone[(int) ((batchNo + 1) & 1)].signal(); // one of the next batch leads it
            }
            changed.signalAll();
        }
    }

    /** Called holding the lock: {@code next} replaces the current segment, which joins the closed ones. */
    private void retireCurrentTo(Segment next) {
        Segment old = current;
        current = next;
        if (old == null) {
            return;
        }
        try {
            old.channel.close();
        } catch (IOException ignored) {
            // closing after a failed write: the segment is replayed up to its last good entry
        }
        old.closedAtNanos = ticker.getAsLong();
        closed.addLast(old);
    }

    /** The spare if one is ready and large enough, else one made now (on the acknowledgement path: the spare fell behind). */
    private Segment nextSegment(int atLeast) throws IOException {
        long size = Math.max(segmentBytes, atLeast);
        Segment s = null;
        lock.lock();
        try {
            if (spare != null && spare.capacity >= size) {
                s = spare;
                spare = null;
            }
        } finally {
            lock.unlock();
        }
        if (s == null) {
            s = supply.prepare(size);
        }
        // No wake for the files thread here: the full segment is still the current one until this
        // batch is written, so it would prepare the next spare at once, beside this batch's fsync.
        // It looks after every batch it writes, and prepares one when the new segment is half full.
        return s;
    }

    /**
     * Whether {@link #prepareSpare()} has work to do: no spare, and the current segment is half
     * full or gone. Not sooner: writing 8 MiB of zeros and fsyncing them delays the journal's own
     * fsyncs, and a spare made later is more often a reused segment, which costs none of that.
     */
    public boolean needsSpare() {
        lock.lock();
        try {
            return spare == null && open && (current == null || current.bytes >= current.capacity / 2);
        } finally {
            lock.unlock();
        }
    }

    /** Prepares the next segment ahead of need (a reused one, else a new one written full of zeros); for a background thread. */
    public void prepareSpare() throws IOException {
        if (!needsSpare()) {
            return;
        }
        Segment s = supply.prepare(segmentBytes);
        lock.lock();
        try {
            if (spare == null && open) {
                spare = s;
                return;
            }
        } finally {
            lock.unlock();
        }
        s.channel.close(); // closed meanwhile, or raced: keep it for later
        supply.keepOrDelete(s.path, s.id);
    }

    /** Asks the next batch to start a new segment (so an idle store's segment can retire). */
    public void requestRotation() {
        boolean retired = false;
        lock.lock();
        try {
            if (current != null && current.bytes > 0) {
                if (syncing) {
                    rotateRequested = true;
                } else {
                    retireCurrentTo(null);
                    retired = true;
                }
            }
        } finally {
            lock.unlock();
        }
        if (retired) {
            spareTaken.run(); // the next batch needs a segment: have one ready
        }
    }

    /**
     * Retires closed segments closed at least {@code ageNanos} ago (all with 0) whose entries the
     * listener has handled: their files are materialized and fsynced, then the segment is kept for
     * reuse or deleted.
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
                if (s == null || ticker.getAsLong() - s.closedAtNanos < ageNanos || s.lastSeq > handledUpTo.getAsLong()) {
                    return n;
                }
            } finally {
                lock.unlock();
            }
            if (Files.exists(s.path)) {
                JournalEntries.replay(s.path, s.id, m); // a failure to write a record's files keeps the segment
            } else {
                // removed behind the store's back: nothing to replay, and kept first in line it would stop every
                // later segment from retiring (the files thread wrote its records' files; what it could not stays in memory)
                org.slf4j.LoggerFactory.getLogger("dev.outpost.host.records.RecordStore")
                        .warn("record store: journal segment {} was removed while the store held it", s.path);
            }
            m.flush();
            supply.drop(s.path, s.id);
            lock.lock();
            try {
                closed.pollFirst();
            } finally {
                lock.unlock();
            }
            n++;
        }
    }

    /** Closes the current segment and the spare, and retires everything: for shutdown, once the listener has handled all. */
    public void closeAndRetireAll(Materializer m) throws IOException {
        Segment unused = null;
        lock.lock();
        try {
            while (syncing) {
                changed.awaitUninterruptibly();
            }
            open = false;
            if (current != null) {
                if (current.bytes > 0) {
                    retireCurrentTo(null);
                } else {
                    unused = current;
                }
                current = null;
            }
        } finally {
            lock.unlock();
        }
        supply.preparing().lock(); // a spare being prepared lands before we look
        try {
            lock.lock();
            try {
                if (spare != null) {
                    spare.channel.close();
                    supply.keepOrDelete(spare.path, spare.id);
                    spare = null;
                }
            } finally {
                lock.unlock();
            }
        } finally {
            supply.preparing().unlock();
        }
        if (unused != null) {
            unused.channel.close();
            supply.keepOrDelete(unused.path, unused.id);
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

    /** Segments written full of zeros so far (reused ones are not counted). */
    public long segmentsWritten() {
        return supply.segmentsWritten();
    }

}
