package dev.outpost.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.ShutdownResult;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A shutdown while a scrape is stuck in user code (a gauge that never returns). */
class PrometheusEndpointShutdownTest {

    @Test
    void aShutdownEndsInItsBoundAndNamesTheConnectionThreadStuckInAGauge() throws Exception {
        CountDownLatch scraping = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Thread> stuck = new AtomicReference<>();
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        meters.gauge("stuck", release, l -> {
            stuck.set(Thread.currentThread());
            scraping.countDown();
            boolean released = false;
            while (!released) { // deaf to interrupts, as a gauge blocked in a driver can be
                try {
                    released = l.await(1, TimeUnit.MINUTES);
                } catch (InterruptedException ignored) {
                    // keeps waiting
                }
            }
            return 1.0;
        });
        PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(0).build().start();
        try (Socket s = new Socket("127.0.0.1", e.address().getPort())) {
            s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(scraping.await(10, TimeUnit.SECONDS)).isTrue();
            ShutdownResult r = e.shutdown().get(15, TimeUnit.SECONDS); // its bound is 5 s
            assertThat(r.clean()).isFalse();
            assertThat(r.threadsStillAlive()).as("what an operator reads to find what held the shutdown").containsExactly(stuck.get().getName());
        } finally {
            release.countDown();
        }
    }

    @Test
    void aScraperThatNeverReadsItsAnswerLosesItsConnectionAtTheDeadlineAndNoOneElseWaits() throws Exception {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        String huge = "x".repeat(32 * 1024 * 1024); // past both sockets' buffers: the answer's write blocks
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) {
            @Override
            public String scrape() {
                return huge;
            }
        };
        try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(0).maxConnections(1).requestTimeout(java.time.Duration.ofSeconds(5))
                .ticker(now::get).build().start();
                Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new java.net.InetSocketAddress("127.0.0.1", e.address().getPort()), 5000);
            stalled.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().entrySet().stream()
                    .anyMatch(t -> t.getKey().getName().contains("prometheus") && java.util.Arrays.stream(t.getValue())
                            .anyMatch(f -> f.getMethodName().equals("implWrite"))));
            now.addAndGet(java.util.concurrent.TimeUnit.SECONDS.toNanos(6)); // past its deadline
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> e.timedOutConnections() == 1);
            try (Socket next = new Socket("127.0.0.1", e.address().getPort())) { // the one slot is free again
                next.setSoTimeout(10_000);
                next.getOutputStream().write("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(next.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
            }
        }
    }
}
