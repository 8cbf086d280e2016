package dev.outpost.host.records;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.host.internal.Config;
import dev.outpost.host.internal.RecordFileWriter;
import dev.outpost.host.internal.RecordFiles;
import dev.outpost.host.internal.RecordJournal;
import dev.outpost.host.internal.RecordStoreRunning;
import dev.outpost.spi.ConfigSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Stores records as {@code <source>_<timestamp>.json} files in one directory, exactly once per
 * request id, and keeps them for a retention period (7 days by default).
 *
 * <pre>{@code
 * try (RecordStore store = RecordStore.builder(Path.of("/var/lib/outpost/records")).build().start()) {
 *     StoreResult r = store.store(requestId, "web-01", data, Optional.empty());
 *     long n = store.count();
 *     Optional<StoredRecord> last = store.latest();
 * }
 * }</pre>
 *
 * <p>File names are built by the store: the source must be a plain identifier
 * ({@value #SOURCE_PATTERN}), checked before anything touches the disk, and the timestamp is the
 * store's own clock (epoch seconds with microseconds, unique per source). Nothing else from the
 * input reaches a path: request ids are hashed.
 *
 * <p>Crash safety: {@link #store} returns once the record is in a write-ahead journal that was
 * fsynced; writers storing at the same time share one fsync (group commit). The record file and
 * the marker of its request id (under {@code .outpost/ids/}; a second name of the record's file, a
 * hard link, where the file system has them) are written after that by the store's
 * {@code outpost-records-store-N-files} thread (until then {@link #read}, {@link #latest},
 * {@link #count} and duplicates are answered from memory; a directory listing shows the file a
 * moment later); a thread
 * ({@code outpost-records-store-N-sync}) fsyncs them once they have aged a little (by then the
 * kernel has usually written them, which makes the fsync cheap) and only then drops their journal
 * segment. After a crash, {@link #start()} replays what the journal holds, so a record it
 * acknowledged is never lost and a retry of its request id is still a duplicate. One store owns a
 * directory: a second one (in this or another process) fails to start on it.
 *
 * <p>Retention is enforced by the store: records whose timestamp is older than the retention are
 * removed on {@link #sweep()}, which runs on start and at most once a minute while storing.
 * Nothing touches the disk before {@link #start()}. Thread-safe. Files are owner-only.
 */
public final class RecordStore implements AutoCloseable {
    /** What a source must look like: letters, digits, '.' and '-', starting with a letter or digit, at most 128. */
    public static final String SOURCE_PATTERN = "[A-Za-z0-9][A-Za-z0-9.-]{0,127}";
    /** Records are kept this long by default. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
    /** The longest request id accepted. */
    public static final int MAX_REQUEST_ID_CHARS = 512;
    /** How long a journalled record waits before its files are fsynced and its journal entry dropped, by default. */
    public static final Duration DEFAULT_FILE_SYNC_DELAY = Duration.ofSeconds(30);

    private static final Pattern SOURCE = Pattern.compile(SOURCE_PATTERN);
    /** Journal segments are preallocated: big enough that one is rarely prepared, small enough to write full of zeros in a moment. */
    private static final long SEGMENT_BYTES = 8L * 1024 * 1024;
    /** Records durable in the journal whose files are not written yet, at most (writers wait past it). */
    private static final long MAX_UNWRITTEN_BYTES = 32L * 1024 * 1024;

    private final Path dir;
    private final Duration retention;
    private final Clock clock;
    private final LongSupplier ticker;
    private final ObjectMapper mapper = Json.newMapper();
    private final Lifecycle lifecycle;
    private final RecordJournal journal;
    private final RecordFiles files;
    private final RecordFileWriter writer;
    private final ReentrantLock[] stripes = new ReentrantLock[64];
    private final RecordStoreRunning running;

    private RecordStore(Builder b, Path directory, Duration retention, Duration fileSyncDelay) {
        this.dir = directory;
        this.files = new RecordFiles(directory, b.clock, retention);
        this.retention = retention;
        this.clock = b.clock;
        this.ticker = b.ticker;
        this.lifecycle = new Lifecycle("records-store", new OwnedThreads("records-store", b.threadFactory));
        this.journal = new RecordJournal(dir.resolve(".outpost").resolve("journal"), SEGMENT_BYTES, ticker);
        this.writer = new RecordFileWriter(files, journal, MAX_UNWRITTEN_BYTES);
        journal.listener(writer::durable, writer::handledUpTo, writer::spareTaken);
        this.running = new RecordStoreRunning(dir, lifecycle, files, journal, writer, fileSyncDelay);
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** A builder; the directory comes from {@link Builder#directory} or {@code outpost.records.dir}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder for a store in {@code directory} (created if missing). */
    public static Builder builder(Path directory) {
        return new Builder().directory(directory);
    }

    /**
     * Opens the store: creates the directory (owner-only), takes its lock, replays the journal a
     * crash left, removes interrupted temporary files, counts the records, sweeps old ones and
     * starts the sync thread.
     *
     * @return this store
     * @throws IOException when the directory cannot be used or another store holds it
     * @throws IllegalStateException when started before or shut down
     */
    public RecordStore start() throws IOException {
        running.start();
        return this;
    }

    /**
     * Stores {@code data} once for {@code requestId}: a second call with the same id writes
     * nothing and returns the first record's name with {@code duplicate = true}.
     *
     * @param requestId identifies the sample; retries must reuse it
     * @param source who sent it; must match {@value #SOURCE_PATTERN}
     * @param data the content
     * @param measuredAt when the sample was taken, if known (kept in the record, never in the name)
     * @throws RecordRejectedException when an input is invalid; nothing is written
     * @throws IOException when the record could not be written durably, or while more than 64 MiB of
     *     records wait for files the disk keeps refusing (they are kept in memory until written); a
     *     retry may succeed; {@link java.io.InterruptedIOException} when interrupted while waiting
     *     for room (nothing stored, the interrupt kept); and at once, for good, once the store failed (its files
     *     thread died of an unexpected error: restart the store)
     */
    public StoreResult store(String requestId, String source, JsonNode data, Optional<Instant> measuredAt) throws IOException {
        lifecycle.checkRunning();
        requireValid(requestId, source, data);
        Objects.requireNonNull(measuredAt, "measuredAt");
        String hash = RecordFiles.sha256(requestId);
        writer.awaitRoom();
        if (files.unwrittenBytes() > 2 * MAX_UNWRITTEN_BYTES) {
            // the writer waits past MAX_UNWRITTEN_BYTES queued: the rest are records the disk refused, kept in memory
            throw new IOException("record store: " + (files.unwrittenBytes() >> 20) + " MiB of records wait for files the disk"
                    + " refuses (" + writer.failures() + " failed writes so far; see the warnings); not taking more until they"
                    + " are written");
        }
        ReentrantLock stripe = stripes[Math.floorMod(hash.hashCode(), stripes.length)];
        stripe.lock();
        try {
            Optional<String> pending = files.pending(hash);
            Optional<String> known = pending.isPresent() ? pending : files.marker(hash);
            String name;
            if (known.isPresent()) {
                name = known.get();
                if (files.exists(name)) {
                    return new StoreResult(name, RecordFiles.timestampOf(name).orElseThrow(), true);
                }
                if (RecordFiles.timestampOf(name).orElseThrow().isBefore(clock.instant().minus(retention))) {
                    // swept (the clock passed its retention): under that name it would go at the next sweep, and
                    // the journal's retirement skips it; stored anew
                    name = files.allocate(source);
                }
                // else a crash or a failed write came between the marker and the record: finish with the same name
            } else {
                name = files.allocate(source);
            }
            Instant ts = RecordFiles.timestampOf(name).orElseThrow();
            ObjectNode envelope = mapper.createObjectNode();
            envelope.put("source", source);
            envelope.put("requestId", requestId);
            envelope.put("timestamp", RecordFiles.format(ts));
            measuredAt.ifPresent(m -> envelope.put("measuredAt", m.toString()));
            envelope.set("data", data);
            byte[] bytes = mapper.writeValueAsBytes(envelope);
            files.stored(hash, name);
            journal.append(new RecordJournal.Entry(hash, name, bytes)); // durable from here on; the files follow (RecordFileWriter)
            files.added(name);
            return new StoreResult(name, ts, false);
        } finally {
            stripe.unlock();
            if (files.sweepDue()) {
                writer.awaitDrained(); // a file still to be written must not escape the sweep
                files.maybeSweep();
            }
        }
    }

    /** fsyncs of the journal so far (each covers every record stored while the previous one ran). */
    public long journalSyncs() {
        return journal.syncs();
    }

    /** The number of records kept. */
    public long count() {
        lifecycle.checkRunning();
        return files.count();
    }

    /** The record with the newest timestamp, if any. */
    public Optional<StoredRecord> latest() throws IOException {
        lifecycle.checkRunning();
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<String> name = files.latest();
            if (name.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(read(name.get()));
            } catch (NoSuchFileException e) {
                files.rescan(); // removed behind our back (retention, an operator): look again
            }
        }
        return Optional.empty();
    }

    /** Reads one record by its file name. */
    public StoredRecord read(String fileName) throws IOException {
        lifecycle.checkRunning();
        Optional<Instant> ts = RecordFiles.timestampOf(fileName);
        if (ts.isEmpty()) {
            throw new RecordRejectedException("fileName", "not a record file name: expected <source>_<seconds>.<micros>.json");
        }
        Optional<byte[]> pending = files.unwrittenContent(fileName);
        JsonNode node = mapper.readTree(pending.isPresent() ? pending.get() : Files.readAllBytes(files.path(fileName)));
        Optional<Instant> measured = node.hasNonNull("measuredAt") ? Optional.of(Instant.parse(node.get("measuredAt").asText()))
                : Optional.empty();
        return new StoredRecord(fileName, node.path("requestId").asText(), node.path("source").asText(), ts.get(), measured,
                node.path("data"));
    }

    /**
     * Removes every record older than the retention, with its request-id marker (a second name of
     * the record's file: the file's space is freed with both). Runs on open and at most once a
     * minute while storing.
     *
     * @return how many records were removed
     */
    public int sweep() throws IOException {
        lifecycle.checkRunning();
        writer.awaitDrained();
        return files.sweep();
    }

    /** The directory records are kept in. */
    public Path directory() {
        return dir;
    }

    /** The retention. */
    public Duration retention() {
        return retention;
    }

    /**
     * Stops the sync thread, fsyncs every record not yet synced, drops the journal and releases
     * the directory. Idempotent: every call returns the same future.
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        return running.shutdown();
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        lifecycle.closeAndReport(shutdown());
    }

    private static void requireValid(String requestId, String source, JsonNode data) {
        if (source == null || !SOURCE.matcher(source).matches()) {
            throw new RecordRejectedException("source",
                    "source must be letters, digits, '.' and '-', starting with a letter or digit, at most 128 characters");
        }
        if (requestId == null || requestId.isBlank() || requestId.length() > MAX_REQUEST_ID_CHARS) {
            throw new RecordRejectedException("requestId", "request id must be 1 to " + MAX_REQUEST_ID_CHARS + " characters");
        }
        if (data == null || data.isMissingNode()) {
            throw new RecordRejectedException("data", "data is missing");
        }
    }

    /**
     * Builds a {@link RecordStore}. Values set by a method win over {@link #configure configuration}
     * ({@code outpost.records.dir}, {@code outpost.records.retention},
     * {@code outpost.records.file-sync-delay}), which wins over the defaults.
     */
    public static final class Builder {
        private Path directory;
        private Duration retention;
        private Duration fileSyncDelay;
        private Clock clock = Clock.systemUTC();
        private LongSupplier ticker = System::nanoTime;
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();

        Builder() {}

        /** The directory records are kept in (created if missing, owner-only); or {@code outpost.records.dir}. */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** How long records are kept; 7 days by default. */
        public Builder retention(Duration retention) {
            Objects.requireNonNull(retention, "retention");
            if (retention.isNegative() || retention.isZero()) {
                throw ConfigException.of("retention", "must be positive, was " + retention);
            }
            this.retention = retention;
            return this;
        }

        /**
         * How long a stored record waits before its files are fsynced and its journal entry
         * dropped; 30 s by default. Longer: cheaper fsyncs, a longer replay after a crash.
         */
        public Builder fileSyncDelay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw ConfigException.of("fileSyncDelay", "must not be negative, was " + delay);
            }
            this.fileSyncDelay = delay;
            return this;
        }

        /** The clock that timestamps records and judges retention; the system UTC clock by default. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where elapsed time is read (nanoseconds) for the file-sync delay; {@link System#nanoTime} by default. */
        public Builder ticker(LongSupplier nanoTicker) {
            this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
            return this;
        }

        /** Makes the store's thread. */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(factory, "factory"));
            return this;
        }

        /** Takes {@code outpost.records.*} from {@code config} for what no method set. Checked at {@link #build()}. */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * Checks the settings; opens nothing (see {@link RecordStore#start()}).
         *
         * @throws ConfigException listing every problem
         */
        public RecordStore build() {
            Config c = new Config(config);
            Optional<Path> dir = c.path(directory, "outpost.records.dir");
            if (dir.isEmpty()) {
                c.problem("outpost.records.dir", "the record directory is required: set it or call directory(Path)");
            }
            Duration keep = c.duration(retention, "outpost.records.retention", DEFAULT_RETENTION, false);
            Duration delay = c.duration(fileSyncDelay, "outpost.records.file-sync-delay", DEFAULT_FILE_SYNC_DELAY, true);
            c.throwIfAny();
            return new RecordStore(this, dir.get().toAbsolutePath().normalize(), keep, delay);
        }
    }
}
