package dev.outpost.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.outpost.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log under attack: a link placed where its file goes, hostile values, a full disk, a sink that fails or never returns. */
class AuditFileAttackTest {
    @TempDir
    Path dir;

    private static AuditEvent event(String id, String sender, String collector) {
        return new AuditEvent(Instant.parse("2026-12-04T10:00:00Z"), AuditEvent.REQUEST, "host-1", Optional.of(id),
                Optional.of(sender), false, Optional.of(collector), Optional.of(Json.parse("{}")), "ok", Duration.ofMillis(1));
    }

    @Test
    void aLinkWhereTheAuditFileGoesIsNeverWrittenThroughNorItsTargetNarrowed() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim.conf"), "precious\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-r--r--"));
        Path file = dir.resolve("audit.jsonl");
        Files.createSymbolicLink(file, victim);

        AuditLog audit = AuditLog.builder(new JsonLinesFileSink(file, 4096, 2)).build().start();
        audit.record(event("r1", "ops", "disk.usage"));
        audit.close();

        assertThat(Files.readString(victim)).isEqualTo("precious\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victim))).isEqualTo("rw-r--r--");
        assertThat(audit.sinkFailures()).as("the lost line is counted").isEqualTo(1);
        assertThat(audit.written()).isZero();
    }

    @Test
    void aHostileValueOfAnySizeMakesOneLineOfValidJsonOfBoundedSize() {
        AuditLog audit = AuditLog.toFile(dir.resolve("a.jsonl")).build();
        String huge = "x\n\u2028\"\\\u0000\uD800".repeat(100_000);
        String line = audit.render(event(huge, huge, huge));
        assertThat(line).doesNotContain("\n", "\r");
        assertThat(line.getBytes(StandardCharsets.UTF_8).length).isLessThan(16 * 1024);
        var parsed = Json.parse(line);
        for (String field : List.of("requestId", "sender", "target")) {
            assertThat(parsed.path(field).asText()).as(field).startsWith("x\n\u2028\"\\\u0000?x").endsWith("…");
        }
        assertThat(parsed.path("outcome").asText()).isEqualTo("ok");
    }

    @Test
    void aSinkThatFailsEveryBatchIsLoggedOnceNotOncePerBatch() {
        ch.qos.logback.classic.Logger auditLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(AuditLog.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        auditLog.addAppender(logged);
        try {
            AuditLog audit = AuditLog.builder(lines -> {
                throw new java.io.IOException("No space left on device");
            }).build().start();
            for (int i = 1; i <= 20; i++) {
                audit.record(event("r" + i, "ops", "disk.usage"));
                int batches = i;
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> audit.sinkFailures() == batches);
            }
            audit.close();
        } finally {
            auditLog.detachAppender(logged);
        }
        // a full disk fails every batch: a warning each time would fill the log (often the same disk) in its turn
        assertThat(logged.list).filteredOn(e -> e.getFormattedMessage().contains("No space left")).hasSizeBetween(1, 2)
                .first().satisfies(e -> assertThat(e.getFormattedMessage()).contains("1 line"));
        assertThat(logged.list).filteredOn(e -> e.getFormattedMessage().contains("No space left")).last()
                .satisfies(e -> assertThat(e.getFormattedMessage()).contains("19 lines"));
    }

    @Test
    void rotationKeepsItsCountWhenLinesAreLargerThanAFile() throws Exception {
        for (int keep = 0; keep <= 1; keep++) {
            Path sub = Files.createDirectories(dir.resolve("keep" + keep));
            Path file = sub.resolve("audit.jsonl");
            AuditLog audit = AuditLog.toFile(file).rotation(1024, keep).build().start();
            for (int i = 0; i < 30; i++) {
                audit.record(event(i + "-" + "x".repeat(1500), "ops", "disk.usage"));
            }
            audit.close();
            assertThat(audit.written()).isEqualTo(30);
            try (var files = Files.list(sub)) {
                List<Path> all = files.toList();
                assertThat(all).hasSize(keep + 1);
                for (Path p : all) {
                    List<String> lines = Files.readAllLines(p);
                    assertThat(lines).as(p.toString()).hasSize(1); // a line larger than a file has a file of its own
                    Json.parse(lines.get(0));
                }
            }
            assertThat(Files.readString(file)).startsWith("{").contains("\"29-x");
        }
    }

    @Test
    void aRotationThatCannotMoveTheFileAsideLosesLinesCountedNeverGrowsTheFilePastItsSize() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        Path inTheWay = Files.createDirectories(dir.resolve("audit.jsonl.1").resolve("in-the-way"));
        AuditLog audit = AuditLog.toFile(file).rotation(1024, 1).build().start();
        for (int i = 0; i < 100; i++) {
            audit.record(event("r" + i, "ops", "disk.usage"));
            if (i % 10 == 9) { // batches of ten, each of which needs a rotation once the file is full
                long batches = i / 10 + 1;
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                        .until(() -> audit.written() / 10 + audit.sinkFailures() >= batches);
            }
        }
        assertThat(Files.size(file)).isLessThanOrEqualTo(1024);
        assertThat(audit.sinkFailures()).isPositive();

        Files.delete(inTheWay); // the operator clears the way: rotation, and the lines, resume
        audit.record(event("after", "ops", "disk.usage"));
        audit.close();
        assertThat(Files.readString(file)).contains("\"after\"");
        assertThat(Files.size(file)).isLessThanOrEqualTo(1024);
        assertThat(Files.size(dir.resolve("audit.jsonl.1"))).isLessThanOrEqualTo(1024);
    }

    @Test
    void aSinkStuckPastTheShutdownIsNotWrittenToAfterItIsClosedNorItsEventsCountedTwice() throws Exception {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        AuditSink stuck = new AuditSink() {
            @Override
            public void write(List<String> lines) {
                calls.add("write " + lines.size());
                entered.countDown();
                boolean released = false;
                while (!released) { // deaf to the interrupt the shutdown sends
                    try {
                        released = release.await(1, TimeUnit.MINUTES);
                    } catch (InterruptedException ignored) {
                        // as a careless sink does
                    }
                }
            }

            @Override
            public void close() {
                calls.add("close");
            }
        };
        java.util.concurrent.atomic.AtomicReference<Thread> writer = new java.util.concurrent.atomic.AtomicReference<>();
        AuditLog audit = AuditLog.builder(stuck).bufferSize(10).drainTimeout(Duration.ZERO).threadFactory(r -> {
            Thread t = new Thread(r);
            writer.compareAndSet(null, t); // the first is the writer (the shutdown makes one too)
            return t;
        }).build().start();
        audit.record(event("first", "ops", "disk.usage"));
        entered.await();
        for (int i = 0; i < 100; i++) {
            audit.record(event("r" + i, "ops", "disk.usage"));
        }
        assertThat(audit.shutdown().get(1, TimeUnit.MINUTES).clean()).isFalse();
        release.countDown();
        writer.get().join(TimeUnit.MINUTES.toMillis(1));
        assertThat(writer.get().isAlive()).isFalse();
        // what the shutdown gave up on is dropped, once: not written later to a sink it has closed
        assertThat(calls).containsExactly("write 1", "close");
        assertThat(audit.written() + audit.dropped()).as("written %d dropped %d", audit.written(), audit.dropped()).isEqualTo(101);
    }

    /** Run in a process whose files may not grow past a few KiB: the disk is full for it. */
    public static void main(String[] args) throws Exception {
        AuditLog audit = AuditLog.toFile(Path.of(args[0])).rotation(1L << 20, 1).build().start();
        for (int i = 0; i < 40; i++) {
            audit.record(event("request-" + i + "-" + "p".repeat(200), "ops", "disk.usage"));
            // the first lines written whatever the load, then the rest: one batch is cut at the limit, the others fail
            while (i == 4 && audit.written() < 5) {
                Thread.onSpinWait();
            }
        }
        audit.close();
        System.out.println(audit.written() + " " + audit.sinkFailures());
    }

    @Test
    void aFullDiskLosesWholeLinesCountedAndNeverLeavesAPartialOne() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // RLIMIT_FSIZE: a write past 4 KiB fails (EFBIG) as one on a full disk does (ENOSPC), after writing what fit
        Process p = new ProcessBuilder("bash", "-c", "ulimit -f 4 && exec \"$0\" -XX:-UsePerfData -cp \"$1\" "
                + AuditFileAttackTest.class.getName() + " \"$2\"", java, System.getProperty("java.class.path"), file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        String[] last = out.strip().split("\\R");
        String[] counts = last[last.length - 1].split(" ");
        assertThat(Long.parseLong(counts[1])).as(out).isPositive();

        String text = Files.readString(file);
        assertThat(text).isNotEmpty().endsWith("\n");
        List<String> lines = text.lines().toList();
        assertThat(lines).hasSize(Integer.parseInt(counts[0]));
        for (String l : lines) {
            assertThatCode(() -> Json.parse(l)).as(l).doesNotThrowAnyException();
        }
    }
}
