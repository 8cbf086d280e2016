package dev.outpost.host.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the record and marker files of durable journal batches on a thread of its own, so that
 * a writer's acknowledgement waits for the journal's fdatasync alone: creating the two files cost
 * more than the fsync (two {@code openat(O_CREAT)} at 0.3–0.9 ms each, measured with strace, on
 * the shared ext4). Until a record's files are written, {@link RecordFiles} answers for it from
 * memory (duplicates, {@code read}). Batches are written in journal order, and the journal
 * retires a segment only once they are all written ({@link #handledUpTo()}). Writers wait when
 * the backlog passes a bound, so memory stays bounded if the disk falls behind. Between batches
 * the thread prepares the journal's next segment.
 *
 * <p>The thread is not woken for every durable batch: it gathers for up to {@link #LINGER_NANOS}
 * or {@link #GATHER} records, then writes them in one go (sooner when a sweep or a shutdown waits
 * for it, or the backlog passes half its bound). With one writer a batch is one record, and waking
 * this thread after each journal fsync put a futex wake on the writer's path and this thread's
 * work right beside the writer's next sync, on a 2-core machine.
 */
public final class RecordFileWriter {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.host.records.RecordStore");

    private record Batch(List<RecordJournal.Entry> entries, long upTo, long bytes) {}

    /** How long queued records may wait for more before they are written. */
    static final long LINGER_NANOS = 20_000_000L;
    /** Records that are written at once without waiting for more. */
    static final int GATHER = 64;

    private final RecordFiles files;
    private final RecordJournal journal;
    private final long maxBacklogBytes;
    private final long lingerNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition progress = lock.newCondition();
    private final ArrayDeque<Batch> queue = new ArrayDeque<>();
    private long backlogBytes;
    private int queuedRecords;
    /** Threads in {@link #awaitDrained()}: the writer does not linger while any waits. */
    private int drainWaiters;
    private volatile long handled;
    private long queuedUpTo;
    private boolean stopping;
    private boolean stopped;
    private boolean spareWanted = true;
    private long failures;
    private final Runnable beforeWrite;
    /** What ended the files thread other than stop(): from then on nothing is written, so nothing more is taken. */
    private volatile Throwable died;

    public RecordFileWriter(RecordFiles files, RecordJournal journal, long maxBacklogBytes) {
        this(files, journal, maxBacklogBytes, LINGER_NANOS);
    }

    RecordFileWriter(RecordFiles files, RecordJournal journal, long maxBacklogBytes, long lingerNanos) {
        this(files, journal, maxBacklogBytes, lingerNanos, () -> { });
    }

    /** With {@code beforeWrite} run on the files thread before each batch it takes is written (tests: a thread that dies). */
    RecordFileWriter(RecordFiles files, RecordJournal journal, long maxBacklogBytes, long lingerNanos, Runnable beforeWrite) {
        this.files = files;
        this.journal = journal;
        this.maxBacklogBytes = maxBacklogBytes;
        this.lingerNanos = lingerNanos;
        this.beforeWrite = beforeWrite;
    }

    /** The journal's listener: queues a durable batch (under the journal's lock: never blocks). */
    public void durable(List<RecordJournal.Entry> entries, long upTo) {
        long bytes = 0;
        for (RecordJournal.Entry e : entries) {
            files.unwritten(e.name(), e.content());
            bytes += e.content().length;
        }
        lock.lock();
        try {
            boolean wasEmpty = queue.isEmpty();
            int before = queuedRecords;
            queue.addLast(new Batch(entries, upTo, bytes));
            queuedUpTo = upTo;
            backlogBytes += bytes;
            queuedRecords += entries.size();
            if (wasEmpty || before < GATHER && queuedRecords >= GATHER || urgent()) {
                work.signal(); // else the writer is lingering already and will come on its own
            }
        } finally {
            lock.unlock();
        }
    }

    /** The sequence number of the last journal entry whose files are written (or were given up to the journal's replay). */
    public long handledUpTo() {
        return handled;
    }

    /**
     * Waits while the backlog of unwritten files is past its bound.
     *
     * @throws InterruptedIOException when the caller is interrupted meanwhile (its interrupt kept)
     * @throws IOException when the files thread died: no room will ever come, and what is stored is never written
     */
    public void awaitRoom() throws IOException {
        lock.lock();
        try {
            while (backlogBytes > maxBacklogBytes && !stopping && died == null) {
                try {
                    progress.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the record store's files thread catches up (nothing stored)");
                }
            }
        } finally {
            lock.unlock();
        }
        Throwable cause = died;
        if (cause != null) {
            throw new IOException("record store failed: its files thread died (" + cause + "); nothing stored: restart the store", cause);
        }
    }

    /** Waits until the files of every batch queued so far are written (or the writer stopped). */
    public void awaitDrained() {
        lock.lock();
        try {
            drainWaiters++;
            work.signal(); // stop lingering
            // what was queued when it came: records stored later are no older (a sweep need not wait for
            // them), and while writers keep storing there would always be more
            long upTo = queuedUpTo;
            while (handled < upTo && !stopped) {
                progress.awaitUninterruptibly();
            }
        } finally {
            drainWaiters--;
            lock.unlock();
        }
    }

    /** Called holding the lock: whether queued records must be written now rather than gathered further. */
    private boolean urgent() {
        return stopping || drainWaiters > 0 || queuedRecords >= GATHER || backlogBytes > maxBacklogBytes / 2;
    }

    /** Files that could not be written so far (the journal keeps them: its retirement or the next start writes them). */
    public long failures() {
        lock.lock();
        try {
            return failures;
        } finally {
            lock.unlock();
        }
    }

    /** The journal has no current segment (an idle one rotated out): prepare the next one (called outside the journal's lock). */
    public void spareTaken() {
        lock.lock();
        try {
            spareWanted = true;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Asks {@link #run()} to return once every batch queued so far is written. */
    public void stop() {
        lock.lock();
        try {
            stopping = true;
            work.signalAll();
            progress.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The thread's body: writes batches as they come, prepares the next segment when idle; returns after {@link #stop()} and a drained queue. */
    public void run() {
        try {
            loop();
        } catch (RuntimeException | Error e) {
            died = e; // before the signal below: a writer waiting for room learns it
            throw e;
        } finally {
            lock.lock();
            try {
                stopped = true;
                progress.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void loop() {
        List<Batch> taken = new ArrayList<>();
        while (true) {
            lock.lock();
            try {
                while (queue.isEmpty() && !spareWanted) {
                    if (stopping) {
                        return;
                    }
                    work.awaitUninterruptibly();
                }
                if (stopping && queue.isEmpty()) {
                    return;
                }
                long linger = lingerNanos;
                try {
                    while (!queue.isEmpty() && !urgent() && linger > 0) {
                        linger = work.awaitNanos(linger);
                    }
                } catch (InterruptedException e) {
                    // write now; only stop() ends this thread (see clearInterrupt)
                }
                spareWanted = false;
                taken.addAll(queue);
                queue.clear();
                queuedRecords = 0;
            } finally {
                lock.unlock();
            }
            clearInterrupt();
            beforeWrite.run();
            for (Batch b : taken) {
                write(b);
            }
            taken.clear();
            clearInterrupt();
            prepareSpare(); // a no-op unless the journal lacks one
        }
    }

    /**
     * Drops an interrupt of this thread: a FileChannel used by an interrupted thread is closed and
     * throws, so every record file would fail to be written from then on (left to the journal's
     * retirement). Only {@link #stop()} ends this thread, after writing what is queued.
     */
    private static void clearInterrupt() {
        Thread.interrupted();
    }

    private void prepareSpare() {
        try {
            journal.prepareSpare();
        } catch (Throwable t) {
            // the next rotation makes its segment itself
            log.warn("record store: preparing the next journal segment failed: {}", t.toString());
            lock.lock();
            try {
                work.awaitNanos(1_000_000_000L); // not a busy loop on a full disk
            } catch (InterruptedException e) {
                // ignored, as everywhere on this thread (see clearInterrupt)
            } finally {
                lock.unlock();
            }
        }
    }

    private void write(Batch b) {
        for (RecordJournal.Entry e : b.entries()) {
            try {
                files.writeFiles(e.hash(), e.name(), e.content(), false);
                files.written(e.name(), e.content());
            } catch (Throwable t) {
                // kept in memory and in the journal: the segment's retirement (or the next start) writes them
                long n;
                lock.lock();
                try {
                    n = ++failures;
                } finally {
                    lock.unlock();
                }
                if (n == 1 || n % 100 == 0) {
                    log.warn("record store: writing {} failed ({} so far); the journal keeps it: {}", e.name(), n, t.toString());
                }
            }
        }
        lock.lock();
        try {
            backlogBytes -= b.bytes();
            handled = b.upTo();
            progress.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
