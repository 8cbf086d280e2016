package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.Json;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hostile and malformed input: each lands in dead-letter with its reason, and the loop lives on. */
class WorkerRejectsTest {
    private InMemoryTransport transport;
    private Worker worker;
    private Client client;
    private final JsonCodec codec = JsonCodec.create();

    @BeforeEach
    void start() {
        transport = InMemoryTransport.create();
        worker = Worker.builder(transport)
                .id("w1")
                .collector(dev.outpost.core.Collectors.of("echo",
                        Json.parse("{\"type\":\"object\",\"required\":[\"n\"],\"properties\":{\"n\":{\"type\":\"integer\"}}}"),
                        (r, c) -> r.params()))
                .collector(dev.outpost.core.Collectors.of("_secret", (r, c) -> "never"))
                .collector(dev.outpost.core.Collectors.of("forbidden", (r, c) -> "never"))
                .allow("echo", "outpost.*")
                .maxMessageBytes(4096)
                .pollWait(Duration.ofMillis(200))
                .build()
                .start();
        client = Client.builder(transport).pollWait(Duration.ofMillis(200)).build().start();
    }

    @AfterEach
    void stop() {
        client.close();
        worker.close();
        transport.close();
    }

    @Test
    void aRefusalOfParamsNamesWhatIsWrongWithoutQuotingTheValues() throws Exception {
        worker.close();
        worker = Worker.builder(transport).id("w1").pollWait(Duration.ofMillis(200))
                .collector(dev.outpost.core.Collectors.of("login", Json.parse("""
                        {"type":"object","properties":{
                          "password":{"type":"string","pattern":"^[a-z]{3}$"},
                          "pin":{"type":"integer","maximum":9999},
                          "tier":{"enum":["gold","silver"]},
                          "since":{"type":"string","format":"date-time"}}}"""), (r, c) -> "ok"))
                .build().start();
        Request r = Request.builder("login").param("password", "hunter2-SECRET").param("pin", 31415926)
                .param("tier", "PLATINUM-SECRET").param("since", "SECRET-DATE").build();

        Response refused = client.call(r, Duration.ofSeconds(10)).get();

        // before: "string [hunter2-SECRET] does not match pattern ...", "31415926 is not less or equal to 9999", ...
        String detail = await().atMost(Duration.ofSeconds(10)).until(() -> transport.peek("dead-letter").stream()
                .map(m -> m.attributes().get("outpost-reject-detail")).filter(d -> d != null && d.contains("login"))
                .findFirst().orElse(null), d -> d != null);
        for (String said : List.of(detail, refused.error().orElseThrow().message())) {
            assertThat(said).doesNotContain("SECRET").doesNotContain("31415926")
                    .contains("#/password: does not match pattern ^[a-z]{3}$")
                    .contains("#/pin: is not less or equal to 9999")
                    .contains("#/tier: is not one of the schema's enum values")
                    .contains("#/since: is not a valid date-time");
        }
    }

    @Test
    void everyKindOfBadInputIsDeadLetteredWithItsReason() throws Exception {
        Random random = new Random(7);
        byte[] noise = new byte[300];
        random.nextBytes(noise);
        raw(noise);
        raw("{\"v\":1,".getBytes(StandardCharsets.UTF_8));
        raw("{\"v\":1,\"id\":\"x\",\"params\":{},\"sentAt\":\"2026-01-01T00:00:00Z\"}".getBytes(StandardCharsets.UTF_8));
        send(Request.builder("nope").id("unknown-1").param("n", 1).build());
        send(Request.builder("_secret").id("private-1").build());
        send(Request.builder("forbidden").id("disallowed-1").build());
        send(Request.builder("echo").id("params-1").param("n", "three").build());
        send(Request.builder("echo").id("expired-1").param("n", 1).sentAt(Instant.now().minusSeconds(3600))
                .ttl(Duration.ofSeconds(1)).build());
        raw(("{\"v\":1,\"id\":\"big\",\"collector\":\"echo\",\"params\":{\"n\":1,\"pad\":\"" + "x".repeat(5000)
                + "\"},\"sentAt\":\"2026-01-01T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(10)).until(() -> transport.peek("dead-letter").size() == 9);
        List<String> reasons = transport.peek("dead-letter").stream()
                .map(m -> m.attributes().get("outpost-reject-reason")).sorted().collect(Collectors.toList());
        assertThat(reasons).containsExactly("disallowed-collector", "expired", "invalid-params", "oversize",
                "private-collector", "schema-invalid", "undecodable", "undecodable", "unknown-collector");
        Message unknown = transport.peek("dead-letter").stream()
                .filter(m -> new String(m.body(), StandardCharsets.UTF_8).contains("\"unknown-1\"")).findFirst().orElseThrow();
        assertThat(unknown.attributes()).containsEntry("outpost-source", "requests").containsEntry("outpost-worker", "w1")
                .containsKey("outpost-reject-detail");
        assertThat(unknown.attributes().get("outpost-reject-detail")).contains("nope");
        assertThat(worker.status().counters().rejected()).isEqualTo(9);
        assertThat(transport.depth("requests").orElse(0)).isZero();

        // The loop is alive and still answers good requests.
        Response ok = client.call(Request.builder("echo").param("n", 5).build(), Duration.ofSeconds(5)).get();
        assertThat(ok.isOk()).isTrue();
        assertThat(ok.result().orElseThrow().get("n").asInt()).isEqualTo(5);
    }

    @Test
    void rejectionsThatCanBeAnsweredAreAnsweredSoCallersDoNotWait() throws Exception {
        Response r = client.call(Request.builder("nope").build(), Duration.ofSeconds(5)).get();
        assertThat(r.status()).isEqualTo(ResponseStatus.REJECTED);
        assertThat(r.error().orElseThrow().code()).isEqualTo("unknown-collector");
        Response p = client.call(Request.builder("echo").param("n", "x").build(), Duration.ofSeconds(5)).get();
        assertThat(p.error().orElseThrow().code()).isEqualTo("invalid-params");
        assertThat(p.error().orElseThrow().message()).contains("#/n");
    }

    @Test
    void aThousandRandomBodiesNeverStopTheLoop() throws Exception {
        Random random = new Random(11);
        for (int i = 0; i < 1000; i++) {
            byte[] b = new byte[random.nextInt(512)];
            random.nextBytes(b);
            raw(b);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> transport.peek("dead-letter").size() == 1000);
        assertThat(worker.status().healthy()).isTrue();
        assertThat(client.call(Request.builder("outpost.ping").build(), Duration.ofSeconds(5)).get().isOk()).isTrue();
    }

    private void raw(byte[] body) {
        transport.send("requests", Message.of(body)).join();
    }

    private void send(Request r) {
        transport.send("requests", Message.of(codec.encodeRequest(r), Map.of("outpost-request-id", r.id()))).join();
    }
}
