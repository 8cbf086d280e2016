package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.spi.RegistryEntry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM writes to the registry and is killed with {@code kill -9} at a
 * random moment, 20 times over the same file: every write whose return the child reported is
 * there after the restart with its version, every reported delete stays deleted, and the file
 * passes SQLite's integrity check (nothing half-written).
 */
class KillNineTest {
    @TempDir
    Path dir;

    @Test
    void everyWriteThatReturnedSurvivesKillNine() throws Exception {
        Path db = dir.resolve("kill.db");
        Map<String, Long> written = new HashMap<>();
        Set<String> deleted = new HashSet<>();
        Set<String> deleting = new HashSet<>();
        Random rnd = new Random(42);
        int totalAcked = 0;
        for (int round = 0; round < 20; round++) {
            int target = 100 + rnd.nextInt(200);
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Xmx128m", KillableWriterMain.class.getName(),
                    db.toString(), Integer.toString(round));
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            int acked = 0;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (!apply(line, written, deleting, deleted)) {
                        break; // a line cut by the kill: the write returned but its report did not
                    }
                    if (++acked == target) {
                        // kill -9 itself: Process.destroyForcibly would also close our end of its stdout,
                        // losing the reports of writes that returned just before the kill
                        new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start().waitFor();
                    }
                }
            }
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(acked).as("round %d reported writes before the kill", round).isGreaterThanOrEqualTo(target);
            totalAcked += acked;

            try (SqliteRegistry kv = SqliteRegistry.open(db)) {
                for (Map.Entry<String, Long> w : written.entrySet()) {
                    if (deleted.contains(w.getKey())) {
                        assertThat(kv.get(w.getKey())).as("deleted %s", w.getKey()).isEmpty();
                    } else if (deleting.contains(w.getKey())) {
                        // the delete was under way at the kill: absent, or present at its version
                        kv.get(w.getKey()).ifPresent(e -> assertThat(e.version()).isEqualTo(w.getValue()));
                    } else {
                        RegistryEntry e = kv.get(w.getKey()).orElseThrow(() -> new AssertionError("lost " + w.getKey()));
                        assertThat(e.version()).as(w.getKey()).isEqualTo(w.getValue());
                        assertThat(e.value().get("u").asInt()).isEqualTo(e.value().get("i").asInt());
                    }
                }
                // anything in the store beyond the reported writes is whole: a full register+update or a register
                for (RegistryEntry e : kv.list("kill/")) {
                    assertThat(e.value().has("i")).isTrue();
                    assertThat(e.version()).isBetween(1L, 2L);
                }
            }
            assertThat(SqliteRegistry.verify(db)).isPositive();
        }
        assertThat(totalAcked).isGreaterThan(2000);
    }

    private static boolean apply(String line, Map<String, Long> written, Set<String> deleting, Set<String> deleted) {
        String[] parts = line.split(" ");
        if (parts.length == 3 && parts[0].equals("W")) {
            written.put(parts[1], Long.parseLong(parts[2]));
            return true;
        }
        if (parts.length == 2 && parts[0].equals("d") && written.containsKey(parts[1])) {
            deleting.add(parts[1]);
            return true;
        }
        if (parts.length == 2 && parts[0].equals("D") && written.containsKey(parts[1])) {
            deleted.add(parts[1]);
            return true;
        }
        return false;
    }
}
