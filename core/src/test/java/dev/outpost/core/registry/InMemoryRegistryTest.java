package dev.outpost.core.registry;

import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class InMemoryRegistryTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private final InMemoryRegistry registry = InMemoryRegistry.create(clock);

    @Test
    void registerIsCreateOnly() {
        RegistryEntry e = registry.register("svc/a", Json.parse("{\"port\":80}"), Optional.empty());
        assertThat(e.version()).isEqualTo(1);
        assertThatThrownBy(() -> registry.register("svc/a", Json.parse("{}"), Optional.empty()))
                .isInstanceOf(RegistryException.KeyExists.class).hasMessageContaining("svc/a");
    }

    @Test
    void replaceIsCompareAndSet() {
        registry.register("k", Json.parse("1"), Optional.empty());
        RegistryEntry two = registry.replace("k", Json.parse("2"), 1);
        assertThat(two.version()).isEqualTo(2);
        assertThatThrownBy(() -> registry.replace("k", Json.parse("3"), 1))
                .isInstanceOfSatisfying(RegistryException.VersionConflict.class, e -> {
                    assertThat(e.expected()).isEqualTo(1);
                    assertThat(e.actual()).isEqualTo(2);
                });
        assertThatThrownBy(() -> registry.replace("missing", Json.parse("3"), 1)).isInstanceOf(RegistryException.NoSuchKey.class);
    }

    @Test
    void updateAppliesAMergePatch() {
        registry.register("k", Json.parse("{\"a\":1,\"b\":{\"c\":2,\"d\":3}}"), Optional.empty());
        RegistryEntry e = registry.update("k", Json.parse("{\"a\":null,\"b\":{\"c\":9},\"e\":true}"));
        assertThat(e.value()).isEqualTo(Json.parse("{\"b\":{\"c\":9,\"d\":3},\"e\":true}"));
        assertThat(e.version()).isEqualTo(2);
    }

    @Test
    void versionsNeverGoBackEvenAfterDelete() {
        registry.register("k", Json.parse("1"), Optional.empty());
        registry.replace("k", Json.parse("2"), 1);
        assertThat(registry.delete("k")).isTrue();
        assertThat(registry.delete("k")).isFalse();
        assertThat(registry.register("k", Json.parse("3"), Optional.empty()).version()).isEqualTo(3);
    }

    @Test
    void ttlExpiresEntriesAndWatchersHearIt() {
        List<RegistryEntry> seen = new ArrayList<>();
        registry.watch("svc/", seen::add);
        registry.register("svc/a", Json.parse("1"), Optional.of(Duration.ofSeconds(10)));
        registry.register("other", Json.parse("1"), Optional.empty());
        assertThat(registry.list("svc/")).hasSize(1);
        now.set(now.get().plusSeconds(11));
        assertThat(registry.get("svc/a")).isEmpty();
        registry.register("svc/b", Json.parse("2"), Optional.empty());
        assertThat(registry.list("svc/")).extracting(RegistryEntry::key).containsExactly("svc/b");
        assertThat(seen).extracting(RegistryEntry::key).containsExactly("svc/a", "svc/b");
    }

    @Test
    void watchReportsDeletesAndStopsWhenClosed() throws Exception {
        List<RegistryEntry> seen = new ArrayList<>();
        AutoCloseable w = registry.watch("", seen::add);
        registry.register("k", Json.parse("1"), Optional.empty());
        registry.delete("k");
        w.close();
        registry.register("k2", Json.parse("1"), Optional.empty());
        assertThat(seen).hasSize(2);
        assertThat(seen.get(1).deleted()).isTrue();
    }

    @Test
    void storedValuesAreCopies() {
        var node = (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse("{\"a\":1}");
        registry.register("k", node, Optional.empty());
        node.put("a", 2);
        assertThat(registry.get("k").orElseThrow().value().get("a").asInt()).isEqualTo(1);
    }
}
