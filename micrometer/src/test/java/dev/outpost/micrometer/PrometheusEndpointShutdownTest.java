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
}
