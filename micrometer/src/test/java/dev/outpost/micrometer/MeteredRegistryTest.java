package dev.outpost.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.kv.SqliteRegistry;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.outpost.spi.RegistryEntry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeteredRegistryTest {
    @Test
    void timesEachOperationByOutcome() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Registry registry = MeteredRegistry.wrap(InMemoryRegistry.create(), meters)) {
            registry.register("svc/a", Json.parse("{\"port\":1}"), Optional.empty());
            assertThatThrownBy(() -> registry.register("svc/a", Json.parse("{}"), Optional.empty()))
                    .isInstanceOf(RegistryException.KeyExists.class);
            assertThatThrownBy(() -> registry.replace("svc/a", Json.parse("{}"), 9))
                    .isInstanceOf(RegistryException.VersionConflict.class);
            registry.writingAs("ops").get("svc/a");
            registry.list("svc/");

            assertThat(meters.get("outpost.registry.operations").tags("operation", "register", "outcome", "ok").timer()
                    .count()).isEqualTo(1);
            assertThat(meters.get("outpost.registry.operations").tags("operation", "register", "outcome", "key-exists")
                    .timer().count()).isEqualTo(1);
            assertThat(meters.get("outpost.registry.operations").tags("operation", "replace", "outcome", "version-conflict")
                    .timer().count()).isEqualTo(1);
            assertThat(meters.get("outpost.registry.operations").tags("operation", "get").timer().count()).isEqualTo(1);
            assertThat(meters.get("outpost.registry.operations").tags("operation", "list").timer().count()).isEqualTo(1);
        }
    }

    @TempDir
    Path dir;

    /**
     * A wrapper that left the async writes to the SPI's blocking defaults would hold a thread per
     * write (a keyed worker run would keep its slot): the wrapper says what its store says and
     * forwards the futures, timing each when the store commits it.
     */
    @Test
    void asyncWritesReachTheStoreAndAreTimedWhenTheyComplete() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Registry plain = MeteredRegistry.wrap(InMemoryRegistry.create(), meters)) {
            assertThat(plain.writesAsync()).isFalse();
        }
        try (SqliteRegistry sqlite = SqliteRegistry.open(dir.resolve("kv.db"));
                Registry registry = MeteredRegistry.wrap(sqlite, meters)) {
            assertThat(registry.writesAsync()).isTrue();
            List<CompletableFuture<RegistryEntry>> writes = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                writes.add(registry.registerAsync("idem/k" + i, Json.parse("{\"n\":" + i + "}"), Optional.of(Duration.ofHours(1))));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
            assertThat(sqlite.commitCount()).as("the store grouped them: the wrapper did not turn them into blocking calls")
                    .isLessThan(50);
            assertThat(registry.replaceAsync("idem/k1", Json.parse("{}"), 1, Optional.empty()).join().version()).isEqualTo(2);
            assertThatThrownBy(() -> registry.registerAsync("idem/k2", Json.parse("{}"), Optional.empty()).join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(RegistryException.KeyExists.class);

            // a future's dependents run just after it completes: the last samples may stop a moment after join()
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(meters.get("outpost.registry.operations").tags("operation", "register", "outcome", "ok").timer()
                        .count()).isEqualTo(50);
                assertThat(meters.get("outpost.registry.operations").tags("operation", "replace", "outcome", "ok").timer()
                        .count()).isEqualTo(1);
                assertThat(meters.get("outpost.registry.operations").tags("operation", "register", "outcome", "key-exists")
                        .timer().count()).isEqualTo(1);
            });
        }
    }
}
