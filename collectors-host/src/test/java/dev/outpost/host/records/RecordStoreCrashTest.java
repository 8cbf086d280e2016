package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real process storing records is killed with kill -9; no record it acknowledged is lost. */
class RecordStoreCrashTest {
    @TempDir
    Path dir;

    private Map<String, String> runAndKill(Path records) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                RecordStoreCrashChild.class.getName(), records.toString()).redirectErrorStream(false).start();
        Map<String, String> acked = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    String[] p = line.split(" ");
                    acked.put(p[1], p[2]);
                    if (acked.size() >= 400) {
                        child.destroyForcibly(); // SIGKILL, in the middle of other writers' stores
                        break;
                    }
                }
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acked).hasSizeGreaterThanOrEqualTo(400);
        return acked;
    }

    private static void assertAllThere(Path records, Map<String, String> acked) throws Exception {
        try (RecordStore store = RecordStore.builder(records).build().start()) {
            for (Map.Entry<String, String> e : acked.entrySet()) {
                StoredRecord r = store.read(e.getValue());
                assertThat(r.requestId()).isEqualTo(e.getKey());
                StoreResult again = store.store(e.getKey(), r.source(), JsonNodeFactory.instance.objectNode(), Optional.empty());
                assertThat(again.duplicate()).as("still exactly once: %s", e.getKey()).isTrue();
                assertThat(again.fileName()).isEqualTo(e.getValue());
            }
            assertThat(store.count()).isGreaterThanOrEqualTo(acked.size());
        }
    }

    @Test
    void killNineLosesNoAcknowledgedRecord() throws Exception {
        Path records = dir.resolve("records");
        assertAllThere(records, runAndKill(records));
    }

    @Test
    void whatOnlyTheJournalHeldIsWrittenAgainOnStart() throws Exception {
        Path records = dir.resolve("records");
        Map<String, String> acked = runAndKill(records);
        // as after a power cut: the files written after the journal fsync never reached the disk
        try (Stream<Path> s = Files.list(records)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".json")).toList()) {
                Files.write(p, new byte[0]);
            }
        }
        try (Stream<Path> s = Files.walk(records.resolve(".outpost/ids"))) {
            List<Path> markers = s.filter(Files::isRegularFile).toList();
            for (Path m : markers) {
                Files.delete(m);
            }
        }
        assertAllThere(records, acked);
    }
}
