package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DedupeCacheTest {

    @Test
    void keepsTheLastNIds() {
        DedupeCache c = new DedupeCache(2);
        c.add("a");
        c.add("b");
        c.add("a"); // already there: no second place in the window
        c.add("c");
        assertThat(c.contains("a")).isFalse();
        assertThat(c.contains("b")).isTrue();
        assertThat(c.contains("c")).isTrue();
    }

    @Test
    void anIdForgottenAndAddedAgainKeepsAWholeWindow() {
        DedupeCache c = new DedupeCache(2);
        c.add("a");
        c.remove("a"); // its answer could not be published
        c.add("a"); // published when the message came again
        c.add("b");
        // before: the eviction of a's first place in the order took its second entry with it, so a redelivery of
        // a, answered among the last two, ran again
        assertThat(c.contains("a")).isTrue();
        assertThat(c.contains("b")).isTrue();
        c.add("c");
        assertThat(c.contains("a")).isFalse();
        assertThat(c.contains("b")).isTrue();
        assertThat(c.contains("c")).isTrue();
    }
}
