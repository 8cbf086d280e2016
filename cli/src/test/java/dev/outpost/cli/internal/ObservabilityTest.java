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

    @Test
    void histogramsOffLeavesTheDaemonsRequestTimerWithCountSumAndMaxOnly() throws Exception {
        for (boolean histograms : new boolean[] {true, false}) {
            Daemon daemon = new Daemon();
            try (dev.outpost.inmemory.InMemoryTransport t = dev.outpost.inmemory.InMemoryTransport.create()) {
                Observability o = Observability.from(OutpostConfig.builder().environment(java.util.Map.of())
                        .systemProperties(new java.util.Properties()).set("outpost.metrics.prometheus.port", "0")
                        .set(Observability.HISTOGRAMS, Boolean.toString(histograms)).build(), daemon, false);
                o.start();
                dev.outpost.core.Worker.Builder b = dev.outpost.core.Worker.builder(t);
                o.instrument(b);
                try (dev.outpost.core.Worker w = b.build().start();
                        dev.outpost.core.Client c = dev.outpost.core.Client.builder(t).build().start()) {
                    c.call(dev.outpost.Request.builder("outpost.ping").build(), java.time.Duration.ofSeconds(10)).get();
                }
                String url = o.describe().replaceFirst("^; metrics on ", "");
                // the worker times a request (its listener's onCompleted) after publishing the answer and releasing
                // its slot, so neither the answer nor the worker's close says the timer has it yet
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() -> {
                    String body = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(url)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                    assertThat(body).contains("outpost_worker_requests_seconds_count{collector=\"outpost.ping\",outcome=\"ok\"} 1");
                    if (histograms) {
                        assertThat(body).contains("outpost_worker_requests_seconds_bucket{");
                    } else {
                        assertThat(body).doesNotContain("outpost_worker_requests_seconds_bucket")
                                .contains("outpost_worker_requests_seconds_max");
                    }
                });
            } finally {
                Runtime.getRuntime().removeShutdownHook(daemon.hook());
                daemon.stopAll();
            }
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
