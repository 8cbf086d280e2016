package dev.outpost.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdsTest {
    @Test
    void idsAreUniqueTimeOrderedVersion7Uuids() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(Ids.next());
        }
        Set<String> unique = new HashSet<>(ids);
        assertThat(unique).hasSize(ids.size());
        assertThat(ids).isSorted();
        UUID u = UUID.fromString(ids.get(0));
        assertThat(u.version()).isEqualTo(7);
        assertThat(u.variant()).isEqualTo(2);
    }

    @Test
    void backoffGrowsAndIsCapped() {
        Backoff b = new Backoff(java.time.Duration.ofMillis(100), java.time.Duration.ofSeconds(1), 2.0);
        for (int i = 0; i < 50; i++) {
            assertThat(b.delay(2).toMillis()).isBetween(50L, 100L);
            assertThat(b.delay(3).toMillis()).isBetween(100L, 200L);
            assertThat(b.delay(20).toMillis()).isBetween(500L, 1000L);
        }
    }
}
