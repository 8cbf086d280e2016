package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.CollectorException;
import dev.outpost.Request;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCollectorTest {
    @TempDir
    Path tmp;
    private Path logs;
    private Path secret;
    private final FileCollector collector = new FileCollector();

    @BeforeEach
    void files() throws Exception {
        logs = Files.createDirectory(tmp.resolve("logs"));
        Files.writeString(logs.resolve("app.log"), IntStream.rangeClosed(1, 1000).mapToObj(i -> "line " + i)
                .collect(Collectors.joining("\n", "", "\n")));
        secret = Files.createDirectory(tmp.resolve("secret"));
        Files.writeString(secret.resolve("key"), "TOP SECRET");
    }

    private JsonNode read(Map<String, Object> params) throws Exception {
        return (JsonNode) collector.collect(Request.builder(FileCollector.NAME).params(params).build(),
                TestContext.of(Map.of("allow-paths", logs.toString(), "max-bytes", "4096")));
    }

    private void refused(Map<String, Object> params, String code) {
        assertThatThrownBy(() -> read(params)).isInstanceOfSatisfying(CollectorException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.isRetryable()).isFalse();
            assertThat(e.getMessage()).doesNotContain("TOP SECRET");
        });
    }

    @Test
    void readsAndTailsAllowedFilesWithinTheCap() throws Exception {
        JsonNode r = read(Map.of("path", logs.resolve("app.log").toString()));
        assertThat(r.get("content").asText()).startsWith("line 1\nline 2\n").hasSize(4096);
        assertThat(r.get("truncated").asBoolean()).isTrue();
        assertThat(r.get("sizeBytes").asLong()).isEqualTo(Files.size(logs.resolve("app.log")));

        JsonNode tail = read(Map.of("path", logs.resolve("app.log").toString(), "mode", "tail", "lines", 3));
        assertThat(tail.get("content").asText()).isEqualTo("line 998\nline 999\nline 1000\n");

        JsonNode small = read(Map.of("path", logs.resolve("app.log").toString(), "maxBytes", 14));
        assertThat(small.get("content").asText()).isEqualTo("line 1\nline 2\n");
        refused(Map.of("path", logs.resolve("app.log").toString(), "maxBytes", 1_000_000), "bad-params");
    }

    @Test
    void symlinksAndDotDotOutOfTheAllowListAreRefused() throws Exception {
        Files.createSymbolicLink(logs.resolve("escape"), secret.resolve("key"));
        Files.createSymbolicLink(logs.resolve("dir-escape"), secret);
        refused(Map.of("path", logs.resolve("escape").toString()), "path-not-allowed");
        refused(Map.of("path", logs.resolve("dir-escape").resolve("key").toString()), "path-not-allowed");
        refused(Map.of("path", logs + "/../secret/key"), "path-not-allowed");
        refused(Map.of("path", secret.resolve("key").toString()), "path-not-allowed");
        refused(Map.of("path", "/etc/passwd"), "path-not-allowed");
        // missing outside the allow-list looks the same as present outside it
        refused(Map.of("path", secret.resolve("nothing").toString()), "path-not-allowed");
        refused(Map.of("path", logs.resolve("nothing").toString()), "not-found");
        refused(Map.of("path", "relative/app.log"), "bad-params");
        refused(Map.of("path", logs.resolve("app.log") + "\u0000.txt"), "bad-params");
    }

    @Test
    void whatLiesOutsideTheAllowListCannotBeProbedThroughTheError() throws Exception {
        Files.createSymbolicLink(logs.resolve("dir-escape"), secret);
        // secret/key exists: a path through it fails with "Not a directory", secret/nothing/x with "No such file"
        refused(Map.of("path", secret.resolve("key").resolve("x").toString()), "path-not-allowed");
        refused(Map.of("path", secret.resolve("nothing").resolve("x").toString()), "path-not-allowed");
        // through a symlink out of the allow-list, a missing file answers as a present one does
        refused(Map.of("path", logs.resolve("dir-escape").resolve("key").toString()), "path-not-allowed");
        refused(Map.of("path", logs.resolve("dir-escape").resolve("nothing").toString()), "path-not-allowed");
        // inside the allow-list, missing is still said
        refused(Map.of("path", logs.resolve("app.log").resolve("x").toString()), "not-found");
        refused(Map.of("path", logs.resolve("new").resolve("x.log").toString()), "not-found");
    }

    @Test
    void aSymlinkInsideTheAllowListIsFollowedAndDirectoriesAreNotFiles() throws Exception {
        Files.createSymbolicLink(logs.resolve("current"), logs.resolve("app.log"));
        assertThat(read(Map.of("path", logs.resolve("current").toString(), "mode", "tail", "lines", 1))
                .get("content").asText()).isEqualTo("line 1000\n");
        refused(Map.of("path", logs.toString()), "not-a-file");
    }

    @Test
    void nothingIsReadableWithoutAllowPaths() {
        assertThatThrownBy(() -> collector.collect(Request.builder(FileCollector.NAME)
                .params(Map.of("path", logs.resolve("app.log").toString())).build(), TestContext.empty()))
                .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isEqualTo("path-not-allowed"));
    }

    @Test
    void aFileSwappedForAFifoAfterItWasCheckedDoesNotHoldTheCollectorPastItsDeadline() throws Exception {
        Path swapped = logs.resolve("swapped.log");
        Files.writeString(swapped, "checked as a regular file");
        // between the check and the open, someone who may write to the allowed folder puts a FIFO there (no writer comes)
        FileCollector racing = new FileCollector(p -> {
            try {
                Files.delete(p);
                assertThat(new ProcessBuilder("mkfifo", p.toString()).start().waitFor()).isZero();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // the worker's deadline is already here: the collector must give up rather than wait for a writer
        TestContext due = new TestContext(Instant.now(), Map.of("allow-paths", logs.toString()));
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> racing.collect(
                    Request.builder(FileCollector.NAME).params(Map.of("path", swapped.toString())).build(), due))
                    .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isEqualTo("not-a-file")));
            // and the thread that was held by the open is let go
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("outpost-host-file-open")) {
                    t.join();
                }
            }
        } finally {
            // lets a reader the open still holds (before the fix) go: a read-write open of a FIFO never waits
            FileChannel.open(swapped, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
        }
    }

    @Test
    void pseudoFilesThatReportNoSizeAreReadToTheCap() throws Exception {
        // /proc and /sys files are regular files whose size reads 0 whatever they hold
        Path proc = Path.of("/proc/self");
        Assumptions.assumeTrue(Files.isDirectory(proc) && Files.size(proc.resolve("status")) == 0);
        TestContext procAllowed = TestContext.of(Map.of("allow-paths", proc.toString(), "max-bytes", "4096"));
        JsonNode r = (JsonNode) collector.collect(Request.builder(FileCollector.NAME)
                .params(Map.of("path", proc.resolve("status").toString())).build(), procAllowed);
        assertThat(r.get("content").asText()).startsWith("Name:").contains("\nPid:");
        assertThat(r.get("bytesRead").asInt()).isEqualTo(r.get("content").asText().length());
        assertThat(r.get("truncated").asBoolean()).isFalse();

        JsonNode small = (JsonNode) collector.collect(Request.builder(FileCollector.NAME)
                .params(Map.of("path", proc.resolve("status").toString(), "maxBytes", 5)).build(), procAllowed);
        assertThat(small.get("content").asText()).isEqualTo("Name:");
        assertThat(small.get("truncated").asBoolean()).isTrue();

        // tail: the last lines of what the file held, which a size of 0 hid
        JsonNode tail = (JsonNode) collector.collect(Request.builder(FileCollector.NAME)
                .params(Map.of("path", proc.resolve("status").toString(), "mode", "tail", "lines", 1, "maxBytes", 200))
                .build(), procAllowed);
        assertThat(tail.get("content").asText()).endsWith("\n").doesNotContain("Name:").isNotBlank();
        assertThat(tail.get("content").asText().strip()).doesNotContain("\n");
    }

    @Test
    void aFifoWithASilentWriterSwappedInAfterTheCheckDoesNotHoldTheReadPastTheDeadline() throws Exception {
        Path swapped = logs.resolve("swapped-read.log");
        Files.writeString(swapped, "checked as a regular file");
        FileChannel[] writer = new FileChannel[1];
        // the FIFO has a writer that never writes: the open returns, and a read of what reports size 0 would wait for ever
        FileCollector racing = new FileCollector(p -> {
            try {
                Files.delete(p);
                assertThat(new ProcessBuilder("mkfifo", p.toString()).start().waitFor()).isZero();
                writer[0] = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        TestContext due = new TestContext(Instant.now().plusSeconds(1), Map.of("allow-paths", logs.toString()));
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> racing.collect(
                    Request.builder(FileCollector.NAME).params(Map.of("path", swapped.toString())).build(), due))
                    // io-failed: the read gave up; not-a-file if a loaded machine let the deadline pass during the open
                    .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isIn("io-failed", "not-a-file")));
            // and the reading thread is let go
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("outpost-host-file-read")) {
                    t.join();
                }
            }
        } finally {
            if (writer[0] != null) {
                writer[0].close();
            }
        }
    }
}
