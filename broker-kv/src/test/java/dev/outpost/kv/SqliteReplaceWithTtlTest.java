package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.testkit.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replace} with a new ttl is one conditional UPDATE on the writer (what the idempotency
 * store's outcome write is); every way it can miss gives the same answer as the read-then-write
 * path: another version, a deleted key, an absent key, an expired entry (which also becomes a
 * tombstone that watchers hear about).
 */
class SqliteReplaceWithTtlTest {
    @TempDir
    Path dir;

    @Test
    void aReplaceWithATtlThatMissesSaysWhyLikeAnyOtherWrite() throws Exception {
        TestClock clock = TestClock.create();
        try (SqliteRegistry kv = SqliteRegistry.builder(dir.resolve("kv.db")).clock(clock).ticker(clock.ticker()).build().start()) {
            Optional<Duration> ttl = Optional.of(Duration.ofMinutes(5));
            RegistryEntry a = kv.register("k/a", Json.parse("1"), Optional.of(Duration.ofSeconds(10)));
            RegistryEntry a2 = kv.replace("k/a", Json.parse("2"), a.version(), ttl);
            assertThat(a2.version()).isEqualTo(a.version() + 1);
            assertThat(a2.expiresAt()).contains(clock.instant().plus(ttl.get()));
            assertThat(kv.get("k/a").orElseThrow().value()).isEqualTo(Json.parse("2"));

            assertThatThrownBy(() -> kv.replace("k/a", Json.parse("3"), a.version(), ttl))
                    .isInstanceOf(RegistryException.VersionConflict.class);
            assertThatThrownBy(() -> kv.replace("k/none", Json.parse("3"), 1, ttl)).isInstanceOf(RegistryException.NoSuchKey.class);

            RegistryEntry d = kv.register("k/deleted", Json.parse("1"), Optional.empty());
            kv.delete("k/deleted");
            assertThatThrownBy(() -> kv.replace("k/deleted", Json.parse("3"), d.version(), ttl))
                    .isInstanceOf(RegistryException.NoSuchKey.class);

            List<RegistryEntry> heard = new CopyOnWriteArrayList<>();
            RegistryEntry e = kv.register("k/expiring", Json.parse("1"), Optional.of(Duration.ofSeconds(1)));
            try (AutoCloseable w = kv.watch("k/expiring", new dev.outpost.spi.RegistryWatcher() {
                @Override
                public void onChange(RegistryEntry change) {
                    heard.add(change);
                }
            })) {
                clock.advance(Duration.ofSeconds(2));
                assertThatThrownBy(() -> kv.replace("k/expiring", Json.parse("3"), e.version(), ttl))
                        .isInstanceOf(RegistryException.NoSuchKey.class);
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !heard.isEmpty());
                assertThat(heard.get(0).deleted()).isTrue();
            }
            assertThat(kv.get("k/expiring")).isEmpty();
            // versions went on as before: the expired key continues above its last version
            assertThat(kv.register("k/expiring", Json.parse("4"), Optional.empty()).version()).isEqualTo(e.version() + 1);
        }
    }
}
