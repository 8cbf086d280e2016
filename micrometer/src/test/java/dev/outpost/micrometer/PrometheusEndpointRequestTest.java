package dev.outpost.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Requests that are not what a scraper sends get an answer at once, not a silent close at the request timeout. The
 * ticker never moves and the timeout is long: an answer can only come from the request itself.
 */
class PrometheusEndpointRequestTest {
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private static String exchange(PrometheusEndpoint e, String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", e.address().getPort())) {
            s.setSoTimeout(10_000); // the endpoint's own timeout is longer: a request it waits on fails here
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aHeadEndingInBareLineFeedsIsServed() throws Exception {
        try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(0).requestTimeout(Duration.ofMinutes(5)).ticker(() -> 0)
                .build().start()) {
            assertThat(exchange(e, "GET /metrics HTTP/1.1\nHost: x\n\n")).startsWith("HTTP/1.1 200 ");
            assertThat(exchange(e, "GET /metrics HTTP/1.0\r\n\n")).startsWith("HTTP/1.1 200 ");
        }
    }

    @Test
    void aRequestLineThatIsNotHttp1IsRefusedWithoutWaitingForTheRestOfTheHead() throws Exception {
        try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(0).requestTimeout(Duration.ofMinutes(5)).ticker(() -> 0)
                .build().start()) {
            assertThat(exchange(e, "GET /metrics\r\n")).as("HTTP/0.9").startsWith("HTTP/1.1 400 ");
            assertThat(exchange(e, "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003garbage\n")).startsWith("HTTP/1.1 400 ");
        }
    }
}
