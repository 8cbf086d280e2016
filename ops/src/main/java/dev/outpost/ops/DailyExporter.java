package dev.outpost.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.spi.ConfigSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import dev.outpost.ops.internal.ExportParts;
import dev.outpost.ops.internal.RepeatedFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Exports a day's records to S3 as gzip-compressed JSON lines, partitioned by day:
 * {@code PREFIX/dt=YYYY-MM-DD/part-00000.jsonl.gz}, ..., then a marker
 * {@code PREFIX/dt=YYYY-MM-DD/_SUCCESS.json}. A day whose marker exists is never exported again; a
 * day whose data is there without its marker (a crash mid-export) is exported again to the same,
 * deterministic keys (same records, same parts, same bytes), so each day ends up exported exactly
 * once. Once {@link #start() started}, it exports the previous day (UTC) when the clock passes the
 * configured hour, retrying with backoff; first, the days before it (up to {@code catch-up-days},
 * default {@value #DEFAULT_CATCH_UP_DAYS}, yesterday included) that have records and no marker, such
 * as the days it was stopped, oldest first.
 *
 * <p>A day is streamed, never held in memory: records are read one at a time from the source's
 * stream into a gzip part in an owner-only (0600) temporary file, which is uploaded when it holds
 * {@code part-records} records and then removed. Memory is one record and the compressor's buffer;
 * disk is one part.
 *
 * <p>Keys: {@code outpost.ops.export.bucket}, {@code .prefix}, {@code .hour}, {@code .part-records},
 * {@code .max-attempts}, {@code .backoff}, {@code .poll}, {@code .catch-up-days}.
 */
public final class DailyExporter implements AutoCloseable {
    /** Days looked back at by default, yesterday included; keep the source's retention longer. */
    public static final int DEFAULT_CATCH_UP_DAYS = 7;
    private static final Logger LOG = LoggerFactory.getLogger(DailyExporter.class);
    private final RepeatedFailures failureLog = new RepeatedFailures(LOG);
    private static final JsonMapper MAPPER = Json.newMapper();
    /** The marker object's name within a day's folder. */
    public static final String MARKER = "_SUCCESS.json";

    private final S3AsyncClient s3;
    private final String bucket;
    private final String prefix;
    private final ExportSource source;
    private final int hour;
    private final int partRecords;
    private final int maxAttempts;
    private final Duration backoff;
    private final Duration poll;
    private final int catchUpDays;
    private final Clock clock;
    private final Consumer<String> onObject;
    private final Path tempDirectory;
    private final Lifecycle lifecycle;
    private final AtomicLong exported = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile LocalDate lastDone;

    private DailyExporter(Builder b) {
        s3 = b.s3;
        bucket = b.bucket;
        prefix = b.prefix.isEmpty() || b.prefix.endsWith("/") ? b.prefix : b.prefix + "/";
        source = b.source;
        hour = b.hour;
        partRecords = b.partRecords;
        maxAttempts = b.maxAttempts;
        backoff = b.backoff;
        poll = b.poll;
        catchUpDays = b.catchUpDays;
        clock = b.clock;
        onObject = b.onObject;
        tempDirectory = b.tempDirectory;
        lifecycle = new Lifecycle("outpost-ops-export", new OwnedThreads("ops-export", Optional.ofNullable(b.threads)));
    }

    /** An exporter writing {@code source}'s records with {@code s3} (the caller's to close). */
    public static Builder builder(S3AsyncClient s3, ExportSource source) {
        return new Builder(s3, source);
    }

    /** The folder of {@code day}: {@code PREFIX/dt=YYYY-MM-DD/}. */
    public String folder(LocalDate day) {
        return prefix + "dt=" + day + "/";
    }

    /** Days exported by the schedule (not counting days found done). */
    public long exported() {
        return exported.get();
    }

    /** Attempts that failed. */
    public long failures() {
        return failures.get();
    }

    /**
     * Exports {@code day} unless its marker exists, retrying up to the configured attempts.
     *
     * @throws IllegalArgumentException when {@code day} is not over (UTC, by the exporter's clock)
     * @throws ExportException when every attempt failed
     */
    public ExportResult exportDay(LocalDate day) {
        if (!day.isBefore(clock.instant().atZone(ZoneOffset.UTC).toLocalDate())) { // its marker would hide its later records
            throw new IllegalArgumentException("day " + day + " is not over (UTC): only a day before today can be exported");
        }
        RuntimeException last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                return once(day, attempt);
            } catch (RuntimeException e) {
                last = e;
                failures.incrementAndGet();
                failureLog.warn("export of " + day + " failed (attempt " + attempt + " of " + maxAttempts + ")", e);
                if (attempt < maxAttempts && !ExportParts.pause(backoff.multipliedBy(1L << Math.min(attempt - 1, 10)))) {
                    break;
                }
            }
        }
        throw new ExportException(day, last);
    }

    private ExportResult once(LocalDate day, int attempt) {
        String folder = folder(day);
        Optional<JsonNode> marker = marker(folder);
        if (marker.isPresent()) {
            List<String> keys = new ArrayList<>();
            marker.get().path("keys").forEach(k -> keys.add(k.asText()));
            return new ExportResult(day, true, marker.get().path("records").asLong(), keys, attempt);
        }
        List<String> keys = new ArrayList<>();
        long records = 0;
        Stream<JsonNode> stream;
        try {
            stream = source.records(day);
        } catch (Exception e) {
            throw new IllegalStateException("the export source failed for " + day, e);
        }
        try (stream) {
            Iterator<JsonNode> it = stream.iterator();
            int part = 0;
            do { // an empty day still gets its (empty) first part, so a reader finds the folder complete
                String key = folder + String.format(java.util.Locale.ROOT, "part-%05d.jsonl.gz", part++); // ASCII digits anywhere
                Path tmp = ExportParts.tempFile(tempDirectory);
                try {
                    records += ExportParts.writePart(it, tmp, partRecords);
                    s3.putObject(r -> r.bucket(bucket).key(key).contentType("application/gzip"), AsyncRequestBody.fromFile(tmp))
                            .join();
                } finally {
                    ExportParts.deleteQuietly(tmp);
                }
                keys.add(key);
                told(key);
            } while (it.hasNext());
        }
        ObjectNode m = JsonNodeFactory.instance.objectNode();
        m.put("day", day.toString());
        m.put("records", records);
        keys.forEach(m.putArray("keys")::add);
        s3.putObject(r -> r.bucket(bucket).key(folder + MARKER).contentType("application/json"),
                AsyncRequestBody.fromBytes(m.toString().getBytes(StandardCharsets.UTF_8))).join();
        told(folder + MARKER);
        return new ExportResult(day, false, records, keys, attempt);
    }

    /**
     * Tells the listener an object is written. It is user code: what it throws (an Error too) is logged, and neither
     * fails the attempt nor has what is already uploaded uploaded again.
     */
    private void told(String key) {
        try {
            onObject.accept(key);
        } catch (Throwable e) {
            LOG.warn("the export's object listener threw for {}; ignored", key, e);
        }
    }

    private Optional<JsonNode> marker(String folder) {
        try {
            byte[] b = s3.getObject(r -> r.bucket(bucket).key(folder + MARKER),
                    software.amazon.awssdk.core.async.AsyncResponseTransformer.toBytes()).join().asByteArray();
            return Optional.of(MAPPER.readTree(b));
        } catch (CompletionException e) {
            if (e.getCause() instanceof NoSuchKeyException
                    || (e.getCause() instanceof S3Exception s && s.statusCode() == 404)) {
                return Optional.empty();
            }
            throw e;
        } catch (IOException e) {
            // an unreadable marker still marks the day done
            return Optional.of(JsonNodeFactory.instance.objectNode());
        }
    }

    /** Starts the schedule: the previous day, once the clock passes the hour. */
    public DailyExporter start() {
        lifecycle.start();
        lifecycle.startThread("schedule", this::loop);
        return this;
    }

    private void loop() {
        while (lifecycle.running()) {
            try {
                ZonedDateTime now = clock.instant().atZone(ZoneOffset.UTC);
                LocalDate day = now.toLocalDate().minusDays(1);
                if (now.getHour() >= hour && !day.equals(lastDone)) {
                    catchUp(day);
                    ExportResult r = exportDay(day);
                    lastDone = day;
                    if (!r.alreadyDone()) {
                        exported.incrementAndGet();
                    }
                    LOG.info("export of {}: {} records{}", day, r.records(), r.alreadyDone() ? " (already done)" : "");
                }
                TimeUnit.NANOSECONDS.sleep(poll.toNanos());
            } catch (InterruptedException e) {
                if (!lifecycle.running()) {
                    return;
                }
            } catch (Throwable e) { // the source is user code: an Error never ends the schedule
                failures.incrementAndGet();
                failureLog.warn("scheduled export failed; tried again later", e);
                if (!ExportParts.pause(poll)) {
                    return;
                }
            }
        }
    }

    /**
     * Exports the days before {@code yesterday} in the catch-up window that have records but no marker.
     * A day that fails for good is logged and tried again the next day; it never holds up the others.
     */
    private void catchUp(LocalDate yesterday) {
        for (LocalDate d = yesterday.minusDays(catchUpDays - 1L); d.isBefore(yesterday); d = d.plusDays(1)) {
            try {
                if (marker(folder(d)).isPresent()) {
                    continue;
                }
                boolean any;
                try (java.util.stream.Stream<JsonNode> records = source.records(d)) {
                    any = records.findAny().isPresent();
                }
                if (any) {
                    ExportResult r = exportDay(d);
                    exported.incrementAndGet();
                    LOG.info("export of {} (missed, caught up): {} records", d, r.records());
                }
            } catch (ExportException e) {
                LOG.warn("export of {} (missed) failed for good; tried again with the next day's", d);
            } catch (Throwable e) { // the source is user code (an Error too): one day's failure is that day's
                failures.incrementAndGet();
                failureLog.warn("export of " + d + " (missed) failed; tried again with the next day's", e);
            }
        }
    }

    /** Stops the schedule; an export under way is interrupted between attempts. Idempotent. */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown(Duration.ofSeconds(30), true, () -> { });
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        try {
            shutdown().get(35, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** An export that failed every attempt. */
    public static final class ExportException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient LocalDate day;

        ExportException(LocalDate day, Throwable cause) {
            super("export of " + day + " failed", cause);
            this.day = day;
        }

        /** The day that was not exported. */
        public LocalDate day() {
            return day;
        }
    }

    /** Builds a {@link DailyExporter}. */
    public static final class Builder {
        private final S3AsyncClient s3;
        private final ExportSource source;
        private String bucket;
        private String prefix;
        private Integer hour;
        private Integer partRecords;
        private Integer maxAttempts;
        private Duration backoff;
        private Duration poll;
        private Integer catchUpDays;
        private Clock clock = Clock.systemUTC();
        private Consumer<String> onObject = k -> { };
        private Path tempDirectory = Path.of(System.getProperty("java.io.tmpdir"));
        private ThreadFactory threads; // empty: Outpost's named threads
        private ConfigSource config;

        private Builder(S3AsyncClient s3, ExportSource source) {
            this.s3 = Objects.requireNonNull(s3, "s3");
            this.source = Objects.requireNonNull(source, "source");
        }

        /** The bucket (required). */
        public Builder bucket(String bucket) {
            this.bucket = Objects.requireNonNull(bucket, "bucket");
            return this;
        }

        /** The key prefix (default {@code outpost/export}). */
        public Builder prefix(String prefix) {
            this.prefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** The hour (UTC, 0-23) after which the previous day is exported (default 2). */
        public Builder hour(int hour) {
            this.hour = hour;
            return this;
        }

        /** Records per data object (default 100000). */
        public Builder partRecords(int records) {
            this.partRecords = records;
            return this;
        }

        /** Attempts per day (default 5) and the first backoff, doubling (default 1 s). */
        public Builder retries(int maxAttempts, Duration backoff) {
            this.maxAttempts = maxAttempts;
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /**
         * How many days back, yesterday included, the schedule exports days it missed (default
         * {@value DailyExporter#DEFAULT_CATCH_UP_DAYS}; 1: yesterday only). Keep the source's
         * retention longer than this.
         */
        public Builder catchUpDays(int days) {
            this.catchUpDays = days;
            return this;
        }

        /** How often the schedule looks at the clock (default 1 min). */
        public Builder poll(Duration poll) {
            this.poll = Objects.requireNonNull(poll, "poll");
            return this;
        }

        /** The clock the schedule reads. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Told each object's key once it is written; what it throws is logged and ignored. */
        public Builder onObject(Consumer<String> listener) {
            this.onObject = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Where a part is written (0600) before it is uploaded and removed (default {@code java.io.tmpdir}). */
        public Builder tempDirectory(Path directory) {
            this.tempDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Makes the schedule's thread. */
        public Builder threadFactory(ThreadFactory threads) {
            this.threads = Objects.requireNonNull(threads, "threads");
            return this;
        }

        /** Binds {@code outpost.ops.export.*}. */
        public Builder configure(ConfigSource config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** @throws ConfigException naming every bad key */
        public DailyExporter build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            if (config != null) {
                try {
                    if (bucket == null) {
                        bucket = config.string("outpost.ops.export.bucket").filter(s -> !s.isBlank()).orElse(null);
                    }
                    if (prefix == null) {
                        prefix = config.string("outpost.ops.export.prefix").orElse(null);
                    }
                    if (hour == null) {
                        hour = config.intValue("outpost.ops.export.hour").orElse(null);
                    }
                    if (partRecords == null) {
                        partRecords = config.intValue("outpost.ops.export.part-records").orElse(null);
                    }
                    if (maxAttempts == null) {
                        maxAttempts = config.intValue("outpost.ops.export.max-attempts").orElse(null);
                    }
                    if (backoff == null) {
                        backoff = config.duration("outpost.ops.export.backoff").orElse(null);
                    }
                    if (poll == null) {
                        poll = config.duration("outpost.ops.export.poll").orElse(null);
                    }
                    if (catchUpDays == null) {
                        catchUpDays = config.intValue("outpost.ops.export.catch-up-days").orElse(null);
                    }
                } catch (ConfigException e) {
                    problems.addAll(e.problems());
                }
            }
            prefix = prefix != null ? prefix : "outpost/export";
            hour = hour != null ? hour : 2;
            partRecords = partRecords != null ? partRecords : 100_000;
            maxAttempts = maxAttempts != null ? maxAttempts : 5;
            backoff = backoff != null ? backoff : Duration.ofSeconds(1);
            poll = poll != null ? poll : Duration.ofMinutes(1);
            catchUpDays = catchUpDays != null ? catchUpDays : DEFAULT_CATCH_UP_DAYS;
            Map<String, String> bad = new TreeMap<>();
            if (catchUpDays < 1 || catchUpDays > 366) {
                bad.put("outpost.ops.export.catch-up-days", "must be 1 to 366, was " + catchUpDays);
            }
            if (bucket == null) {
                bad.put("outpost.ops.export.bucket", "is required but not set");
            } else if (!ExportParts.BUCKET.matcher(bucket).matches()) { // before: every day's export failed at S3, five times a minute
                bad.put("outpost.ops.export.bucket", "is not an S3 bucket name (the name alone, not s3://…; letters, digits,"
                        + " '.', '-' and '_'), was '" + dev.outpost.ops.internal.Text.printable(bucket) + "'");
            }
            if (hour < 0 || hour > 23) {
                bad.put("outpost.ops.export.hour", "must be 0 to 23, was " + hour);
            }
            if (partRecords < 1) {
                bad.put("outpost.ops.export.part-records", "must be at least 1, was " + partRecords);
            }
            if (maxAttempts < 1) {
                bad.put("outpost.ops.export.max-attempts", "must be at least 1, was " + maxAttempts);
            }
            if (poll.isNegative() || poll.isZero() || poll.compareTo(Duration.ofDays(1)) > 0) {
                bad.put("outpost.ops.export.poll", "must be positive and at most 1d, was " + poll);
            }
            if (backoff.isNegative() || backoff.compareTo(Duration.ofDays(1)) > 0) {
                bad.put("outpost.ops.export.backoff", "must be 0 to 1d, was " + backoff);
            }
            bad.forEach((k, v) -> problems.add(new ConfigException.Problem(k, v)));
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new DailyExporter(this);
        }
    }
}
