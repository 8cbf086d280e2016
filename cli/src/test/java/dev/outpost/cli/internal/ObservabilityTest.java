package dev.outpost.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.config.OutpostConfig;
import java.net.InetAddress;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ObservabilityTest {
    @Test
    void theHealthLineNamesAnIpv6MetricsAddressAsAUrlCan() throws Exception {
        Assumptions.assumeTrue(ipv6Loopback(), "no IPv6 loopback on this machine");
        Daemon daemon = new Daemon();
        try {
            Observability o = Observability.from(OutpostConfig.builder().environment(java.util.Map.of())
                    .systemProperties(new java.util.Properties()).set("outpost.metrics.prometheus.host", "::1")
                    .set("outpost.metrics.prometheus.port", "0").build(), daemon, false);
            o.start();
            // "http://0:0:0:0:0:0:0:1:41234/metrics" is no URL: a colon in the host takes brackets
            assertThat(o.describe()).matches("; metrics on http://\\[(::1|0:0:0:0:0:0:0:1)]:\\d+/metrics");
        } finally {
            Runtime.getRuntime().removeShutdownHook(daemon.hook());
            daemon.stopAll();
        }
    }

    @Test
    void theHealthLineNamesTheAuditFileNotTheLogObject(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Daemon daemon = new Daemon();
        try {
            java.nio.file.Path file = dir.resolve("audit").resolve("audit.jsonl");
            Observability o = Observability.from(OutpostConfig.builder().environment(java.util.Map.of())
                    .systemProperties(new java.util.Properties()).set("outpost.audit.file", file.toString()).build(), daemon, false);
            o.start();
            // was "; audit to AuditLog[JsonLinesFileSink[/…/audit.jsonl, 67108864 bytes x 11]]"
            assertThat(o.describe()).isEqualTo("; audit to " + file.toAbsolutePath());
        } finally {
            Runtime.getRuntime().removeShutdownHook(daemon.hook());
            daemon.stopAll();
        }
    }

    private static boolean ipv6Loopback() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
