package dev.outpost.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.internal.CanonicalJson;
import dev.outpost.core.internal.JsonBytes;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.spi.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An audit trail written off the hot path: {@link #record(AuditEvent)} puts an event in a bounded
 * buffer and returns at once, never waiting on a lock or the disk; one writer thread renders events
 * as JSON lines (the params as a SHA-256 hash, and in full only when {@linkplain
 * Builder#includeParams asked}) and hands them to the {@link AuditSink} in batches. When the buffer
 * is full the event is dropped and counted ({@link #dropped()}), so a slow disk never slows a
 * worker. Recording wakes the writer at most once per batch: the writer gathers events for a few
 * milliseconds after waking, so lines reach the sink within about {@value #LINGER_MILLIS} ms under
 * load.
 *
 * <pre>{@code
 * try (AuditLog audit = AuditLog.toFile(Path.of("/var/log/outpost/audit.jsonl")).build().start();
 *      Worker worker = Worker.builder(transport).collector(new DiskUsage()).audit(audit).build().start()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>A line: {@code {"time":"2026-12-04T10:00:00.123Z","kind":"request","component":"host-12",
 * "requestId":"…","sender":"ops","authenticated":true,"target":"disk.usage",
 * "paramsSha256":"…","outcome":"ok","durationMicros":1234}}.
 */
public final class AuditLog implements AutoCloseable {
    /** Default number of events the buffer holds. */
    public static final int DEFAULT_BUFFER = 65_536;
    /** The largest {@link Builder#bufferSize(int)}: the buffer is a ring of this many slots per recording thread. */
    public static final int MAX_BUFFER = 1 << 20;
    /** Default size at which the audit file is rotated. */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    /** Default number of rotated files kept. */
    public static final int DEFAULT_MAX_FILES = 10;
    /** Default time the writer gets to empty the buffer at shutdown. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final int BATCH = 512;
    /** How long the writer lets events gather after it wakes, so that a busy worker wakes it once per batch. */
    static final int LINGER_MILLIS = 2;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Drops are logged at once, then at most this often: the count is in {@link #dropped()} at any time. */
    private static final long DROP_REPORT_NANOS = TimeUnit.MINUTES.toNanos(1);

    private enum State { NEW, RUNNING, STOPPED }

    private final AuditSink sink;
    private final AuditLines lineFormat;
    // lock-free, a stripe per recording thread: the loop threads never wait on the writer or on each other
    private final EventRing buffer;
    private final int capacity;
    private volatile boolean writerIdle;
    private final Duration drainTimeout;
    private final OwnedThreads threads;
    private final Guard guard = new Guard("audit log");
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CompletableFuture<ShutdownResult> terminated = new CompletableFuture<>();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private volatile Thread writer;
    private volatile boolean givenUp; // by the shutdown, on a writer stuck in the sink: what is left is counted dropped, never written
    /** Also the monitor of start and shutdown, so that a shutdown that sees RUNNING sees the writer started. */
    private final LateEvents late;
    /** Drops already logged, and when (writer thread only). */
    private long dropsReported;
    private long dropsReportedAt;
    /** Sink failures not yet logged, the lines they lost, the last one; when failures were last logged (writer thread only). */
    private int failedBatches;
    private long linesLost;
    private Throwable lastFailure;
    private long failuresReportedAt;
    private boolean failuresReported;
    private final LineBatch batch;

    private AuditLog(Builder b, AuditSink sink, int bufferSize, boolean includeParams, Duration drain) {
        this.sink = sink;
        this.lineFormat = new AuditLines(includeParams);
        this.batch = new LineBatch(lineFormat, BATCH);
        this.capacity = bufferSize;
        this.buffer = b.ring.apply(bufferSize);
        this.late = new LateEvents(buffer, dropped);
        this.drainTimeout = drain;
        this.threads = new OwnedThreads("audit", b.threadFactory);
    }

    /** A builder writing to {@code sink}. */
    public static Builder builder(AuditSink sink) {
        return new Builder(Optional.of(Objects.requireNonNull(sink, "sink")), Optional.empty());
    }

    /** A builder writing to a {@link JsonLinesFileSink} on {@code file} (rotation from the builder). */
    public static Builder toFile(Path file) {
        return new Builder(Optional.empty(), Optional.of(Objects.requireNonNull(file, "file")));
    }

    /**
     * A builder whose file, rotation, buffer and params come from {@code outpost.audit.*} in
     * {@code config}; {@code outpost.audit.file} must be set.
     */
    public static Builder fromConfig(ConfigSource config) {
        return new Builder(Optional.empty(), Optional.empty()).configure(config);
    }

    /**
     * Starts the writer thread.
     *
     * @return this
     * @throws IllegalStateException when started before, or shut down
     */
    public AuditLog start() {
        synchronized (late) {
            if (!state.compareAndSet(State.NEW, State.RUNNING)) {
                throw new IllegalStateException("audit log already started or shut down");
            }
            Thread t = threads.newThread(this::drain, "writer");
            writer = t;
            t.start();
        }
        return this;
    }

    /**
     * Buffers {@code event} for writing; never blocks.
     *
     * @return false when it was dropped: the buffer was full, or the log is not running. An event
     *     recorded while the log shuts down may be counted in {@link #dropped()} after true was returned.
     */
    public boolean record(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        if (state.get() != State.RUNNING) {
            dropped.increment();
            return false;
        }
        if (!buffer.offer(event)) {
            dropped.increment();
            return false;
        }
        if (state.get() != State.RUNNING) {
            return late.recordedLate(event);
        }
        if (writerIdle) {
            writerIdle = false;
            LockSupport.unpark(writer);
        }
        return true;
    }

    /** Events dropped because the buffer was full or the log was not running. */
    public long dropped() {
        return dropped.sum();
    }

    /** Events handed to the sink. */
    public long written() {
        return written.sum();
    }

    /** Batches the sink failed to write (their events are lost). */
    public long sinkFailures() {
        return failures.sum();
    }

    /** Events waiting in the buffer. */
    public int buffered() {
        return state.get() == State.STOPPED && terminated.isDone() ? 0 : buffer.size();
    }

    /**
     * Stops taking events, lets the writer empty the buffer within the drain timeout, closes the
     * sink. Idempotent: every call returns the same future.
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        State was;
        synchronized (late) {
            was = state.getAndSet(State.STOPPED);
        }
        if (was == State.STOPPED) {
            return terminated;
        }
        long t0 = System.nanoTime();
        Thread t = writer;
        if (t != null) {
            LockSupport.unpark(t); // an idle writer sees the stop now, not after its nap
        }
        if (t == null) {
            closeSink();
            terminated.complete(new ShutdownResult(true, List.of(), 0, Duration.ZERO));
            return terminated;
        }
        dev.outpost.core.internal.ShutdownThread.start(threads, () -> {
            List<String> alive = threads.awaitTermination(t0 + drainTimeout.toNanos());
            if (!alive.isEmpty()) {
                t.interrupt();
                alive = threads.awaitTermination(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            }
            givenUp = !alive.isEmpty(); // before the count: the sink is closed next, and must not be written to again
            int lost = late.seal(!t.isAlive());
            closeSink();
            terminated.complete(new ShutdownResult(alive.isEmpty() && lost == 0, alive, 0,
                    Duration.ofNanos(System.nanoTime() - t0)));
        });
        return terminated;
    }

    /** {@link #shutdown()} and wait for it. */
    @Override
    public void close() {
        shutdown().join();
    }

    private void closeSink() {
        guard.run("closing audit sink " + sink, () -> {
            try {
                sink.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void drain() {
        try {
            writeUntilStopped();
        } finally {
            reportFailures(true);
        }
    }

    private void writeUntilStopped() {
        while (!Thread.currentThread().isInterrupted() && !givenUp) {
            AuditEvent e = buffer.poll();
            if (e == null) {
                if (state.get() != State.RUNNING && buffer.isEmpty()) {
                    return; // not while an event is being added: its slot is claimed, its line not yet written
                }
                nap();
                continue;
            }
            int taken = 0;
            try {
                do {
                    taken++;
                    add(e);
                } while (taken < BATCH && (e = buffer.poll()) != null);
                // once per batch: the room goes back to the pool the recorders take it from
                buffer.release();
                int count = batch.count();
                if (count > 0) {
                    try {
                        batch.writeTo(sink);
                        written.add(count);
                    } catch (Throwable t) {
                        failures.increment();
                        failedBatches++;
                        linesLost += count;
                        lastFailure = t;
                    }
                }
                reportDrops();
                reportFailures(false);
            } finally {
                batch.clear();
            }
        }
    }

    /** An audit trail with holes must not be a surprise: say so in the log, once a minute at most. */
    private void reportDrops() {
        long d = dropped.sum();
        long now = System.nanoTime();
        if (d > dropsReported && (dropsReported == 0 || now - dropsReportedAt >= DROP_REPORT_NANOS)) {
            log.warn("audit log {}: {} events dropped{} because the buffer of {} was full (a slow sink, or more events than"
                    + " the writer keeps up with); outpost.audit.buffer sets its size", sink, d - dropsReported,
                    dropsReported == 0 ? "" : " in the last minute or more", capacity);
            dropsReported = d;
            dropsReportedAt = now;
        }
    }

    /** A full disk fails every batch: logged at once, then at most once a minute (and as the writer ends), or the log fills too. */
    private void reportFailures(boolean ending) {
        long now = System.nanoTime();
        if (failedBatches == 0 || !ending && failuresReported && now - failuresReportedAt < DROP_REPORT_NANOS) {
            return;
        }
        log.warn("audit sink {} failed {} time{}{}; {} line{} lost: {}", sink, failedBatches, failedBatches == 1 ? "" : "s",
                failuresReported ? " since it was last reported" : "", linesLost, linesLost == 1 ? "" : "s", lastFailure.toString());
        failuresReported = true;
        failuresReportedAt = now;
        failedBatches = 0;
        linesLost = 0;
        lastFailure = null;
    }

    /** Adds {@code e}'s line to the batch; one that cannot be rendered is counted and logged. */
    private void add(AuditEvent e) {
        try {
            batch.add(e);
        } catch (Throwable t) {
            failures.increment();
            log.error("audit writer could not render an event; its line is lost", t);
        }
    }

    /** Nothing buffered: sleep until a recorder wakes this thread (or a while passes), then let a batch gather. */
    private void nap() {
        writerIdle = true;
        if (buffer.isEmpty() && state.get() == State.RUNNING) {
            LockSupport.parkNanos(this, IDLE_PARK_NANOS);
        }
        writerIdle = false;
        if (state.get() == State.RUNNING) {
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS));
        }
    }

    /** The line for {@code e}, without its newline. */
    String render(AuditEvent e) {
        JsonBytes line = new JsonBytes(256);
        lineFormat.render(e, line);
        return line.toString();
    }

    /**
     * The hash audit lines carry instead of a value: the SHA-256 of its canonical JSON (object keys
     * sorted), so equal values hash alike. For sinks and audited components of your own.
     */
    public static String sha256(JsonNode value) {
        return CanonicalJson.sha256Of(value);
    }

    @Override
    public String toString() {
        return "AuditLog[" + sink + "]";
    }

    /**
     * Builds an {@link AuditLog}. Values set by a method win over {@link #configure configuration}.
     * Not thread-safe.
     */
    public static final class Builder {
        private final Optional<AuditSink> sink;
        private Optional<Path> file;
        private Integer bufferSize;
        private Long maxBytes;
        private Integer maxFiles;
        private Boolean includeParams;
        private Duration drainTimeout;
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();
        private java.util.function.IntFunction<EventRing> ring = EventRing::new;

        private Builder(Optional<AuditSink> sink, Optional<Path> file) {
            this.sink = sink;
            this.file = file;
        }

        /**
         * How many events the buffer holds before events are dropped; default {@value #DEFAULT_BUFFER}.
         * Each recording thread takes room a chunk at a time (up to 64 events, fewer for small
         * buffers), so room an idle thread holds is not lent to the others; the buffer's memory is
         * a ring of this size, rounded up to a power of two, per recording thread (at most 8), at
         * 12 bytes a slot (the event's reference and when it was recorded, by which the writer
         * orders lines across threads). At most {@value #MAX_BUFFER}.
         */
        public Builder bufferSize(int events) {
            if (events < 1 || events > MAX_BUFFER) {
                throw new IllegalArgumentException("bufferSize must be 1 to " + MAX_BUFFER + ", was " + events);
            }
            this.bufferSize = events;
            return this;
        }

        /** For a file: the size at which it is rotated, and how many rotated files are kept. */
        public Builder rotation(long rotateAtBytes, int keepFiles) {
            if (rotateAtBytes < 1024 || keepFiles < 0) {
                throw new IllegalArgumentException("rotation needs at least 1024 bytes and 0 or more files");
            }
            this.maxBytes = rotateAtBytes;
            this.maxFiles = keepFiles;
            return this;
        }

        /** Whether lines carry the params themselves, not only their hash; default false. */
        public Builder includeParams(boolean include) {
            this.includeParams = include;
            return this;
        }

        /** How long the writer gets to empty the buffer at shutdown; default 5 s. */
        public Builder drainTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isNegative()) {
                throw new IllegalArgumentException("drainTimeout must not be negative");
            }
            this.drainTimeout = timeout;
            return this;
        }

        /** Test seam: the buffer, made from the buffer size. */
        Builder ring(java.util.function.IntFunction<EventRing> ring) {
            this.ring = ring;
            return this;
        }

        /** Makes the writer thread. */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(factory, "factory"));
            return this;
        }

        /** Takes {@code outpost.audit.*} from {@code config} for what no method set. Checked at {@link #build()}. */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * Builds the log, not started; opens nothing.
         *
         * @throws ConfigException listing every bad configured value
         */
        public AuditLog build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            int buf = pick(bufferSize, "outpost.audit.buffer", DEFAULT_BUFFER, 1, MAX_BUFFER, problems);
            int files = pick(maxFiles, "outpost.audit.max-files", DEFAULT_MAX_FILES, 0, Integer.MAX_VALUE, problems);
            long bytes = maxBytes != null ? maxBytes
                    : pick(null, "outpost.audit.max-bytes", (int) Math.min(Integer.MAX_VALUE, DEFAULT_MAX_BYTES), 1024,
                            Integer.MAX_VALUE, problems);
            boolean params = includeParams != null ? includeParams
                    : config.flatMap(c -> safe(() -> c.booleanValue("outpost.audit.include-params"), problems)).orElse(false);
            Duration drain = drainTimeout != null ? drainTimeout
                    : config.flatMap(c -> safe(() -> c.duration("outpost.audit.drain-timeout"), problems))
                            .orElse(DEFAULT_DRAIN_TIMEOUT);
            if (sink.isEmpty() && file.isEmpty()) {
                file = config.flatMap(c -> c.string("outpost.audit.file")).filter(s -> !s.isBlank()).map(Path::of);
                if (file.isEmpty()) {
                    problems.add(new ConfigException.Problem("outpost.audit.file", "is required for a file audit log"));
                }
            }
            if (sink.isEmpty() && file.isPresent() && java.nio.file.Files.isDirectory(file.get())) {
                // the file is opened at the first write, off the hot path, and a failure there is only counted:
                // the log would run and drop every line
                problems.add(new ConfigException.Problem("outpost.audit.file", dev.outpost.spi.ConfigSource.quote(file.get().toString()) + " is a directory, not a file"
                        + config.map(c -> c.from("outpost.audit.file")).orElse("")));
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            AuditSink s = sink.orElseGet(() -> new JsonLinesFileSink(file.get(), bytes, files));
            return new AuditLog(this, s, buf, params, drain);
        }

        private int pick(Integer explicit, String key, int fallback, int min, int max,
                List<ConfigException.Problem> problems) {
            if (explicit != null) {
                return explicit;
            }
            Optional<Integer> v = config.flatMap(c -> safe(() -> c.intValue(key), problems));
            if (v.isPresent() && (v.get() < min || v.get() > max)) {
                problems.add(new ConfigException.Problem(key, "must be " + min + " to " + max + ", was " + v.get()
                        + config.get().from(key)));
                return fallback;
            }
            return v.orElse(fallback);
        }

        private static <T> Optional<T> safe(java.util.function.Supplier<Optional<T>> read,
                List<ConfigException.Problem> problems) {
            try {
                return read.get();
            } catch (ConfigException e) {
                problems.addAll(e.problems());
                return Optional.empty();
            }
        }
    }
}
