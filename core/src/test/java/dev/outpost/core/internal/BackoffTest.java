package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackoffTest {
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
