package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.core.Client;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A worker on the in-memory transport running both collectors, called with the client. */
class EndToEndTest {
    private TestServer server;
    private InMemoryTransport transport;
    private Worker worker;
    private Client client;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.http()
                .handle("/api", ex -> TestServer.send(ex, 200, "application/json", "{\"up\":true}".getBytes()))
                .handle("/page", ex -> TestServer.send(ex, 200, "text/html",
                        "<title>Status</title><h1>All good</h1><span class=v>42</span>".getBytes()))
                .start();
        transport = InMemoryTransport.create();
        Map<String, String> loopback = Map.of(EgressPolicy.ALLOW_CIDRS, "127.0.0.1/32");
        worker = Worker.builder(transport)
                .discoverCollectors()
                .allow("http.*")
                .settings(HttpRequestCollector.NAME, loopback)
                .settings(HtmlCollector.NAME, loopback)
                .maxAttempts(1)
                .pollWait(Duration.ofMillis(100))
                .build()
                .start();
        client = Client.builder(transport).pollWait(Duration.ofMillis(100)).build().start();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        worker.close();
        transport.close();
        server.close();
    }

    private Response call(String collector, Map<String, Object> params) throws Exception {
        return client.call(Request.builder(collector).params(params).build(), Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
    }

    @Test
    void runsBothCollectors() throws Exception {
        Response api = call("http.request", Map.of("url", server.url("/api")));
        assertThat(api.status()).isEqualTo(ResponseStatus.OK);
        JsonNode result = api.result().orElseThrow();
        assertThat(result.path("status").asInt()).isEqualTo(200);
        assertThat(result.path("body").asText()).isEqualTo("{\"up\":true}");
        assertThat(result.path("headers").path("content-type").get(0).asText()).isEqualTo("application/json");

        Response page = call("http.html", Map.of("url", server.url("/page"), "select", Map.of("value", "span.v")));
        assertThat(page.status()).isEqualTo(ResponseStatus.OK);
        JsonNode html = page.result().orElseThrow();
        assertThat(html.path("title").asText()).isEqualTo("Status");
        assertThat(html.path("headings").get(0).path("text").asText()).isEqualTo("All good");
        assertThat(html.path("select").path("value").get(0).asText()).isEqualTo("42");
    }

    @Test
    void refusedDestinationsAndBadParamsComeBackAsErrors() throws Exception {
        Response denied = call("http.request", Map.of("url", "http://169.254.169.254/latest/meta-data/"));
        assertThat(denied.status()).isEqualTo(ResponseStatus.ERROR);
        assertThat(denied.error().orElseThrow().code()).isEqualTo("egress-denied");
        assertThat(denied.error().orElseThrow().message()).contains("cloud metadata address");
        assertThat(denied.attempt()).isEqualTo(1);

        Response invalid = call("http.html", Map.of("url", server.url("/page"), "method", "DELETE"));
        assertThat(invalid.status()).isEqualTo(ResponseStatus.REJECTED);
        assertThat(server.served()).isEmpty();
    }

    @Test
    void aBadSettingFailsWhenTheWorkerIsBuilt() {
        try (dev.outpost.inmemory.InMemoryTransport t = dev.outpost.inmemory.InMemoryTransport.create()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Worker.builder(t).discoverCollectors().allow("http.*")
                            .settings(HttpRequestCollector.NAME, java.util.Map.of(HttpOptions.MAX_BODY_BYTES, "lots")).build())
                    .isInstanceOf(dev.outpost.ConfigException.class)
                    .hasMessageContaining("outpost.collectors.http.request");
        }
    }
}
