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
}
