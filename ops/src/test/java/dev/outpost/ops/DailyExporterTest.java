package dev.outpost.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.testkit.Fauxqs;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.S3Object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Daily exports against fauxqs's S3 (a real S3 server on 127.0.0.1), including a kill -9 mid-export. */
class DailyExporterTest {
    static Fauxqs fauxqs;
    static S3AsyncClient s3;
    static final AtomicInteger BUCKETS = new AtomicInteger();

    @BeforeAll
    static void startS3() throws Exception {
        fauxqs = Fauxqs.start();
        s3 = FauxqsS3.client(fauxqs);
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
        if (fauxqs != null) {
            fauxqs.close();
        }
    }

    static String bucket() {
        String b = "export-" + BUCKETS.incrementAndGet();
        s3.createBucket(r -> r.bucket(b)).join();
        return b;
    }

    static List<String> keys(String bucket) {
        return s3.listObjectsV2(r -> r.bucket(bucket)).join().contents().stream().map(S3Object::key).sorted().toList();
    }

    static List<JsonNode> readBack(String bucket, List<String> keys) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String k : keys) {
            byte[] gz = s3.getObject(r -> r.bucket(bucket).key(k), AsyncResponseTransformer.toBytes()).join().asByteArray();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(new ByteArrayInputStream(gz)),
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    out.add(Json.parse(line));
                }
            }
        }
        return out;
    }

    @Test
    void aDayIsExportedOnceAsGzippedJsonLinesPartitionedByDay() throws Exception {
        String bucket = bucket();
        LocalDate day = LocalDate.parse("2026-12-03");
        AtomicInteger asked = new AtomicInteger();
        DailyExporter e = DailyExporter.builder(s3, d -> {
            asked.incrementAndGet();
            return ExportChildMain.records(d).stream();
        }).bucket(bucket).prefix("scans").partRecords(400).build();
        ExportResult r = e.exportDay(day);
        assertThat(r.alreadyDone()).isFalse();
        assertThat(r.records()).isEqualTo(1000);
        assertThat(keys(bucket)).containsExactly("scans/dt=2026-12-03/_SUCCESS.json", "scans/dt=2026-12-03/part-00000.jsonl.gz",
                "scans/dt=2026-12-03/part-00001.jsonl.gz", "scans/dt=2026-12-03/part-00002.jsonl.gz");
        assertThat(readBack(bucket, r.keys())).isEqualTo(ExportChildMain.records(day));
        ExportResult again = e.exportDay(day);
        assertThat(again.alreadyDone()).isTrue();
        assertThat(again.keys()).isEqualTo(r.keys());
        assertThat(asked).as("a done day is not read again").hasValue(1);
    }

    @Test
    void anObjectListenerThatThrowsNeitherFailsTheDayNorHasItUploadedAgain() throws Exception {
        String bucket = bucket();
        LocalDate day = LocalDate.parse("2026-11-30");
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        // the listener threw out of the attempt after each upload: every attempt failed, the day never got its marker
        DailyExporter e = DailyExporter.builder(s3, d -> ExportChildMain.records(d).stream()).bucket(bucket).prefix("scans")
                .partRecords(400).retries(3, Duration.ZERO).onObject(k -> {
                    heard.add(k);
                    if (k.endsWith(DailyExporter.MARKER)) {
                        throw new IllegalStateException("listener");
                    }
                    throw new AssertionError("listener");
                }).build();
        ExportResult r = e.exportDay(day);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.records()).isEqualTo(1000);
        assertThat(heard).containsExactly("scans/dt=2026-11-30/part-00000.jsonl.gz", "scans/dt=2026-11-30/part-00001.jsonl.gz",
                "scans/dt=2026-11-30/part-00002.jsonl.gz", "scans/dt=2026-11-30/_SUCCESS.json");
        assertThat(keys(bucket)).contains("scans/dt=2026-11-30/_SUCCESS.json");
        assertThat(e.failures()).isZero();
    }

    @Test
    void aDayIsStreamedThroughOwnerOnlyTemporaryFilesThatAreRemoved(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        String bucket = bucket();
        LocalDate day = LocalDate.parse("2026-12-01");
        AtomicInteger produced = new AtomicInteger();
        List<Integer> producedAtUpload = new ArrayList<>();
        List<String> modes = new ArrayList<>();
        DailyExporter e = DailyExporter.builder(s3, d -> ExportChildMain.records(d).stream().peek(r -> {
            if (produced.incrementAndGet() % 50 == 1) {
                try (var files = java.nio.file.Files.list(tmp)) {
                    files.forEach(f -> modes.add(java.nio.file.attribute.PosixFilePermissions.toString(uncheckedMode(f))));
                } catch (java.io.IOException x) {
                    throw new java.io.UncheckedIOException(x);
                }
            }
        })).bucket(bucket).prefix("scans").partRecords(100).tempDirectory(tmp).onObject(k -> producedAtUpload.add(produced.get()))
                .build();
        ExportResult r = e.exportDay(day);
        assertThat(r.records()).isEqualTo(1000);
        assertThat(readBack(bucket, r.keys())).isEqualTo(ExportChildMain.records(day));
        // read lazily: when part N is uploaded, the source has given at most one record past it
        assertThat(producedAtUpload.subList(0, 10)).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(
                (producedAtUpload.indexOf(n) + 1) * 100 + 1));
        assertThat(modes).isNotEmpty().containsOnly("rw-------");
        try (var left = java.nio.file.Files.list(tmp)) {
            assertThat(left).as("temporary files removed").isEmpty();
        }
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> uncheckedMode(Path f) {
        try {
            return java.nio.file.Files.getPosixFilePermissions(f);
        } catch (java.io.IOException x) {
            throw new java.io.UncheckedIOException(x);
        }
    }

    @Test
    void aKillNineMidExportIsFinishedByTheRerunAndTheDayIsExportedExactlyOnce() throws Exception {
        String bucket = bucket();
        LocalDate day = LocalDate.parse("2026-12-02");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx128m", ExportChildMain.class.getName(),
                fauxqs.endpoint().toString(), bucket, day.toString(), "4");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> wrote = new ArrayList<>();
            for (String line = out.readLine(); line != null && wrote.size() < 4; line = out.readLine()) {
                if (line.startsWith("wrote ")) {
                    wrote.add(line.substring(6));
                }
            }
            assertThat(wrote).hasSize(4);
            new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(keys(bucket)).as("data without a marker").hasSize(4).noneMatch(k -> k.endsWith(DailyExporter.MARKER));

        ExportResult r = DailyExporter.builder(s3, d -> ExportChildMain.records(d).stream()).bucket(bucket).prefix("scans").partRecords(100)
                .build().exportDay(day);
        assertThat(r.alreadyDone()).isFalse();
        assertThat(keys(bucket)).hasSize(11).contains("scans/dt=2026-12-02/_SUCCESS.json");
        assertThat(readBack(bucket, r.keys())).as("each record once, in order").isEqualTo(ExportChildMain.records(day));
        assertThat(DailyExporter.builder(s3, d -> {
            throw new AssertionError("a done day is not exported again");
        }).bucket(bucket).prefix("scans").build().exportDay(day).alreadyDone()).isTrue();
    }

    @Test
    void failuresAreRetriedAndTheScheduleExportsThePreviousDayAfterTheHour() throws Exception {
        String bucket = bucket();
        RulesEngineTest.TestClock clock = new RulesEngineTest.TestClock();
        clock.now = Instant.parse("2026-12-04T01:59:00Z");
        AtomicInteger calls = new AtomicInteger();
        ExportSource flaky = d -> {
            if (calls.incrementAndGet() == 1) {
                throw new java.io.IOException("source unavailable");
            }
            return ExportChildMain.records(d).subList(0, 10).stream();
        };
        try (DailyExporter e = DailyExporter.builder(s3, flaky).configure(MapConfig.of(Map.of(
                "outpost.ops.export.bucket", bucket, "outpost.ops.export.hour", "2", "outpost.ops.export.poll", "20ms",
                "outpost.ops.export.backoff", "1ms", "outpost.ops.export.catch-up-days", "1"))).clock(clock).build().start()) {
            clock.awaitReads(10); // polls have looked at the hour
            assertThat(keys(bucket)).as("nothing before the hour").isEmpty();
            assertThat(calls).as("the source is not read before the hour").hasValue(0);
            clock.now = Instant.parse("2026-12-04T02:00:00Z");
            await().atMost(Duration.ofSeconds(20)).until(() -> e.exported() == 1);
            assertThat(e.failures()).isEqualTo(1);
            assertThat(keys(bucket)).containsExactly("outpost/export/dt=2026-12-03/_SUCCESS.json",
                    "outpost/export/dt=2026-12-03/part-00000.jsonl.gz");
        }
    }

    @Test
    void aFailureThatRepeatsIsLoggedWithItsStackTraceOnceThenInOneLine() throws Exception {
        RulesEngineTest.TestClock clock = new RulesEngineTest.TestClock();
        clock.now = Instant.parse("2026-12-04T03:00:00Z");
        ExportSource down = d -> {
            throw new java.io.UncheckedIOException(new java.io.IOException("the record store is unreachable"));
        };
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(DailyExporter.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        log.addAppender(logged);
        List<ch.qos.logback.classic.spi.ILoggingEvent> warnings;
        try (DailyExporter e = DailyExporter.builder(s3, down).configure(MapConfig.of(Map.of(
                "outpost.ops.export.bucket", bucket(), "outpost.ops.export.poll", "1ms", "outpost.ops.export.backoff", "1ms",
                "outpost.ops.export.max-attempts", "3", "outpost.ops.export.catch-up-days", "1"))).clock(clock).build().start()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> e.failures() >= 10); // three polls and more, three attempts each
            // taken while it runs: the close interrupts an attempt in its S3 call, a failure of another kind, with its trace
            log.detachAppender(logged);
            synchronized (logged) { // what appends holds this lock
                warnings = List.copyOf(logged.list);
            }
        } finally {
            log.detachAppender(logged);
        }
        assertThat(warnings).hasSizeGreaterThanOrEqualTo(10);
        // before: every attempt and every poll's failure came with the same stack trace
        assertThat(warnings).filteredOn(w -> w.getThrowableProxy() != null).hasSize(1);
        assertThat(warnings).allSatisfy(w -> assertThat(w.getFormattedMessage()).contains("export")
                .doesNotContain("\n"));
        assertThat(warnings.get(warnings.size() - 1).getFormattedMessage()).contains("the record store is unreachable", "as before");
    }

    @Test
    void daysMissedWhileStoppedAreExportedOldestFirstAndEmptyOnesAreNot() throws Exception {
        String bucket = bucket();
        RulesEngineTest.TestClock clock = new RulesEngineTest.TestClock();
        clock.now = Instant.parse("2026-12-10T03:00:00Z");
        // records on the 1st (outside three days), the 7th and the 9th; the 8th is empty
        java.util.Set<LocalDate> withRecords = java.util.Set.of(LocalDate.parse("2026-12-01"), LocalDate.parse("2026-12-07"),
                LocalDate.parse("2026-12-09"));
        ExportSource source = d -> withRecords.contains(d) ? ExportChildMain.records(d).subList(0, 3).stream()
                : java.util.stream.Stream.empty();
        List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (DailyExporter e = DailyExporter.builder(s3, source).configure(MapConfig.of(Map.of(
                "outpost.ops.export.bucket", bucket, "outpost.ops.export.poll", "20ms", "outpost.ops.export.catch-up-days", "3")))
                .onObject(order::add).clock(clock).build().start()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> e.exported() == 2);
            assertThat(keys(bucket)).containsExactly("outpost/export/dt=2026-12-07/_SUCCESS.json",
                    "outpost/export/dt=2026-12-07/part-00000.jsonl.gz", "outpost/export/dt=2026-12-09/_SUCCESS.json",
                    "outpost/export/dt=2026-12-09/part-00000.jsonl.gz");
            assertThat(order.get(0)).contains("dt=2026-12-07");
        }
    }

    @Test
    void aMissedDayThatFailsForGoodDoesNotStopYesterdaysExport() throws Exception {
        String bucket = bucket();
        RulesEngineTest.TestClock clock = new RulesEngineTest.TestClock();
        clock.now = Instant.parse("2026-12-10T03:00:00Z");
        LocalDate broken = LocalDate.parse("2026-12-08");
        LocalDate unreadable = LocalDate.parse("2026-12-07");
        ExportSource source = d -> {
            if (d.equals(LocalDate.parse("2026-12-06"))) {
                throw new StackOverflowError("the source is user code");
            }
            if (d.equals(unreadable)) {
                throw new java.io.IOException("the 7th's file is unreadable");
            }
            if (d.equals(broken)) { // its first record reads, the second never does
                return ExportChildMain.records(d).subList(0, 3).stream().peek(r -> {
                    if (r.path("n").asInt() > 0) {
                        throw new IllegalStateException("corrupt record");
                    }
                });
            }
            return d.equals(LocalDate.parse("2026-12-09")) ? ExportChildMain.records(d).subList(0, 3).stream()
                    : java.util.stream.Stream.empty();
        };
        try (DailyExporter e = DailyExporter.builder(s3, source).configure(MapConfig.of(Map.of(
                "outpost.ops.export.bucket", bucket, "outpost.ops.export.poll", "20ms", "outpost.ops.export.backoff", "1ms",
                "outpost.ops.export.max-attempts", "2", "outpost.ops.export.catch-up-days", "5"))).clock(clock).build().start()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> e.exported() == 1);
            assertThat(keys(bucket)).containsExactly("outpost/export/dt=2026-12-09/_SUCCESS.json",
                    "outpost/export/dt=2026-12-09/part-00000.jsonl.gz");
        }
    }

    @Test
    void aPollOrBackoffOutOfRangeIsRefusedAtBuild() {
        // a poll past 292 years overflowed in the schedule's pause and ended its thread
        assertThatThrownBy(() -> DailyExporter.builder(s3, d -> java.util.stream.Stream.empty()).configure(MapConfig.of(Map.of(
                "outpost.ops.export.bucket", "exports", "outpost.ops.export.poll", "200000d", "outpost.ops.export.backoff", "PT-1S")))
                .build())
                .isInstanceOf(ConfigException.class)
                .satisfies(x -> assertThat(((ConfigException) x).problems()).extracting(ConfigException.Problem::key)
                        .containsExactlyInAnyOrder("outpost.ops.export.poll", "outpost.ops.export.backoff"));
    }

    @Test
    void theKeysAreTheSameWhateverTheDefaultLocale() {
        // a rerun after a crash, perhaps on another machine, must write the same keys
        String bucket = bucket();
        java.util.Locale before = java.util.Locale.getDefault();
        java.util.Locale.setDefault(java.util.Locale.forLanguageTag("ar-SA"));
        ExportResult r;
        try {
            r = DailyExporter.builder(s3, d -> ExportChildMain.records(d).subList(0, 3).stream()).bucket(bucket).prefix("scans")
                    .build().exportDay(LocalDate.parse("2026-12-05"));
        } finally {
            java.util.Locale.setDefault(before);
        }
        assertThat(r.keys()).containsExactly("scans/dt=2026-12-05/part-00000.jsonl.gz");
    }

    @Test
    void aBucketThatIsNoS3BucketNameIsRefusedAtBuild() {
        // before: the exporter started and every day's export failed at S3, each attempt logged
        for (String bad : List.of("s3://exports", "exports/daily", "b", "my bucket", "-exports")) {
            assertThatThrownBy(() -> DailyExporter.builder(s3, d -> java.util.stream.Stream.empty()).configure(MapConfig.of(Map.of(
                    "outpost.ops.export.bucket", bad))).build())
                    .as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("outpost.ops.export.bucket")
                    .hasMessageContaining("not an S3 bucket name");
        }
        for (String ok : List.of("exports", "my.exports-2026", "Legacy_Bucket")) {
            DailyExporter.builder(s3, d -> java.util.stream.Stream.empty()).bucket(ok).build().close();
        }
    }

    @Test
    void aDayNotOverIsRefusedSoItsLaterRecordsAreNotLeftOut() {
        RulesEngineTest.TestClock clock = new RulesEngineTest.TestClock();
        clock.now = Instant.parse("2026-12-04T23:59:00Z");
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        DailyExporter e = DailyExporter.builder(s3, d -> {
            reads.incrementAndGet();
            return java.util.stream.Stream.empty();
        }).bucket(bucket()).clock(clock).build();
        // before: exported with what the source held then, and marked done: the day's last minute was never exported
        assertThatThrownBy(() -> e.exportDay(LocalDate.parse("2026-12-04"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2026-12-04").hasMessageContaining("not over");
        assertThatThrownBy(() -> e.exportDay(LocalDate.parse("2026-12-05"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(reads).hasValue(0);
        assertThat(e.exportDay(LocalDate.parse("2026-12-03")).records()).isZero();
    }

    @Test
    void badSettingsAreRefusedTogether() {
        assertThatThrownBy(() -> DailyExporter.builder(s3, d -> java.util.stream.Stream.empty()).configure(MapConfig.of(Map.of(
                "outpost.ops.export.hour", "25", "outpost.ops.export.part-records", "0"))).build())
                .isInstanceOf(ConfigException.class)
                .satisfies(x -> assertThat(((ConfigException) x).problems()).extracting(ConfigException.Problem::key)
                        .containsExactlyInAnyOrder("outpost.ops.export.bucket", "outpost.ops.export.hour",
                                "outpost.ops.export.part-records"));
    }
}
