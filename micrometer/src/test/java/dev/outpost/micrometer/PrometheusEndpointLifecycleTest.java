package dev.outpost.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.ShutdownResult;
import dev.outpost.testkit.LifecycleContract;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;

/** The one lifecycle, for the /metrics endpoint; the user code it runs is the scrape (gauges). */
class PrometheusEndpointLifecycleTest extends LifecycleContract<PrometheusEndpoint> {
    private final AtomicReference<Error> toThrow = new AtomicReference<>();

    @Override
    protected PrometheusEndpoint create(ThreadFactory threads) {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) {
            @Override
            public String scrape() {
                Error e = toThrow.getAndSet(null);
                if (e != null) {
                    throw e;
                }
                return super.scrape();
            }
        };
        meters.counter("lifecycle.scrapes").increment();
        return PrometheusEndpoint.builder(meters).port(0).threadFactory(threads).build();
    }

    @Override
    protected void start(PrometheusEndpoint e) {
        try {
            e.start();
        } catch (java.io.IOException io) {
            throw new UncheckedIOException(io);
        }
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(PrometheusEndpoint e) {
        return e.shutdown();
    }

    @Override
    protected boolean provokeUserError(PrometheusEndpoint running, Error error) throws Exception {
        long before = running.scrapeFailures();
        toThrow.set(error);
        assertThat(get(running).statusCode()).isEqualTo(500);
        assertThat(running.scrapeFailures()).isEqualTo(before + 1);
        return true;
    }

    @Override
    protected void assertWorks(PrometheusEndpoint running) throws Exception {
        HttpResponse<String> r = get(running);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("lifecycle_scrapes_total 1.0");
    }

    private static HttpResponse<String> get(PrometheusEndpoint e) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.address().getPort() + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
