package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that cannot make its writer thread, or that a shutdown overtakes, leaves the file closed. */
class SqliteStartFailureTest {
    @TempDir
    Path dir;

    @Test
    void aThreadFactoryThatThrowsLeavesAShutdownThatCompletesCleanly() throws Exception {
        Path db = dir.resolve("kv.db");
        SqliteRegistry kv = SqliteRegistry.builder(db).threadFactory(r -> {
            throw new IllegalStateException("no threads today");
        }).build();
        assertThatThrownBy(kv::start).hasMessageContaining("no threads today");
        // the writer's stop met a null thread (NullPointerException): the file's connections stayed open
        assertThat(kv.shutdown().get(30, TimeUnit.SECONDS).clean()).isTrue();
        assertThat(Files.exists(Path.of(db + "-wal"))).as("no connection left open").isFalse();
        try (SqliteRegistry again = SqliteRegistry.open(db)) {
            again.register("svc/a", Json.parse("1"), Optional.empty());
        }
    }

    @Test
    void aShutdownDuringStartLeavesNothingOpenOrRunning() throws Exception {
        Path db = dir.resolve("kv.db");
        AtomicReference<SqliteRegistry> self = new AtomicReference<>();
        AtomicReference<CompletableFuture<?>> stopped = new AtomicReference<>();
        AtomicInteger made = new AtomicInteger();
        SqliteRegistry kv = SqliteRegistry.builder(db).threadFactory(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            if (made.getAndIncrement() == 0) {
                // the first thread start() makes: a shutdown from elsewhere runs to its end right here
                CompletableFuture<?> f = self.get().shutdown();
                stopped.set(f);
                f.join();
            }
            return t;
        }).build();
        self.set(kv);
        assertThatThrownBy(kv::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("shut down");
        assertThat(stopped.get().get(30, TimeUnit.SECONDS)).isNotNull();
        assertThat(Files.exists(Path.of(db + "-wal"))).as("what start opened was closed").isFalse();
        assertThatThrownBy(() -> kv.get("svc/a")).isInstanceOf(dev.outpost.spi.RegistryException.Closed.class);
    }
}
