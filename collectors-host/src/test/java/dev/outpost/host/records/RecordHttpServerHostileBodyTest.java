package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Record bodies a hostile client on 127.0.0.1 sends: each is a clear 4xx, or stored exactly as sent. */
class RecordHttpServerHostileBodyTest {
    private static final String TOKEN = "s3cr3t-token-for-tests-0123456789";
    @TempDir
    Path tmp;
    private RecordStore store;
    private RecordHttpServer server;

    @BeforeEach
    void start() throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
        server = RecordHttpServer.builder(store, TOKEN).port(0).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    private HttpResponse<String> post(String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1/record"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aNumberOutOfADoublesRangeIsRefusedNotStoredAsText() throws Exception {
        // a double cannot hold it: it was stored as the string "Infinity", a record unlike what was sent
        for (String data : new String[] {"{\"n\":1e400}", "[-1e400]", "1E999999999"}) {
            HttpResponse<String> r = post("{\"uuid\":\"web-01\",\"id\":\"big\",\"data\":" + data + "}");
            assertThat(r.statusCode()).as(data).isEqualTo(400);
            assertThat(Json.parse(r.body()).path("data").path("body").asText()).contains("number");
        }
        assertThat(store.count()).isZero();
    }

    @Test
    void aBodyThatSaysTwoThingsIsRefused() throws Exception {
        // which uuid, which data? Other JSON readers take the first where Jackson takes the last
        String[] bodies = {"{\"uuid\":\"web-01\",\"uuid\":\"web-02\",\"id\":\"a\",\"data\":1}",
                "{\"uuid\":\"web-01\",\"id\":\"b\",\"data\":{\"k\":1,\"k\":2}}",
                "{\"uuid\":\"web-01\",\"id\":\"c\",\"data\":1} {\"uuid\":\"web-02\",\"id\":\"d\",\"data\":2}"};
        for (String body : bodies) {
            HttpResponse<String> r = post(body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(Json.parse(r.body()).path("status").asText()).isEqualTo("fail");
        }
        assertThat(store.count()).isZero();
    }

    @Test
    void plainJsonIsStillStoredAsSent() throws Exception {
        HttpResponse<String> r = post("{\"uuid\":\"web-01\",\"id\":\"ok\",\"data\":{\"n\":1.5e300,\"i\":123456789012345678901234567890,"
                + "\"s\":\"x\\ud83d\\ude00\",\"a\":[true,null,{}]}}\n");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(store.latest().orElseThrow().data()).isEqualTo(Json.parse(
                "{\"n\":1.5e300,\"i\":123456789012345678901234567890,\"s\":\"x\\ud83d\\ude00\",\"a\":[true,null,{}]}"));
    }
}
