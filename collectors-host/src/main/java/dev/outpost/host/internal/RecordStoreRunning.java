package dev.outpost.host.internal;

import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.host.records.RecordStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The opening, running and closing of a {@link RecordStore}'s directory: taking its lock, replaying the journal a crash
 * left, counting and sweeping, the files and sync threads (the latter retiring journal segments once their files are
 * fsynced), and the ordered stop that writes what is queued, drops the journal and releases the lock, also when a
 * shutdown comes while the start is still opening. Separate from the store, which keeps storing and reading records
 * and its builder, so that what a crash or a stop leaves behind is read in one place.
 */
public final class RecordStoreRunning {
    private final Path dir;
    private final Lifecycle lifecycle;
    private final RecordFiles files;
    private final RecordJournal journal;
    private final RecordFileWriter writer;
    private final Duration fileSyncDelay;
    private final DirectoryLock lock;
    private Thread syncer;
    private Thread fileThread;
    /** Orders start() against a shutdown's stop, which may run while start() is still opening things. */
    private final Object startGate = new Object();
    /** Whether start() got everything open (guarded by startGate); until then a shutdown's stop leaves it to start(). */
    private boolean opened;

    public RecordStoreRunning(Path dir, Lifecycle lifecycle, RecordFiles files, RecordJournal journal, RecordFileWriter writer,
            Duration fileSyncDelay) {
        this.dir = dir;
        this.lifecycle = lifecycle;
        this.files = files;
        this.journal = journal;
        this.writer = writer;
        this.fileSyncDelay = fileSyncDelay;
        this.lock = new DirectoryLock(dir.resolve(".outpost").resolve("lock"));
    }

    /** {@link RecordStore#start()}'s work: see there. */
    public void start() throws IOException {
        lifecycle.start();
        boolean journalOpen = false;
        try {
            files.open();
            lock.take(dir);
            files.startSyncPool(lifecycle.role("fsync"));
            RecordFiles.Materializer replay = files.materializer();
            journalOpen = true;
            journal.open(replay);
            replay.finish();
            files.rescan();
            files.sweep();
            synchronized (startGate) {
                if (!lifecycle.running()) { // its stop ran before anything was open (the lock, the journal): undone here
                    throw new IllegalStateException("the record store was shut down while it started");
                }
                opened = true;
            }
        } catch (IOException | RuntimeException e) {
            if (journalOpen) { // its segment's channel, and the segment prepared for this run
                try {
                    journal.closeAndRetireAll(files.materializer());
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            files.stopSyncPool(true);
            lock.release();
            lifecycle.failedStart();
            throw e;
        }
        try {
            synchronized (startGate) { // a stop that comes now finds the threads
                fileThread = lifecycle.newThread(writer::run, "files");
                fileThread.start();
                syncer = lifecycle.newThread(this::syncLoop, "sync");
                syncer.start();
            }
        } catch (RuntimeException | Error e) { // no thread: a start() that throws is never closed, so nothing stays held
            shutdown().join();
            throw e;
        }
    }

    private void syncLoop() {
        long every = Math.max(1, fileSyncDelay.toMillis() / 2);
        while (lifecycle.running()) {
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
            try {
                journal.requestRotation();
                RecordFiles.Materializer m = files.materializer();
                if (journal.retire(fileSyncDelay.toNanos(), m) > 0) {
                    m.finish();
                }
            } catch (Throwable t) {
                // the journal keeps the segment: a later pass or the next start retries
                LoggerFactory.getLogger(RecordStore.class).warn("record store: syncing records failed: {}", t.toString());
            }
        }
    }

    /** {@link RecordStore#shutdown()}'s work: see there. */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown(Duration.ofSeconds(30), () -> {
            synchronized (startGate) {
                if (!opened) {
                    return; // start() is still opening, or failed: it closes what it opened itself
                }
            }
            if (syncer != null) {
                syncer.interrupt();
                syncer.join(TimeUnit.SECONDS.toMillis(10));
            }
            writer.stop(); // writes what is queued, then ends
            if (fileThread != null) {
                fileThread.join(TimeUnit.SECONDS.toMillis(20));
            }
            try {
                RecordFiles.Materializer m = files.materializer();
                journal.closeAndRetireAll(m);
                m.finish();
            } finally {
                files.stopSyncPool(false);
                lock.release();
            }
        });
    }
}
