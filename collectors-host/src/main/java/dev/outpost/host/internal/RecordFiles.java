package dev.outpost.host.internal;

import dev.outpost.host.records.RecordStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The record directory and everything that touches it: record files
 * ({@code <source>_<seconds>.<micros>.json}), request-id markers ({@code .outpost/ids/<first two hex digits>/<hash>}),
 * temporary files ({@code .outpost/tmp}), the count and the newest record, retention sweeps, and
 * the deferred fsyncs of what the journal acknowledged. {@link RecordStore} adds the lifecycle,
 * the directory lock, the journal and the public API.
 */
public final class RecordFiles {
    private static final Pattern FILE = Pattern.compile("(" + RecordStore.SOURCE_PATTERN + ")_(\\d{1,12})\\.(\\d{6})\\.json");
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(1);
    private static final int SYNC_THREADS = 8;

    private final Path dir;
    private final Path tmp;
    private final Clock clock;
    private final Duration retention;
    /** Request-id hash to record name, for records the journal holds and the files may not yet. */
    private final ConcurrentHashMap<String, String> recent = new ConcurrentHashMap<>();
    /** Record name to content, for records that are durable in the journal and whose files are not written yet. */
    private final ConcurrentHashMap<String, byte[]> unwritten = new ConcurrentHashMap<>();
    private final AtomicLong unwrittenBytes = new AtomicLong();
    private final ConcurrentHashMap<String, Instant> lastBySource = new ConcurrentHashMap<>();
    /** Past this many sources, those idle since the clock passed their last name are forgotten (a client may name any). */
    static final int MAX_SOURCES_REMEMBERED = 4096;
    private final AtomicLong count = new AtomicLong();
    private final ReentrantLock sweepLock = new ReentrantLock();
    private final MarkedRecordFiles marked;
    private static final MarkedRecordFiles.Repair NEW = new MarkedRecordFiles.Repair(true, false);
    private final RecordMarkers markers;
    private volatile Instant lastSweep = Instant.MIN;
    private volatile String latest;
    /** The timestamp in {@link #latest}'s name (guarded by this). */
    private Instant latestTs;
    /** The newest record time found by a scan of the directory (records of earlier runs are no newer). */
    private volatile Instant newestOnDisk = Instant.MAX;
    private java.util.concurrent.ThreadPoolExecutor syncPool;

    public RecordFiles(Path dir, Clock clock, Duration retention) {
        this.dir = dir;
        this.markers = new RecordMarkers(dir.resolve(".outpost").resolve("ids"));
        this.tmp = dir.resolve(".outpost").resolve("tmp");
        this.clock = clock;
        this.retention = retention;
        this.marked = new MarkedRecordFiles(tmp);
    }

    /** Creates the directories (owner-only) and removes temporary files a crash interrupted. */
    public void open() throws IOException {
        DurableFiles.createDirectories(dir);
        for (String own : new String[] {"", "tmp", "ids", "journal"}) {
            DurableFiles.refuseLink(dir.resolve(".outpost").resolve(own));
        }
        DurableFiles.createDirectories(tmp);
        markers.open();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(tmp)) {
            for (Path p : s) {
                Files.deleteIfExists(p); // writes a crash interrupted; the journal has every acknowledged one
            }
        }
    }

    /** Starts the pool that fsyncs in parallel; its threads live only while a segment is synced. */
    public void startSyncPool(ThreadFactory threads) {
        syncPool = new java.util.concurrent.ThreadPoolExecutor(SYNC_THREADS, SYNC_THREADS, 2, TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), threads);
        syncPool.allowCoreThreadTimeOut(true);
    }

    /** Stops the sync pool, if started. */
    public void stopSyncPool(boolean now) {
        if (syncPool != null) {
            if (now) {
                syncPool.shutdownNow();
            } else {
                syncPool.shutdown();
            }
        }
    }

    /** The record name pending in the journal for {@code hash}, if any. */
    public Optional<String> pending(String hash) {
        return Optional.ofNullable(recent.get(hash));
    }

    /** Notes that {@code name} for {@code hash} is in the journal and counts it. */
    public void stored(String hash, String name) {
        recent.put(hash, name);
    }

    /** Counts a new record and notes it as the newest when it is. */
    public void added(String name) {
        count.incrementAndGet();
        noteLatest(name);
    }

    /** Whether the record is stored: its file exists, or it is durable in the journal and its file not written yet. */
    public boolean exists(String name) {
        return unwritten.containsKey(name) || Files.exists(dir.resolve(name));
    }

    /** Notes a record durable in the journal whose files are still to be written. */
    public void unwritten(String name, byte[] content) {
        byte[] before = unwritten.put(name, content);
        unwrittenBytes.addAndGet(content.length - (before == null ? 0 : before.length));
    }

    /** Notes that a record's files are written. */
    public void written(String name, byte[] content) {
        if (unwritten.remove(name, content)) {
            unwrittenBytes.addAndGet(-content.length);
        }
    }

    private void forgetUnwritten(String name) {
        byte[] content = unwritten.remove(name);
        if (content != null) {
            unwrittenBytes.addAndGet(-content.length);
        }
    }

    /** Bytes of records durable in the journal whose files are not written: queued, or refused by the disk. */
    public long unwrittenBytes() {
        return unwrittenBytes.get();
    }

    /** The content of a record whose file is not written yet. */
    public Optional<byte[]> unwrittenContent(String name) {
        return Optional.ofNullable(unwritten.get(name));
    }

    /** The path of a record file. */
    public Path path(String name) {
        return dir.resolve(name);
    }

    /** A materializer for a journal replay or retirement. */
    public Materializer materializer() {
        return new Materializer();
    }

    /** The number of records kept. */
    public long count() {
        return count.get();
    }

    /** The newest record's name, if any. */
    public Optional<String> latest() {
        return Optional.ofNullable(latest);
    }

    /**
     * Writes a record's file and its marker (one file with two names, {@link MarkedRecordFiles}):
     * for a new record when not {@code repair}, else (a journal replay or retirement) only what is
     * missing or short.
     */
    public MarkedRecordFiles.Repair writeFiles(String hash, String name, byte[] bytes, boolean repair) throws IOException {
        try {
            return write(hash, name, bytes, repair);
        } catch (NoSuchFileException e) {
            // a folder was removed under the store: its marker folder, or the temporary one a rewrite goes
            // through; made again (durably), once
            markers.forget(hash);
            DurableFiles.createDirectories(tmp);
            return write(hash, name, bytes, repair);
        }
    }

    private MarkedRecordFiles.Repair write(String hash, String name, byte[] bytes, boolean repair) throws IOException {
        Path marker = markers.ensureFolder(hash).resolve(hash);
        Path record = dir.resolve(name);
        if (repair) {
            return marked.repair(marker, record, name, bytes);
        }
        marked.writeNew(marker, record, name, bytes);
        return NEW;
    }

    /**
     * Writes what a journal segment holds (if missing) and, at {@link #flush()}, fsyncs it all
     * before the segment is deleted. The fsyncs run on several threads at once: the file system
     * commits concurrent fsyncs together, which made the deferred part of durability many times
     * cheaper than one fsync after another.
     */
    public final class Materializer implements RecordJournal.Materializer {
        private final java.util.Set<Path> dirs = new java.util.HashSet<>();
        private final java.util.List<Path> files = new java.util.ArrayList<>();
        private boolean created;

        @Override
        public void materialize(RecordJournal.Entry e) throws IOException {
            Optional<Instant> ts = timestampOf(e.name());
            if (ts.isEmpty() || ts.get().isBefore(clock.instant().minus(retention))) {
                recent.remove(e.hash(), e.name());
                forgetUnwritten(e.name());
                return; // past retention: swept, not to be brought back
            }
            MarkedRecordFiles.Repair r = writeFiles(e.hash(), e.name(), e.content(), true);
            created |= r.created();
            forgetUnwritten(e.name());
            dirs.add(markers.folder(e.hash()));
            files.add(dir.resolve(e.name()));
            if (r.separateMarker()) {
                files.add(markers.path(e.hash()));
            }
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

        /** Flushes, and recounts when replay created files. */
        public void finish() throws IOException {
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

    public int sweep() throws IOException {
        sweepLock.lock();
        try {
            Instant now = clock.instant();
            lastSweep = now;
            Instant cutoff = now.minus(retention);
            int removed = 0;
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
                for (Path p : s) {
                    Optional<Instant> ts = timestampOf(p.getFileName().toString());
                    if (ts.isPresent() && ts.get().isBefore(cutoff)) {
                        // the marker first: a crash between the two leaves a record the next sweep removes, not a marker
                        // holding the record's space (a second name of its file) with nothing left to find it by
                        markers.removeMarkerOf(p);
                        if (Files.deleteIfExists(p)) {
                            removed++;
                        }
                    }
                }
            }
            // markers of the former layout, one folder per day: a day's go once all its records have
            markers.sweepLegacyDays(dayOf(cutoff));
            if (removed > 0) {
                DurableFiles.syncDirectory(dir); // a removal must not come back after a crash
                // Not a recount: records stored meanwhile would be counted twice (in the listing or as unwritten,
                // and by added()) or not at all (written between the listing and the look at the unwritten).
                // Every file removed here was counted; a stale newest is found again by RecordStore.latest().
                count.addAndGet(-removed);
            }
            return removed;
        } finally {
            sweepLock.unlock();
        }
    }

    /** Whether a minute passed since the last sweep. */
    public boolean sweepDue() {
        return Duration.between(lastSweep, clock.instant()).compareTo(SWEEP_EVERY) >= 0;
    }

    public void maybeSweep() {
        if (sweepDue() && sweepLock.tryLock()) {
            try {
                sweep();
            } catch (IOException | RuntimeException e) {
                // retention is retried on the next store; storing itself succeeded
            } finally {
                sweepLock.unlock();
            }
        }
    }

    /** The name of the record stored for {@code hash}, from its marker, if any: one lookup for a new id. */
    public Optional<String> marker(String hash) throws IOException {
        return markers.nameFor(hash, n -> timestampOf(n).isPresent());
    }

    /** A fresh name for {@code source}: now in microseconds, bumped past the last one used and any file present. */
    public String allocate(String source) {
        Instant[] chosen = new Instant[1];
        lastBySource.compute(source, (k, last) -> {
            Instant t = clock.instant().truncatedTo(ChronoUnit.MICROS);
            if (last != null && !t.isAfter(last)) {
                t = last.plus(1, ChronoUnit.MICROS);
            }
            // a file of an earlier run can only clash up to the newest time seen on disk (names this run made are behind 'last')
            while (!t.isAfter(newestOnDisk) && Files.exists(dir.resolve(nameOf(source, t)))) {
                t = t.plus(1, ChronoUnit.MICROS);
            }
            chosen[0] = t;
            return t;
        });
        if (lastBySource.size() > MAX_SOURCES_REMEMBERED) {
            forgetIdleSources();
        }
        return nameOf(source, chosen[0]);
    }

    /**
     * Forgets the sources whose last name is behind the clock (a new name is later anyway). The
     * names they made stay unique should the clock step back: the newest of them joins
     * {@code newestOnDisk}, up to which {@link #allocate} looks for a file before using a name.
     */
    private synchronized void forgetIdleSources() {
        if (lastBySource.size() <= MAX_SOURCES_REMEMBERED) {
            return;
        }
        Instant now = clock.instant();
        Instant newest = newestOnDisk;
        java.util.List<java.util.Map.Entry<String, Instant>> idle = new java.util.ArrayList<>();
        for (java.util.Map.Entry<String, Instant> e : lastBySource.entrySet()) {
            if (e.getValue().isBefore(now)) {
                idle.add(java.util.Map.entry(e.getKey(), e.getValue()));
                newest = e.getValue().isAfter(newest) ? e.getValue() : newest;
            }
        }
        newestOnDisk = newest; // before they go: an allocation for one of them now already looks on disk
        for (java.util.Map.Entry<String, Instant> e : idle) {
            lastBySource.remove(e.getKey(), e.getValue()); // unless a name was made for it meanwhile
        }
    }

    /** Sources whose last name is remembered. */
    int sourcesRemembered() {
        return lastBySource.size();
    }

    private static String nameOf(String source, Instant t) {
        return source + "_" + format(t) + ".json";
    }

    /** Epoch seconds with six decimals, as the shipper wrote its timestamps. */
    public static String format(Instant t) {
        String micros = Integer.toString(t.getNano() / 1000);
        return t.getEpochSecond() + "." + "000000".substring(micros.length()) + micros; // String.format cost microseconds a record
    }

    public static Optional<Instant> timestampOf(String fileName) {
        Matcher m = FILE.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(Instant.ofEpochSecond(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)) * 1000));
    }

    public static LocalDate dayOf(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }

    public synchronized void noteLatest(String name) {
        Instant ts = timestampOf(name).orElseThrow();
        if (latest == null || ts.compareTo(latestTs) >= 0) {
            latest = name;
            latestTs = ts;
        }
    }

    public synchronized void rescan() throws IOException {
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
        for (String name : unwritten.keySet()) {
            Optional<Instant> ts = timestampOf(name);
            if (ts.isPresent() && !Files.exists(dir.resolve(name))) {
                n++; // its file is on the way
                if (newestTs == null || ts.get().isAfter(newestTs)) {
                    newestTs = ts.get();
                    newest = name;
                }
            }
        }
        count.set(n);
        latest = newest;
        latestTs = newestTs;
        newestOnDisk = newestTs == null ? Instant.MIN : newestTs;
    }

    public static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
