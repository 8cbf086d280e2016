package dev.outpost.host.records;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.host.internal.DurableFiles;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stores records as {@code <source>_<timestamp>.json} files in one directory, exactly once per
 * request id, and keeps them for a retention period (7 days by default).
 *
 * <pre>{@code
 * try (RecordStore store = RecordStore.builder(Path.of("/var/lib/outpost/records")).build()) {
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
 * <p>Crash safety: each record is written to a temporary file, fsynced, renamed into place, and the
 * directory fsynced; a marker for its request id (under {@code .outpost/ids/}) is made durable
 * before the record, so a retry after a crash at any point stores the record once. One store owns
 * a directory: a second one (in this or another process) fails to open it.
 *
 * <p>Retention is enforced by the store: records whose timestamp is older than the retention are
 * removed on {@link #sweep()}, which runs on open and at most once a minute while storing.
 * Thread-safe.
 */
public final class RecordStore implements AutoCloseable {
    /** What a source must look like: letters, digits, '.' and '-', starting with a letter or digit, at most 128. */
    public static final String SOURCE_PATTERN = "[A-Za-z0-9][A-Za-z0-9.-]{0,127}";
    /** Records are kept this long by default. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
    /** The longest request id accepted. */
    public static final int MAX_REQUEST_ID_CHARS = 512;

    private static final Pattern SOURCE = Pattern.compile(SOURCE_PATTERN);
    private static final Pattern FILE = Pattern.compile("(" + SOURCE_PATTERN + ")_(\\d{1,12})\\.(\\d{6})\\.json");
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(1);

    private final Path dir;
    private final Path ids;
    private final Path tmp;
    private final Duration retention;
    private final Clock clock;
    private final ObjectMapper mapper = dev.outpost.Json.newMapper();
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ReentrantLock[] stripes = new ReentrantLock[64];
    private final ConcurrentHashMap<String, Instant> lastBySource = new ConcurrentHashMap<>();
    private final AtomicLong count = new AtomicLong();
    private final ReentrantLock sweepLock = new ReentrantLock();
    private volatile Instant lastSweep = Instant.MIN;
    private volatile String latest;
    private volatile boolean closed;

    private RecordStore(Builder b) throws IOException {
        this.dir = b.directory;
        this.ids = dir.resolve(".outpost").resolve("ids");
        this.tmp = dir.resolve(".outpost").resolve("tmp");
        this.retention = b.retention;
        this.clock = b.clock;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
        Files.createDirectories(ids);
        Files.createDirectories(tmp);
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
                Files.deleteIfExists(p); // writes a crash interrupted; their markers let a retry complete them
            }
        }
        rescan();
        sweep();
    }

    /** A builder for a store in {@code directory} (created if missing). */
    public static Builder builder(Path directory) {
        return new Builder(directory);
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
        checkOpen();
        requireValid(requestId, source, data);
        Objects.requireNonNull(measuredAt, "measuredAt");
        String hash = sha256(requestId);
        ReentrantLock stripe = stripes[Math.floorMod(hash.hashCode(), stripes.length)];
        stripe.lock();
        try {
            Optional<String> known = marker(hash);
            String name;
            if (known.isPresent()) {
                name = known.get();
                if (Files.exists(dir.resolve(name))) {
                    return new StoreResult(name, timestampOf(name).orElseThrow(), true);
                }
                // a crash came between the marker and the record: finish with the same name
            } else {
                name = allocate(source);
                Path day = ids.resolve(dayOf(timestampOf(name).orElseThrow()).toString());
                Files.createDirectories(day);
                DurableFiles.write(day.resolve(hash), name.getBytes(StandardCharsets.UTF_8));
            }
            Instant ts = timestampOf(name).orElseThrow();
            ObjectNode envelope = mapper.createObjectNode();
            envelope.put("source", source);
            envelope.put("requestId", requestId);
            envelope.put("timestamp", format(ts));
            measuredAt.ifPresent(m -> envelope.put("measuredAt", m.toString()));
            envelope.set("data", data);
            Path t = tmp.resolve(hash + ".json");
            DurableFiles.writeSynced(t, mapper.writeValueAsBytes(envelope));
            DurableFiles.move(t, dir.resolve(name));
            DurableFiles.syncDirectory(dir);
            count.incrementAndGet();
            noteLatest(name);
            return new StoreResult(name, ts, false);
        } finally {
            stripe.unlock();
            maybeSweep();
        }
    }

    /** The number of records kept. */
    public long count() {
        checkOpen();
        return count.get();
    }

    /** The record with the newest timestamp, if any. */
    public Optional<StoredRecord> latest() throws IOException {
        checkOpen();
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
        checkOpen();
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
        checkOpen();
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
                        }
                    } catch (java.time.format.DateTimeParseException e) {
                        // not ours: leave it
                    }
                }
            }
            if (removed > 0) {
                DurableFiles.syncDirectory(dir);
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

    /** Releases the directory. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                lock.release();
                lockChannel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("record store is closed");
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
        try (DirectoryStream<Path> s = Files.newDirectoryStream(ids)) {
            for (Path day : s) {
                Path m = day.resolve(hash);
                if (Files.isRegularFile(m)) {
                    return Optional.of(Files.readString(m, StandardCharsets.UTF_8));
                }
            }
        }
        return Optional.empty();
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

    /** Builds a {@link RecordStore}. */
    public static final class Builder {
        private final Path directory;
        private Duration retention = DEFAULT_RETENTION;
        private Clock clock = Clock.systemUTC();

        Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
        }

        /** How long records are kept; 7 days by default. */
        public Builder retention(Duration retention) {
            Objects.requireNonNull(retention, "retention");
            if (retention.isNegative() || retention.isZero()) {
                throw new IllegalArgumentException("retention must be positive, was " + retention);
            }
            this.retention = retention;
            return this;
        }

        /** The clock that timestamps records and judges retention; the system UTC clock by default. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Opens the store: creates the directory, removes interrupted temporary files, counts the
         * records and sweeps old ones.
         *
         * @throws IOException when the directory cannot be used or another store holds it
         */
        public RecordStore build() throws IOException {
            return new RecordStore(this);
        }
    }

}
