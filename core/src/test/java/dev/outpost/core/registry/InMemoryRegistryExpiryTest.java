package dev.outpost.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Expired entries are removed by later writes, not kept until someone reads them. */
class InMemoryRegistryExpiryTest {
    @Test
    void writesSweepEntriesThatFellDue() {
        TestClock clock = TestClock.create();
        InMemoryRegistry registry = InMemoryRegistry.create(clock);
        for (int i = 0; i < 100; i++) {
            registry.register("svc/k" + i, Json.parse("1"), Optional.of(Duration.ofSeconds(1)));
        }
        registry.register("svc/renewed", Json.parse("1"), Optional.of(Duration.ofSeconds(1)));
        clock.advance(Duration.ofMillis(500));
        registry.replace("svc/renewed", Json.parse("2"), 1, Optional.of(Duration.ofHours(1)));
        clock.advance(Duration.ofSeconds(2));
        long before = registry.revision();
        registry.register("other/a", Json.parse("1"), Optional.empty());
        registry.register("other/b", Json.parse("1"), Optional.empty());
        // two writes, and the 100 expired entries removed (64 by the first write, 36 by the second)
        assertThat(registry.revision() - before).isEqualTo(102);
        assertThat(registry.get("svc/renewed")).as("a renewed ttl is not swept by its old due time").isPresent();
    }
}
