package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessTest {
    final Caller alice = new Caller("alice", "ops");

    @Test
    void aCollectorPrefixEndingInAStarAllowsThatFamilyOnlyAsTheConfigurationKeySays() {
        // outpost.ops.access.collectors: "names or prefixes ending in *"
        Access access = Access.from(MapConfig.of(Map.of("outpost.ops.access.users", "alice",
                "outpost.ops.access.channels", "ops", "outpost.ops.access.collectors", "disk.*, uptime")));
        assertThat(access.allowsCollector(alice, "disk.usage")).as("before: refused despite disk.*").isTrue();
        assertThat(access.allowsCollector(alice, "uptime")).isTrue();
        assertThat(access.allowsCollector(alice, "diskette.wipe")).isFalse();
        assertThat(access.allowsCollector(alice, "firewall.block")).isFalse();
        assertThat(access.allowsCollector(new Caller("mallory", "ops"), "disk.usage")).isFalse();
        assertThat(new Access(Set.of("*"), Set.of("*"), Set.of()).allowsCollector(alice, "disk.usage")).isFalse();
    }
}
