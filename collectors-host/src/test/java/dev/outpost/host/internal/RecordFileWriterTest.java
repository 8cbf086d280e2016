package dev.outpost.host.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files thread gathers durable records and writes them together, at once when something waits for them. */
class RecordFileWriterTest {
    private static final long HOUR = TimeUnit.HOURS.toNanos(1);

    @TempDir
    Path dir;

    private RecordFiles files;
    private RecordFileWriter writer;
    private Thread thread;
    private long seq;
    private final List<String> names = new ArrayList<>();

    private void start() throws Exception {
        files = new RecordFiles(dir, Clock.systemUTC(), Duration.ofDays(7));
        files.open();
        // the journal is never opened: it asks for no spare segment
        writer = new RecordFileWriter(files, new RecordJournal(dir.resolve("journal"), 4096, System::nanoTime), Long.MAX_VALUE, HOUR);
        thread = new Thread(writer::run, "files");
        thread.start();
    }

    private void durable(int records) {
        List<RecordJournal.Entry> batch = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            seq++;
            String name = files.allocate("web-01");
            names.add(name);
            batch.add(new RecordJournal.Entry(RecordFiles.sha256("req-" + seq), name,
                    ("{\"requestId\":\"req-" + seq + "\"}").getBytes(StandardCharsets.UTF_8)));
        }
        writer.durable(batch, seq);
    }

    private void stop() throws Exception {
        writer.stop();
        thread.join(10_000);
    }

    @Test
    void recordsAreGatheredUntilThereAreEnoughToWriteTogether() throws Exception {
        start();
        try {
            for (int i = 1; i < RecordFileWriter.GATHER; i++) {
                durable(1);
            }
            assertThat(writer.handledUpTo()).as("one short of a gathering, the linger an hour: nothing written").isZero();
            durable(1);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> writer.handledUpTo() == RecordFileWriter.GATHER);
        } finally {
            stop();
        }
    }

    @Test
    void aDrainWaiterHasTheGatheredRecordsWrittenAtOnce() throws Exception {
        start();
        try {
            durable(3);
            assertThat(files.unwrittenContent(names.get(0))).as("answered from memory meanwhile").isPresent();
            writer.awaitDrained(); // a sweep: returns only once they are written, without waiting out the linger
            assertThat(writer.handledUpTo()).isEqualTo(3);
            for (String name : names) {
                assertThat(dir.resolve(name)).exists();
                assertThat(files.unwrittenContent(name)).isEmpty();
            }
        } finally {
            stop();
        }
    }

    @Test
    void aStopWritesWhatIsGathered() throws Exception {
        start();
        durable(2);
        stop();
        assertThat(thread.isAlive()).isFalse();
        assertThat(writer.handledUpTo()).isEqualTo(2);
    }

    /**
     * A record whose file is already there is written under {@code .outpost/tmp} and renamed; a
     * FIFO there holds the files thread in its open() until the test reads it: a disk that stalls.
     */
    private Path stallAt(String name) throws Exception {
        java.nio.file.Files.writeString(dir.resolve(name), "{}");
        Path fifo = dir.resolve(".outpost").resolve("tmp").resolve(name);
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        return fifo;
    }

    private static void release(Path fifo) {
        Thread reader = new Thread(() -> {
            try {
                java.nio.file.Files.readAllBytes(fifo);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    @Test
    void aDrainWaiterWaitsForWhatWasQueuedWhenItCameNotForWhatComesAfter() throws Exception {
        start();
        Path second = null;
        try {
            Path first = stallAt(files.allocate("web-01"));
            second = stallAt(files.allocate("web-01"));
            // the two names just allocated, each a batch of its own
            String n1 = first.getFileName().toString();
            String n2 = second.getFileName().toString();
            writer.durable(List.of(new RecordJournal.Entry(RecordFiles.sha256("a"), n1, "{\"requestId\":\"a\"}".getBytes(StandardCharsets.UTF_8))), 1);
            Thread sweeper = new Thread(writer::awaitDrained, "sweeper");
            sweeper.start();
            // the waiter stopped the linger: the files thread is in the first write, held by the FIFO
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> java.util.Arrays.stream(thread.getStackTrace())
                    .anyMatch(f -> f.getMethodName().equals("writeUnsynced")));
            // a record stored after the waiter came, whose write stalls for as long as the disk does
            writer.durable(List.of(new RecordJournal.Entry(RecordFiles.sha256("b"), n2, "{\"requestId\":\"b\"}".getBytes(StandardCharsets.UTF_8))), 2);
            release(first);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !sweeper.isAlive());
            assertThat(writer.handledUpTo()).isGreaterThanOrEqualTo(1);
        } finally {
            if (second != null) {
                release(second);
            }
            stop();
        }
    }

    @Test
    void aCallerWaitingForRoomCanBeInterrupted() throws Exception {
        files = new RecordFiles(dir, Clock.systemUTC(), Duration.ofDays(7));
        files.open();
        // a backlog bound of one byte and no files thread: the first record fills it for good
        writer = new RecordFileWriter(files, new RecordJournal(dir.resolve("journal"), 4096, System::nanoTime), 1, HOUR);
        durable(1);
        java.util.concurrent.CompletableFuture<Throwable> outcome = new java.util.concurrent.CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                writer.awaitRoom();
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(Thread.currentThread().isInterrupted() ? t : new AssertionError("interrupt lost", t));
            }
        }, "caller");
        caller.start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> caller.getState() == Thread.State.WAITING);
        caller.interrupt();
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(java.io.InterruptedIOException.class);
    }

    @Test
    void aCallerWaitingForRoomLearnsThatTheFilesThreadDied() throws Exception {
        files = new RecordFiles(dir, Clock.systemUTC(), Duration.ofDays(7));
        files.open();
        // a backlog bound of one byte, and a files thread that dies of an Error as it takes the first batch
        writer = new RecordFileWriter(files, new RecordJournal(dir.resolve("journal"), 4096, System::nanoTime), 1, HOUR, () -> {
            throw new OutOfMemoryError("test: the files thread dies");
        });
        durable(1);
        thread = new Thread(writer::run, "files");
        thread.setUncaughtExceptionHandler((t, e) -> { });
        thread.start();
        thread.join();
        java.util.concurrent.CompletableFuture<Throwable> outcome = new java.util.concurrent.CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                writer.awaitRoom();
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        }, "caller");
        caller.start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> caller.getState() == Thread.State.WAITING || caller.getState() == Thread.State.TERMINATED);
            assertThat(caller.getState()).as("the caller must not wait for a thread that is gone").isEqualTo(Thread.State.TERMINATED);
            assertThat(outcome.get()).isInstanceOf(java.io.IOException.class).hasMessageContaining("failed")
                    .hasRootCauseInstanceOf(OutOfMemoryError.class);
        } finally {
            caller.interrupt();
        }
    }
}
