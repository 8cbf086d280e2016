package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The real {@code outpost record-store} daemon killed with SIGKILL and started again while a real
 * {@code outpost host-agent} ships to it through ElasticMQ (127.0.0.1).
 */
class RecordStoreRestartTest {
    private static final String TOKEN = "restart-token-0123456789";
    private SQSRestServer server;
    private int port;
    private OutpostProcesses processes;
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @BeforeEach
    void startElasticMq() {
        server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        port = server.waitUntilStarted().localAddress().getPort();
        try (SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build()) {
            // a short visibility: what the killed store received and never deleted comes back soon
            sqs.createQueue(r -> r.queueName("records").attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "2"))).join();
        }
    }

    @AfterEach
    void stopEverything() {
        if (processes != null) {
            processes.destroyAll();
        }
        server.stopAndWait();
    }

    @Test
    void recordsStoredBeforeASigkillStayOnceAndTheAgentsSamplesKeepComing() throws Exception {
        Path cfg = dir.resolve("shipper.yaml");
        Files.writeString(cfg, """
                outpost:
                  agent:
                    id: agent-1
                    period: 200ms
                    top: 3
                  outbox:
                    dir: %s
                  records:
                    dir: %s
                    http:
                      port: 0
                      token: %s
                  sqs:
                    region: us-east-1
                    endpoint: http://127.0.0.1:%d
                """.formatted(dir.resolve("outbox"), dir.resolve("records"), TOKEN, port));
        Process store = outpost("store-1", "record-store", "--config", cfg.toString());
        outpost("agent", "host-agent", "--config", cfg.toString()); // both start at once: JVM starts are the slow part
        int httpPort = httpPort("store-1");
        awaitOut("agent", "outpost host-agent agent-1");
        awaitCount(httpPort, 5);

        store.destroyForcibly(); // SIGKILL mid-stream: records acknowledged, others received and not yet deleted
        assertThat(store.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Map<String, String> before = records(); // what the killed store had made durable, by request id
        assertThat(before).isNotEmpty();

        store = outpost("store-2", "record-store", "--config", cfg.toString());
        httpPort = httpPort("store-2");
        awaitCount(httpPort, before.size() + 5); // the agent's samples keep coming, to the new store
        store.destroy();
        assertThat(store.waitFor(30, TimeUnit.SECONDS)).as(err("store-2")).isTrue();

        Map<String, String> after = records();
        assertThat(after).as("every record acknowledged before the kill is there after it, under its name")
                .containsAllEntriesOf(before);
        assertThat(err("store-1") + err("store-2")).doesNotContain("\tat ");
    }

    /** The records on disk, each request id to its file; fails if one request id was stored twice. */
    private Map<String, String> records() throws Exception {
        Map<String, String> byId = new HashMap<>();
        try (Stream<Path> files = Files.list(dir.resolve("records"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                JsonNode r = Json.parse(Files.readString(f));
                String previous = byId.put(r.path("requestId").asText(), f.getFileName().toString());
                assertThat(previous).as("request %s stored twice", r.path("requestId").asText()).isNull();
            }
        }
        return byId;
    }

    private void awaitCount(int httpPort, long atLeast) {
        try {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/test/count"))
                        .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 && Json.parse(r.body()).path("data").path("count").asLong() >= atLeast;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("waiting for " + atLeast + " records\n" + outputs(), e);
        }
    }

    private int httpPort(String name) throws Exception {
        awaitOut(name, "outpost record-store");
        Matcher m = Pattern.compile("on port (\\d+)").matcher(out(name));
        assertThat(m.find()).as(out(name)).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private Process outpost(String name, String... args) throws Exception {
        if (processes == null) {
            processes = new OutpostProcesses(dir);
        }
        return processes.start(name, args);
    }

    private String out(String name) throws Exception {
        return processes.out(name);
    }

    private String err(String name) throws Exception {
        return processes.err(name);
    }

    private String outputs() {
        StringBuilder b = new StringBuilder();
        for (String n : List.of("store-1", "store-2", "agent")) {
            try {
                b.append(n).append(":\n").append(out(n)).append(err(n)).append('\n');
            } catch (Exception absent) {
                // not started
            }
        }
        return b.toString();
    }

    private void awaitOut(String name, String text) {
        try {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> out(name).contains(text));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(outputs(), e);
        }
    }
}
