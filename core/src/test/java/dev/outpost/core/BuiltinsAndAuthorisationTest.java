package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Sender;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BuiltinsAndAuthorisationTest {

    @Test
    void builtInsReportStatusHelpAndRedactedConfig() throws Exception {
        OutpostConfig config = OutpostConfig.builder()
                .set("outpost.worker.concurrency", "3")
                .set("outpost.worker.poll-wait", "50ms")
                .set("outpost.collectors.allow", "disk,outpost.*")
                .set("outpost.collectors.disk.mount", "/data")
                .set("outpost.collectors.disk.api-token", "very-secret")
                .build();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).configure(config)
                        .collector(Collectors.of("disk", (r, c) -> c.settings()))
                        .collector(Collectors.of("hidden", (r, c) -> "no"))
                        .build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            Response disk = call(client, "disk");
            assertThat(disk.result().orElseThrow().get("mount").asText()).isEqualTo("/data");

            JsonNode status = call(client, "outpost.status").result().orElseThrow();
            assertThat(status.get("concurrency").asInt()).isEqualTo(3);
            assertThat(status.get("state").asText()).isEqualTo("RUNNING");
            assertThat(status.get("counters").get("received").asLong()).isGreaterThanOrEqualTo(2);
            assertThat(status.get("threads").get(0).get("alive").asBoolean()).isTrue();

            JsonNode help = call(client, "outpost.collectors").result().orElseThrow();
            assertThat(help.findValuesAsText("name")).contains("disk", "outpost.ping", "outpost.status").doesNotContain("hidden");
            assertThat(help.get(0).has("params")).isTrue();

            // the running configuration is for authenticated senders only, whatever the allow-list says
            Response cfg = call(client, "outpost.config");
            assertThat(cfg.status()).isEqualTo(ResponseStatus.REJECTED);
            assertThat(cfg.error().orElseThrow().code()).isEqualTo("unauthorised");

            Response ping = client.call(Request.builder("outpost.ping").param("hello", "there").build(), Duration.ofSeconds(5)).get();
            assertThat(ping.result().orElseThrow().get("echo").get("hello").asText()).isEqualTo("there");
        }
    }

    @Test
    void configShowsOnlyDeclaredNonSecretValuesToAuthenticatedSenders() throws Exception {
        OutpostConfig config = OutpostConfig.builder()
                .set("outpost.worker.requests", "jobs")
                .set("outpost.collectors.allow", "disk,outpost.*")
                .set("outpost.collectors.disk.api-token", "very-secret")
                .set("outpost.collectors.disk.signing-key", "also-secret")
                .set("outpost.collectors.disk.dsn", "postgres://app:hunter2@db/x")
                .build();
        Codec ops = new TrustingCodec(Sender.of("k1", "ops"));
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).configure(config).codec(ops).pollWait(Duration.ofMillis(50))
                        .collector(Collectors.of("disk", (r, c) -> "ok"))
                        .build().start();
                Client client = Client.builder(transport).requests("jobs").codec(ops).pollWait(Duration.ofMillis(50))
                        .build().start()) {
            JsonNode cfg = call(client, "outpost.config").result().orElseThrow();
            assertThat(cfg.get("outpost.worker.requests").asText()).isEqualTo("jobs");
            assertThat(cfg.get("outpost.collectors.disk.api-token").asText()).isEqualTo("****");
            assertThat(cfg.get("outpost.collectors.disk.signing-key").asText()).isEqualTo("****");
            assertThat(cfg.toString()).doesNotContain("very-secret", "also-secret", "hunter2");
        }
    }

    @Test
    void configMasksUserInfoInTheWorkersOwnKeysToo() throws Exception {
        // the worker's own keys show the values it runs with: they replaced the masked ones with the raw text
        OutpostConfig config = OutpostConfig.builder()
                .set("outpost.worker.requests", "jobs")
                .set("outpost.worker.dead-letter", "https://dlq:hunter2@mq.example/dead")
                .set("outpost.collectors.allow", "outpost.*")
                .build();
        Codec ops = new TrustingCodec(Sender.of("k1", "ops"));
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).configure(config).codec(ops).pollWait(Duration.ofMillis(50))
                        .responses("https://out:pa55@mq.example/responses")
                        .build().start();
                Client client = Client.builder(transport).requests("jobs").codec(ops).pollWait(Duration.ofMillis(50))
                        .build().start()) {
            JsonNode cfg = call(client, "outpost.config").result().orElseThrow();
            assertThat(cfg.get("outpost.worker.dead-letter").asText()).isEqualTo("https://****@mq.example/dead");
            assertThat(cfg.get("outpost.worker.responses").asText()).isEqualTo("https://****@mq.example/responses");
            assertThat(cfg.toString()).doesNotContain("hunter2", "pa55");
        }
    }

    @Test
    void withoutAnAllowListOnlyCollectorsRegisteredInCodeAndTheSafeBuiltInsRun() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).pollWait(Duration.ofMillis(50))
                        .collector(Collectors.of("disk", (r, c) -> "ok"))
                        .build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            assertThat(call(client, "disk").isOk()).isTrue();
            assertThat(call(client, "outpost.ping").isOk()).isTrue();
            assertThat(call(client, "outpost.status").isOk()).isTrue();
            assertThat(call(client, "outpost.config").error().orElseThrow().code()).isEqualTo("disallowed-collector");
        }
    }

    @Test
    void statusShowsWhatIsRunningAndItsProgress() throws Exception {
        java.util.concurrent.CountDownLatch going = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport)
                        .collector(Collectors.of("backup", (r, c) -> {
                            c.progress("copied 3 of 10 files");
                            going.countDown();
                            release.await();
                            return "done";
                        }))
                        .pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            var call = client.call(Request.builder("backup").build(), Duration.ofSeconds(10));
            try {
                assertThat(going.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                JsonNode status = call(client, "outpost.status").result().orElseThrow();
                // the status request is running too, so it lists itself beside the backup
                assertThat(status.get("running").findValuesAsText("collector")).containsExactlyInAnyOrder("backup", "outpost.status");
                JsonNode backup = status.get("running").get(0).get("collector").asText().equals("backup")
                        ? status.get("running").get(0) : status.get("running").get(1);
                assertThat(backup.get("progress").asText()).isEqualTo("copied 3 of 10 files");
                assertThat(backup.get("attempt").asInt()).isEqualTo(1);
            } finally {
                release.countDown();
            }
            assertThat(call.get().isOk()).isTrue();
            assertThat(worker.status().running()).isEmpty();
        }
    }

    @Test
    void aSenderMayRunOnlyItsOwnCollectors() throws Exception {
        Codec signed = new PrefixSenderCodec();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).codec(signed)
                        .collector(Collectors.of("reboot", (r, c) -> "rebooting"))
                        .pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(transport).codec(signed).pollWait(Duration.ofMillis(50)).build().start()) {
            assertThat(call(client, "outpost.ping").isOk()).isTrue();
            Response denied = call(client, "reboot");
            assertThat(denied.status()).isEqualTo(ResponseStatus.REJECTED);
            assertThat(denied.error().orElseThrow().code()).isEqualTo("unauthorised");
            await().atMost(Duration.ofSeconds(5)).until(() -> transport.peek("dead-letter").size() == 1);
            assertThat(transport.peek("dead-letter").get(0).attributes()).containsEntry("outpost-reject-reason", "unauthorised");
        }
    }

    private static Response call(Client client, String collector) throws Exception {
        return client.call(Request.builder(collector).build(), Duration.ofSeconds(5)).get();
    }

    /** Stands in for a sealing codec: every request is "from alice", who may only ping. */
    private static final class PrefixSenderCodec implements Codec {
        private static final byte[] PREFIX = "alice:".getBytes(StandardCharsets.UTF_8);
        private final JsonCodec json = JsonCodec.create();

        @Override
        public byte[] encodeRequest(Request request) {
            byte[] inner = json.encodeRequest(request);
            byte[] out = Arrays.copyOf(PREFIX, PREFIX.length + inner.length);
            System.arraycopy(inner, 0, out, PREFIX.length, inner.length);
            return out;
        }

        @Override
        public Decoded<Request> decodeRequest(byte[] body) {
            Request r = json.decodeRequest(Arrays.copyOfRange(body, PREFIX.length, body.length)).document();
            return new Decoded<>(r, Optional.of(new Sender("alice-key", "alice", Optional.of(Set.of("outpost.ping")))));
        }

        @Override
        public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
            assertThat(recipient).map(Sender::name).contains("alice");
            return json.encodeResponse(response, recipient);
        }

        @Override
        public Decoded<Response> decodeResponse(byte[] body) {
            return json.decodeResponse(body);
        }
    }
}
