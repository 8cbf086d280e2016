package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code registerAsync}/{@code replaceAsync}: one thread keeps many writes in flight, each future
 * completes once its group commit is durable, refusals fail the future (never throw), and a
 * follow-up that fails on the writer thread never touches the other writes.
 */
class SqliteAsyncWritesTest {
    @TempDir
    Path dir;

    private final JsonNode value = Json.parse("{\"state\":\"running\"}");

    @Test
    void oneThreadKeepsManyWritesInFlightAndEachIsDurableWhenItCompletes() {
        Path db = dir.resolve("kv.db");
        List<CompletableFuture<RegistryEntry>> writes = new ArrayList<>();
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            for (int i = 0; i < 300; i++) {
                writes.add(kv.registerAsync("idem/k" + i, value, Optional.of(Duration.ofHours(1))));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
            assertThat(writes).allSatisfy(f -> assertThat(f.join().version()).isEqualTo(1));
            assertThat(kv.commitCount()).as("grouped: fewer commits than writes").isLessThan(300);
            RegistryEntry done = kv.replaceAsync("idem/k7", Json.parse("{\"state\":\"done\"}"), 1, Optional.of(Duration.ofDays(1)))
                    .join();
            assertThat(done.version()).isEqualTo(2);
        }
        try (SqliteRegistry kv = SqliteRegistry.open(db)) {
            assertThat(kv.list("idem/")).hasSize(300);
            assertThat(kv.get("idem/k7").orElseThrow().value().path("state").asText()).isEqualTo("done");
        }
    }

    @Test
    void aWriterViewWritesAsynchronouslyAndStampsItsWriter() {
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            dev.outpost.spi.Registry asDeploy = kv.writingAs("deploy-7");
            assertThat(asDeploy.writesAsync()).as("keyed runs through a view stay off their slots").isTrue();
            List<CompletableFuture<RegistryEntry>> writes = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                writes.add(asDeploy.registerAsync("idem/v" + i, value, Optional.empty()));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
            assertThat(kv.commitCount()).as("grouped").isLessThan(100);
            RegistryEntry replaced = asDeploy.replaceAsync("idem/v3", value, 1, Optional.of(Duration.ofHours(1))).join();
            assertThat(replaced.updatedBy()).contains("deploy-7");
            assertThat(kv.get("idem/v0").orElseThrow().updatedBy()).contains("deploy-7");
        }
    }

    @Test
    void refusalsFailTheFuture() {
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            kv.register("idem/used", value, Optional.empty());
            assertThatThrownBy(() -> kv.registerAsync("idem/used", value, Optional.empty()).join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(RegistryException.KeyExists.class);
            assertThatThrownBy(() -> kv.replaceAsync("idem/used", value, 5, Optional.empty()).join())
                    .hasCauseInstanceOf(RegistryException.VersionConflict.class);
            assertThatThrownBy(() -> kv.replaceAsync("idem/absent", value, 1, Optional.empty()).join())
                    .hasCauseInstanceOf(RegistryException.NoSuchKey.class);
            CompletableFuture<RegistryEntry> badKey = kv.registerAsync("no namespace", value, Optional.empty());
            assertThatThrownBy(badKey::join).hasCauseInstanceOf(RegistryException.InvalidKey.class);
            kv.close();
            assertThatThrownBy(() -> kv.registerAsync("idem/late", value, Optional.empty()).join())
                    .hasCauseInstanceOf(RegistryException.Closed.class);
        }
    }

    @Test
    void aFollowUpThatFailsOnTheWriterThreadLeavesTheOtherWritesAlone() {
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("kv.db"))) {
            List<CompletableFuture<RegistryEntry>> writes = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                CompletableFuture<RegistryEntry> f = kv.registerAsync("idem/f" + i, value, Optional.empty());
                // an executor that refuses: the writer thread that completes f meets the refusal
                f.thenRunAsync(() -> { }, task -> {
                    throw new java.util.concurrent.RejectedExecutionException("stopping");
                });
                writes.add(f);
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
            assertThat(writes).allSatisfy(f -> assertThat(f.join().version()).isEqualTo(1));
            assertThat(kv.register("idem/after", value, Optional.empty()).version()).isEqualTo(1);
        }
    }
}
