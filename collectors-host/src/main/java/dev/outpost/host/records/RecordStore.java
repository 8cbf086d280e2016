package dev.outpost.host.records;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.host.internal.Config;
import dev.outpost.host.internal.DurableFiles;
import dev.outpost.host.internal.Lifecycle;
import dev.outpost.host.internal.RecordJournal;
import dev.outpost.spi.ConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
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
 * the marker of its request id (under {@code .outpost/ids/}) are written after that; a thread
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
    private static final Pattern FILE = Pattern.compile("(" + SOURCE_PATTERN + ")_(\\d{1,12})\\.(\\d{6})\\.json");
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(1);
    private static final long SEGMENT_BYTES = 16L * 1024 * 1024;
    private static final int SYNC_THREADS = 8;

    private final Path dir;
    private final Path ids;
    private final Path tmp;
    private final Duration retention;
    private final Duration fileSyncDelay;
    private final Clock clock;
    private final LongSupplier ticker;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Lifecycle lifecycle;
    private final RecordJournal journal;
    private final ReentrantLock[] stripes = new ReentrantLock[64];
    private final ConcurrentHashMap<String, Instant> lastBySource = new ConcurrentHashMap<>();
    /** Request-id hashes whose journal segment is not retired yet, and their names. */
    private final ConcurrentHashMap<String, String> recent = new ConcurrentHashMap<>();
    private final AtomicLong count = new AtomicLong();
    private volatile java.util.Set<Path> dayDirs;
    private final ReentrantLock sweepLock = new ReentrantLock();
    private volatile Instant lastSweep = Instant.MIN;
    private volatile String latest;
    private FileChannel lockChannel;
    private FileLock lock;
    private Thread syncer;
    private java.util.concurrent.ThreadPoolExecutor syncPool;

    private RecordStore(Builder b, Path directory, Duration retention, Duration fileSyncDelay) {
        this.dir = directory;
        this.ids = dir.resolve(".outpost").resolve("ids");
        this.tmp = dir.resolve(".outpost").resolve("tmp");
        this.retention = retention;
        this.fileSyncDelay = fileSyncDelay;
        this.clock = b.clock;
        this.ticker = b.ticker;
        this.lifecycle = new Lifecycle("records-store", b.threadFactory);
        this.journal = new RecordJournal(dir.resolve(".outpost").resolve("journal"), SEGMENT_BYTES, ticker);
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
        lifecycle.start();
        try {
            DurableFiles.createDirectories(dir);
            DurableFiles.createDirectories(ids);
            DurableFiles.createDirectories(tmp);
            lockChannel = FileChannel.open(dir.resolve(".outpost").resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = lockChannel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                lockChannel.close();
                throw new IOException("record directory " + dir + " is already open in another RecordStore");
            }
            lock = l;
            try (DirectoryStream<Path> s = Files.newDirectoryStream(tmp)) {
                for (Path p : s) {
                    Files.deleteIfExists(p); // writes a crash interrupted; the journal has every acknowledged one
                }
            }
            syncPool = new java.util.concurrent.ThreadPoolExecutor(SYNC_THREADS, SYNC_THREADS, 2, TimeUnit.SECONDS,
                    new java.util.concurrent.LinkedBlockingQueue<>(), lifecycle.role("fsync"));
            syncPool.allowCoreThreadTimeOut(true); // threads only while a segment is being synced
            Materializer replay = new Materializer();
            journal.open(replay);
            replay.finish();
            rescan();
            sweepNow();
        } catch (IOException | RuntimeException e) {
            if (syncPool != null) {
                syncPool.shutdownNow();
            }
            releaseLock();
            lifecycle.failedStart();
            throw e;
        }
        syncer = lifecycle.newThread(this::syncLoop, "sync");
        syncer.start();
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
     * @throws IOException when the record could not be written durably; a retry may succeed
     */
    public StoreResult store(String requestId, String source, JsonNode data, Optional<Instant> measuredAt) throws IOException {
        lifecycle.checkRunning();
        requireValid(requestId, source, data);
        Objects.requireNonNull(measuredAt, "measuredAt");
        String hash = sha256(requestId);
        ReentrantLock stripe = stripes[Math.floorMod(hash.hashCode(), stripes.length)];
        stripe.lock();
        try {
            String pendingName = recent.get(hash);
            Optional<String> known = pendingName != null ? Optional.of(pendingName) : marker(hash);
            String name;
            if (known.isPresent()) {
                name = known.get();
                if (Files.exists(dir.resolve(name))) {
                    return new StoreResult(name, timestampOf(name).orElseThrow(), true);
                }
                // a crash or a failed write came between the marker and the record: finish with the same name
            } else {
                name = allocate(source);
            }
            Instant ts = timestampOf(name).orElseThrow();
            ObjectNode envelope = mapper.createObjectNode();
            envelope.put("source", source);
            envelope.put("requestId", requestId);
            envelope.put("timestamp", format(ts));
            measuredAt.ifPresent(m -> envelope.put("measuredAt", m.toString()));
            envelope.set("data", data);
            byte[] bytes = mapper.writeValueAsBytes(envelope);
            recent.put(hash, name);
            journal.append(new RecordJournal.Entry(hash, name, bytes)); // durable from here on
            writeFiles(hash, name, bytes, false);
            count.incrementAndGet();
            noteLatest(name);
            return new StoreResult(name, ts, false);
        } finally {
            stripe.unlock();
            maybeSweep();
        }
    }

    /** The marker and the record file, each written unless already there in full; fsynced when {@code sync}. */
    private boolean writeFiles(String hash, String name, byte[] bytes, boolean sync) throws IOException {
        Path day = ids.resolve(dayOf(timestampOf(name).orElseThrow()).toString());
        if (!markerDays().contains(day)) {
            DurableFiles.createDirectories(day); // a new day's directory: its parent is fsynced
            markerDays().add(day);
        }
        Path marker = day.resolve(hash);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        // on the store path (not sync) the files are new: no need to look before writing
        if (!sync || !Files.isRegularFile(marker) || Files.size(marker) != nameBytes.length) {
            DurableFiles.writeUnsynced(marker, nameBytes, false);
        }
        Path record = dir.resolve(name);
        boolean created = false;
        if (!sync || !Files.isRegularFile(record) || Files.size(record) != bytes.length) {
            Path t = tmp.resolve(hash + ".json");
            DurableFiles.writeUnsynced(t, bytes, false);
            DurableFiles.move(t, record);
            created = true;
        }
        return created;
    }

    /**
     * Writes what a journal segment holds (if missing) and, at {@link #flush()}, fsyncs it all
     * before the segment is deleted. The fsyncs run on several threads at once: the file system
     * commits concurrent fsyncs together, which made the deferred part of durability many times
     * cheaper than one fsync after another.
     */
    private final class Materializer implements RecordJournal.Materializer {
        private final java.util.Set<Path> dirs = new java.util.HashSet<>();
        private final java.util.List<Path> files = new java.util.ArrayList<>();
        private boolean created;

        @Override
        public void materialize(RecordJournal.Entry e) throws IOException {
            Optional<Instant> ts = timestampOf(e.name());
            if (ts.isEmpty() || ts.get().isBefore(clock.instant().minus(retention))) {
                recent.remove(e.hash(), e.name());
                return; // past retention: swept, not to be brought back
            }
            created |= writeFiles(e.hash(), e.name(), e.content(), true);
            Path day = ids.resolve(dayOf(ts.get()).toString());
            dirs.add(day);
            files.add(day.resolve(e.hash()));
            files.add(dir.resolve(e.name()));
            recent.remove(e.hash(), e.name());
        }

        @Override
        public void flush() throws IOException {
            syncAll(files);
            files.clear();
            DurableFiles.syncDirectory(dir);
            for (Path d : dirs) {
                DurableFiles.syncDirectory(d);
            }
            dirs.clear();
        }

        void finish() throws IOException {
            flush();
            if (created) {
                rescan();
                created = false;
            }
        }
    }

    private void syncAll(java.util.List<Path> files) throws IOException {
        if (files.isEmpty()) {
            return;
        }
        int parts = Math.min(SYNC_THREADS, Math.max(1, files.size() / 8));
        if (parts == 1) {
            for (Path f : files) {
                DurableFiles.syncFile(f);
            }
            return;
        }
        java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int i = 0; i < parts; i++) {
            int from = i;
            done.add(syncPool.submit(() -> {
                for (int j = from; j < files.size(); j += parts) {
                    DurableFiles.syncFile(files.get(j));
                }
                return null;
            }));
        }
        IOException failure = null;
        for (java.util.concurrent.Future<?> f : done) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new IOException("interrupted while syncing records", e);
            }
        }
        if (failure != null) {
            throw failure;
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
                Materializer m = new Materializer();
                if (journal.retire(fileSyncDelay.toNanos(), m) > 0) {
                    m.finish();
                }
            } catch (Throwable t) {
                // the journal keeps the segment: a later pass or the next start retries
                org.slf4j.LoggerFactory.getLogger(RecordStore.class).warn("record store: syncing records failed: {}", t.toString());
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
        return count.get();
    }

    /** The record with the newest timestamp, if any. */
    public Optional<StoredRecord> latest() throws IOException {
        lifecycle.checkRunning();
        for (int attempt = 0; attempt < 3; attempt++) {
            String name = latest;
            if (name == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(read(name));
            } catch (NoSuchFileException e) {
                rescan(); // removed behind our back (retention, an operator): look again
            }
        }
        return Optional.empty();
    }

    /** Reads one record by its file name. */
    public StoredRecord read(String fileName) throws IOException {
        lifecycle.checkRunning();
        Optional<Instant> ts = timestampOf(fileName);
        if (ts.isEmpty()) {
            throw new RecordRejectedException("fileName", "not a record file name: expected <source>_<seconds>.<micros>.json");
        }
        JsonNode node = mapper.readTree(Files.readAllBytes(dir.resolve(fileName)));
        Optional<Instant> measured = node.hasNonNull("measuredAt") ? Optional.of(Instant.parse(node.get("measuredAt").asText()))
                : Optional.empty();
        return new StoredRecord(fileName, node.path("requestId").asText(), node.path("source").asText(), ts.get(), measured,
                node.path("data"));
    }

    /**
     * Removes every record older than the retention, and the request-id markers a day after
     * their records. Runs on open and at most once a minute while storing.
     *
     * @return how many records were removed
     */
    public int sweep() throws IOException {
        lifecycle.checkRunning();
        return sweepNow();
    }

    private int sweepNow() throws IOException {
        sweepLock.lock();
        try {
            Instant now = clock.instant();
            lastSweep = now;
            Instant cutoff = now.minus(retention);
            int removed = 0;
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
                for (Path p : s) {
                    Optional<Instant> ts = timestampOf(p.getFileName().toString());
                    if (ts.isPresent() && ts.get().isBefore(cutoff) && Files.deleteIfExists(p)) {
                        removed++;
                    }
                }
            }
            LocalDate oldestMarkerDay = dayOf(cutoff).minusDays(1);
            try (DirectoryStream<Path> s = Files.newDirectoryStream(ids)) {
                for (Path day : s) {
                    try {
                        if (LocalDate.parse(day.getFileName().toString()).isBefore(oldestMarkerDay)) {
                            deleteTree(day);
                            markerDays().remove(day);
                        }
                    } catch (java.time.format.DateTimeParseException e) {
                        // not ours: leave it
                    }
                }
            }
            if (removed > 0) {
                DurableFiles.syncDirectory(dir); // a removal must not come back after a crash
                rescan();
            }
            return removed;
        } finally {
            sweepLock.unlock();
        }
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
        return lifecycle.shutdown(Duration.ofSeconds(30), () -> {
            if (syncer != null) {
                syncer.interrupt();
                syncer.join(TimeUnit.SECONDS.toMillis(10));
            }
            try {
                Materializer m = new Materializer();
                journal.closeAndRetireAll(m);
                m.finish();
            } finally {
                if (syncPool != null) {
                    syncPool.shutdown();
                }
                releaseLock();
            }
        });
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        lifecycle.closeAndReport(shutdown());
    }

    private void releaseLock() {
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    private void maybeSweep() {
        if (Duration.between(lastSweep, clock.instant()).compareTo(SWEEP_EVERY) >= 0 && sweepLock.tryLock()) {
            try {
                sweep();
            } catch (IOException | RuntimeException e) {
                // retention is retried on the next store; storing itself succeeded
            } finally {
                sweepLock.unlock();
            }
        }
    }

    private Optional<String> marker(String hash) throws IOException {
        for (Path day : markerDays()) {
            try {
                return Optional.of(Files.readString(day.resolve(hash), StandardCharsets.UTF_8));
            } catch (NoSuchFileException e) {
                // not that day
            }
        }
        return Optional.empty();
    }

    /** The marker day directories, listed once and then kept up to date (listing them for every store cost a third of its syscalls). */
    private java.util.Set<Path> markerDays() throws IOException {
        java.util.Set<Path> days = dayDirs;
        if (days == null) {
            days = java.util.concurrent.ConcurrentHashMap.newKeySet();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(ids)) {
                for (Path day : s) {
                    if (Files.isDirectory(day)) {
                        days.add(day);
                    }
                }
            }
            dayDirs = days;
        }
        return days;
    }

    /** A fresh name for {@code source}: now in microseconds, bumped past the last one used and any file present. */
    private String allocate(String source) {
        Instant[] chosen = new Instant[1];
        lastBySource.compute(source, (k, last) -> {
            Instant t = clock.instant().truncatedTo(ChronoUnit.MICROS);
            if (last != null && !t.isAfter(last)) {
                t = last.plus(1, ChronoUnit.MICROS);
            }
            while (Files.exists(dir.resolve(nameOf(source, t)))) {
                t = t.plus(1, ChronoUnit.MICROS);
            }
            chosen[0] = t;
            return t;
        });
        return nameOf(source, chosen[0]);
    }

    private static String nameOf(String source, Instant t) {
        return source + "_" + format(t) + ".json";
    }

    /** Epoch seconds with six decimals, as the shipper wrote its timestamps. */
    static String format(Instant t) {
        return t.getEpochSecond() + "." + String.format("%06d", t.getNano() / 1000);
    }

    static Optional<Instant> timestampOf(String fileName) {
        Matcher m = FILE.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(Instant.ofEpochSecond(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)) * 1000));
    }

    private static LocalDate dayOf(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }

    private synchronized void noteLatest(String name) {
        String cur = latest;
        if (cur == null || timestampOf(name).orElseThrow().compareTo(timestampOf(cur).orElseThrow()) >= 0) {
            latest = name;
        }
    }

    private synchronized void rescan() throws IOException {
        long n = 0;
        String newest = null;
        Instant newestTs = null;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                Optional<Instant> ts = timestampOf(name);
                if (ts.isPresent()) {
                    n++;
                    if (newestTs == null || ts.get().isAfter(newestTs)) {
                        newestTs = ts.get();
                        newest = name;
                    }
                }
            }
        }
        count.set(n);
        latest = newest;
    }

    private static void deleteTree(Path day) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(day)) {
            for (Path p : s) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(day);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
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
