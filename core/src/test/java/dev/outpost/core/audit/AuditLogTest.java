package dev.outpost.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.core.config.OutpostConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
    @TempDir
    Path dir;

    static AuditEvent event(String id, String params) {
        return new AuditEvent(Instant.parse("2026-12-04T10:00:00Z"), AuditEvent.REQUEST, "host-1", Optional.of(id),
                Optional.of("ops"), true, Optional.of("disk.usage"), Optional.of(Json.parse(params)), "ok",
                Duration.ofMillis(2));
    }

    private static List<String> lines(Path dir) throws IOException {
        List<String> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                all.addAll(Files.readAllLines(f));
            }
        }
        return all;
    }

    @Test
    void everyRecordedEventIsWrittenExactlyOnceUnderLoad() throws Exception {
        // a long drain: the writer ends as soon as the buffer is empty, however busy the machine is
        AuditLog audit = AuditLog.toFile(dir.resolve("audit.jsonl")).rotation(1024 * 1024, 100)
                .drainTimeout(Duration.ofMinutes(2)).build().start();
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int base = t * 5_000;
            Thread w = new Thread(() -> {
                for (int i = 0; i < 5_000; i++) {
                    assertThat(audit.record(event("r" + (base + i), "{\"n\":" + i + "}"))).isTrue();
                }
            });
            writers.add(w);
            w.start();
        }
        for (Thread w : writers) {
            w.join();
        }
        assertThat(audit.shutdown().get().clean()).isTrue();

        List<String> lines = lines(dir);
        Set<String> ids = new HashSet<>();
        for (String line : lines) {
            ids.add(Json.parse(line).path("requestId").asText());
        }
        assertThat(lines).hasSize(20_000);
        assertThat(ids).hasSize(20_000);
        assertThat(audit.dropped()).isZero();
        assertThat(audit.written()).isEqualTo(20_000);
    }

    @Test
    void aSlowSinkNeverBlocksTheCallerAndDropsAreCounted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        AuditSink stuck = lines -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        ch.qos.logback.classic.Logger auditLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(AuditLog.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        auditLog.addAppender(logged);
        AuditLog audit = AuditLog.builder(stuck).bufferSize(10).build().start();
        audit.record(event("first", "{}"));
        entered.await();
        int accepted = 0;
        for (int i = 0; i < 1_000; i++) {
            if (audit.record(event("r" + i, "{}"))) {
                accepted++;
            }
        }
        // this thread got here while the sink was stuck: recording never waited for it
        assertThat(accepted).isEqualTo(10);
        assertThat(audit.dropped()).isEqualTo(990);
        release.countDown();
        audit.close();
        auditLog.detachAppender(logged);
        // the holes in the trail are in the log too, once (not a line per dropped event)
        assertThat(logged.list).filteredOn(e -> e.getFormattedMessage().contains("dropped")).singleElement()
                .satisfies(e -> assertThat(e.getFormattedMessage()).contains("990 events dropped", "buffer of 10"));
    }

    @Test
    void linesHashParamsCanonicallyAndShowThemOnlyWhenAsked() throws Exception {
        AuditLog hashed = AuditLog.toFile(dir.resolve("a.jsonl")).build();
        String one = hashed.render(event("1", "{\"a\":1,\"b\":{\"y\":2,\"x\":[1,\"s\"]}}"));
        String two = hashed.render(event("2", "{\"b\":{\"x\":[1,\"s\"],\"y\":2},\"a\":1}"));
        assertThat(Json.parse(one).path("paramsSha256").asText()).hasSize(64)
                .isEqualTo(Json.parse(two).path("paramsSha256").asText());
        assertThat(Json.parse(one).has("params")).isFalse();
        assertThat(Json.parse(one).path("sender").asText()).isEqualTo("ops");
        assertThat(Json.parse(one).path("durationMicros").asLong()).isEqualTo(2000);

        AuditLog full = AuditLog.toFile(dir.resolve("b.jsonl")).includeParams(true).build();
        assertThat(Json.parse(full.render(event("3", "{\"a\":1}"))).path("params").path("a").asInt()).isEqualTo(1);
    }

    @Test
    void aSinkOfYourOwnGetsTheLinesTheFileGetsWhateverTheTextHolds() throws Exception {
        List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
        AuditLog custom = AuditLog.builder(got::addAll).build().start();
        Path file = dir.resolve("audit.jsonl");
        AuditLog toFile = AuditLog.toFile(file).build().start();
        String[] ids = {"plain", "é-ü", "line\nbreak", "quote\"and\\", "😀 pair", "lone \uD800 surrogate", "tab\tand\u0001"};
        for (String id : ids) {
            AuditEvent e = event(id, "{\"zé\":\"😀\",\"a\":[1,2.5,null]}");
            custom.record(e);
            toFile.record(e);
        }
        custom.close();
        toFile.close();
        List<String> written = Files.readAllLines(file);
        assertThat(got).isEqualTo(written).hasSize(ids.length);
        for (int i = 0; i < ids.length; i++) {
            String expectedId = ids[i].replace('\uD800', '?'); // as the JDK's UTF-8 encoder writes an unpaired surrogate
            assertThat(Json.parse(written.get(i)).path("requestId").asText()).isEqualTo(expectedId);
            assertThat(Json.parse(written.get(i)).path("paramsSha256").asText())
                    .isEqualTo(AuditLog.sha256(Json.parse("{\"a\":[1,2.5,null],\"zé\":\"😀\"}")));
        }
    }

    @Test
    void filesRotateByCountAndAreOwnerOnly() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        AuditLog audit = AuditLog.toFile(file).rotation(2048, 2).build().start();
        for (int i = 0; i < 200; i++) {
            audit.record(event("r" + i, "{}"));
        }
        audit.close();
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> all = files.toList();
            assertThat(all).extracting(p -> p.getFileName().toString())
                    .containsExactlyInAnyOrder("audit.jsonl", "audit.jsonl.1", "audit.jsonl.2");
            for (Path p : all) {
                assertThat(Files.size(p)).isLessThanOrEqualTo(2048);
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
            }
        }
        // the newest lines are kept
        assertThat(lines(dir)).anyMatch(l -> l.contains("\"r199\""));
    }

    @Test
    void aFailingSinkIsCountedAndTheWriterGoesOn() {
        List<String> got = new ArrayList<>();
        AuditSink flaky = lines -> {
            if (lines.stream().anyMatch(l -> l.contains("\"bad\""))) {
                throw new OutOfMemoryError("sink ran out");
            }
            synchronized (got) {
                got.addAll(lines);
            }
        };
        try (AuditLog audit = AuditLog.builder(flaky).build().start()) {
            audit.record(event("bad", "{}"));
            await().atMost(Duration.ofSeconds(5)).until(() -> audit.sinkFailures() == 1);
            audit.record(event("good", "{}"));
            await().atMost(Duration.ofSeconds(5)).until(() -> audit.written() == 1);
        }
        assertThat(got).hasSize(1).first().asString().contains("\"good\"");
    }

    @Test
    void aFileThatIsADirectoryIsRefusedAtBuildNotDiscoveredByDroppingEveryLine() throws Exception {
        Path directory = java.nio.file.Files.createDirectories(dir.resolve("audit.jsonl"));
        assertThatThrownBy(() -> AuditLog.toFile(directory).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> {
                            assertThat(p.key()).isEqualTo("outpost.audit.file");
                            assertThat(p.message()).contains("is a directory");
                        }));
        OutpostConfig config = OutpostConfig.builder()
                .set("outpost.audit.file", directory.toString()).build();
        assertThatThrownBy(() -> AuditLog.fromConfig(config).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("is a directory");
    }

    @Test
    void aBufferPastTheLargestIsRefusedBeforeAnyMemoryIsTaken() {
        assertThatThrownBy(() -> AuditLog.builder(lines -> { }).bufferSize(AuditLog.MAX_BUFFER + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 1048576");
        OutpostConfig config = OutpostConfig.builder().set("outpost.audit.buffer", "2000000000").build();
        assertThatThrownBy(() -> AuditLog.builder(lines -> { }).configure(config).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> assertThat(p.key()).isEqualTo("outpost.audit.buffer")));
        assertThat(AuditLog.builder(lines -> { }).bufferSize(AuditLog.MAX_BUFFER).build()).isNotNull();
    }

    @Test
    void eachLineCarriesItsOwnValuesWhenConsecutiveLinesRepeatOrChangeThem() {
        AuditLog audit = AuditLog.toFile(dir.resolve("c.jsonl")).build();
        String[][] values = {{"host-1", "ops", "disk.usage", "ok"}, {"host-1", "ops", "disk.usage", "ok"},
            {"host-2", "ops\"x", "disk.usage", "error"}, {"host-1", "ops", "dïsk.usage", "ok"},
            {new String("host-1"), "ops", "disk.usage", "rejected:unknown-sender"}};
        for (String[] v : values) {
            AuditEvent e = new AuditEvent(Instant.parse("2026-12-04T10:00:00.5Z"), AuditEvent.REQUEST, v[0], Optional.of("r1"),
                    Optional.of(v[1]), false, Optional.of(v[2]), Optional.empty(), v[3], Duration.ofMillis(1));
            com.fasterxml.jackson.databind.JsonNode line = Json.parse(audit.render(e));
            assertThat(line.path("component").asText()).isEqualTo(v[0]);
            assertThat(line.path("sender").asText()).isEqualTo(v[1]);
            assertThat(line.path("target").asText()).isEqualTo(v[2]);
            assertThat(line.path("outcome").asText()).isEqualTo(v[3]);
            assertThat(line.path("time").asText()).isEqualTo("2026-12-04T10:00:00.500Z");
            assertThat(line.path("authenticated").asBoolean(true)).isFalse();
        }
    }

    @Test
    void linesFromManyThreadsAreAllWrittenOnceAndInTimeOrderPerThread() throws Exception {
        List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
        int threads = 6;
        int each = 5_000;
        // room for every event even if the writer never runs until the end (a loaded machine): besides the events,
        // each stripe (at most 8) may hold up to a chunk (at most 64) of room that other threads cannot use
        AuditLog audit = AuditLog.builder(got::addAll).bufferSize(threads * each + 8 * 64).build().start();
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    audit.record(new AuditEvent(Instant.ofEpochSecond(1_800_000_000L, i * 1000L), AuditEvent.REQUEST, "host-1",
                            Optional.of(id + "-" + i), Optional.empty(), false, Optional.empty(), Optional.empty(), "ok",
                            Duration.ZERO));
                }
            });
            th.start();
            started.add(th);
        }
        for (Thread th : started) {
            th.join();
        }
        audit.close();
        assertThat(audit.dropped()).isZero();
        assertThat(got).hasSize(threads * each);
        int[] next = new int[threads];
        for (String line : got) {
            String[] id = Json.parse(line).path("requestId").asText().split("-");
            int t = Integer.parseInt(id[0]);
            assertThat(Integer.parseInt(id[1])).as("thread %d's lines in order", t).isEqualTo(next[t]++);
        }
    }

    @Test
    void eventsRecordedOneAfterAnotherOnDifferentThreadsAreWrittenInThatOrderWhateverTheirTime() throws Exception {
        // a broker's calls: each recorded on whichever loop thread took it, after the previous call
        // returned, all with the same time (a fixed clock); the writer is held so they queue up together
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
        AuditLog audit = AuditLog.builder(lines -> {
            held.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            got.addAll(lines);
        }).build().start();
        audit.record(event("first", "{}"));
        held.await();
        int count = 300;
        recordInTurn(audit, 5, count, i -> i * 7 + i / 5);
        release.countDown();
        audit.close();
        assertThat(audit.dropped()).isZero();
        List<String> ids = got.stream().map(l -> Json.parse(l).path("requestId").asText()).toList();
        List<String> expected = new ArrayList<>(List.of("first"));
        expected.addAll(calls(count));
        assertThat(ids).containsExactlyElementsOf(expected);
    }

    @Test
    void eventsRecordedOneAfterAnotherStayInOrderWhileMoreThreadsThanStripesRecordAtOnce() throws Exception {
        // stripes are shared once threads outnumber them (2 on a 2-core machine): a recorder between its
        // claim and its store must not let the writer take a later call from another stripe first
        List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
        AuditLog audit = AuditLog.builder(got::addAll).bufferSize(AuditLog.MAX_BUFFER).build().start();
        int noisy = 4;
        List<Thread> noise = new ArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean chainDone = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.LongAdder recorded = new java.util.concurrent.atomic.LongAdder();
        for (int t = 0; t < noisy; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                for (int i = 0; !chainDone.get(); i++) {
                    if (recorded.sum() - audit.written() > 100_000) { // never near full: no call is dropped
                        Thread.yield();
                        continue;
                    }
                    audit.record(event("n" + id + "-" + i, "{}"));
                    recorded.increment();
                }
            });
            th.start();
            noise.add(th);
        }
        int count = 3_000;
        try {
            recordInTurn(audit, 3, count, i -> i);
        } finally {
            chainDone.set(true);
        }
        for (Thread th : noise) {
            th.join();
        }
        audit.close();
        assertThat(audit.dropped()).isZero();
        List<String> calls = got.stream().map(l -> Json.parse(l).path("requestId").asText()).filter(id -> id.startsWith("call-"))
                .toList();
        assertThat(calls).containsExactlyElementsOf(calls(count));
    }

    /**
     * Records {@code call-0} … on {@code threads} threads, call {@code i} on thread
     * {@code pick(i) % threads}, each once the previous one's {@code record} returned.
     */
    private static void recordInTurn(AuditLog audit, int threads, int count, java.util.function.IntUnaryOperator pick)
            throws Exception {
        ExecutorService[] loops = new ExecutorService[threads];
        for (int t = 0; t < threads; t++) {
            loops[t] = Executors.newSingleThreadExecutor();
        }
        try {
            for (int i = 0; i < count; i++) {
                String id = "call-" + i;
                assertThat(loops[pick.applyAsInt(i) % threads].submit(() -> audit.record(event(id, "{}"))).get()).isTrue();
            }
        } finally {
            for (ExecutorService loop : loops) {
                loop.shutdown();
            }
        }
    }

    private static List<String> calls(int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add("call-" + i);
        }
        return out;
    }
}
