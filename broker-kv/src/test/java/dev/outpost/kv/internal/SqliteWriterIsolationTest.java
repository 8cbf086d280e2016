package dev.outpost.kv.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.core.registry.WatchHub;
import dev.outpost.kv.SqliteRegistry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One write of a group-commit batch failing with something other than a refusal (a bug in its
 * body, an SQL error, an {@link Error}) fails alone: the batch's other writes commit and survive
 * a restart, and what the failing write had already written is rolled back.
 */
class SqliteWriterIsolationTest {
    @TempDir
    Path dir;

    @Test
    void aWriteThatThrowsFailsAloneAndTheRestOfItsBatchIsCommitted() throws Exception {
        Path db = dir.resolve("kv.db");
        WatchHub hub = new WatchHub("isolation-test", 64);
        SqliteWriter writer = new SqliteWriter(db, Clock.systemUTC(), System::nanoTime, 256, 1000, Duration.ofHours(1),
                Duration.ofDays(30), hub);
        JsonNode value = Json.parse("{\"ok\":true}");
        List<Function<SqliteTx, RegistryEntry>> bodies = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String key = "good/" + i;
            bodies.add(tx -> tx.put(key, value, "{\"ok\":true}", tx.nextVersion(key), Optional.empty(), Optional.empty()));
            if (i == 3) {
                // writes a row, then fails the way a bug would (not a refusal)
                bodies.add(tx -> {
                    tx.put("bad/runtime", value, "{\"ok\":true}", tx.nextVersion("bad/runtime"), Optional.empty(), Optional.empty());
                    throw new IllegalStateException("a bug in this write");
                });
            }
            if (i == 6) {
                bodies.add(tx -> {
                    tx.put("bad/error", value, "{\"ok\":true}", tx.nextVersion("bad/error"), Optional.empty(), Optional.empty());
                    throw new StackOverflowError("an Error in this write");
                });
            }
            if (i == 8) {
                // an SQL failure of its own: a NULL where the table refuses one
                bodies.add(tx -> tx.put("bad/sql", value, null, tx.nextVersion("bad/sql"), Optional.empty(), Optional.empty()));
            }
        }
        ExecutorService callers = Executors.newFixedThreadPool(bodies.size());
        List<CompletableFuture<RegistryEntry>> answers = new ArrayList<>();
        try {
            // every write is queued before the writer starts, so all of them land in one batch
            for (int i = 0; i < bodies.size(); i++) {
                Function<SqliteTx, RegistryEntry> body = bodies.get(i);
                String key = "write-" + i;
                answers.add(CompletableFuture.supplyAsync(() -> writer.submit(key, body), callers));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.queued() == bodies.size());
            Thread loop = new Thread(writer::loop, "isolation-test-writer");
            loop.start();
            CompletableFuture.allOf(answers.stream().map(f -> f.exceptionally(t -> null)).toArray(CompletableFuture[]::new))
                    .get();
            assertThat(writer.commits()).as("one batch, one commit").isEqualTo(1);
            int failed = 0;
            for (CompletableFuture<RegistryEntry> f : answers) {
                if (f.isCompletedExceptionally()) {
                    failed++;
                    assertThatThrownBy(f::join).hasCauseInstanceOf(RegistryException.Unavailable.class);
                } else {
                    assertThat(f.join().key()).startsWith("good/");
                    assertThat(f.join().version()).isEqualTo(1);
                }
            }
            assertThat(failed).isEqualTo(3);
            writer.stop(loop);
            loop.join(30_000);
        } finally {
            writer.close();
            hub.close(1_000);
            callers.shutdownNow();
        }
        // the good writes were committed before they were answered, so they are in the file;
        // the failed ones left nothing, not even the rows they wrote before failing
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            for (int i = 0; i < 10; i++) {
                assertThat(kv.get("good/" + i)).as("good/" + i).hasValueSatisfying(e -> assertThat(e.value()).isEqualTo(value));
            }
            assertThat(kv.list("bad/")).isEmpty();
            assertThat(kv.revision()).as("one revision per committed change").isEqualTo(10);
            // and the store goes on: a key of a failed write can be written now
            assertThat(kv.register("bad/runtime", value, Optional.empty()).version()).isEqualTo(1);
        }
    }
}
