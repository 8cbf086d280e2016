package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Client;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.sqs.SqsTransport;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** The launcher's commands as real processes against a real worker process on ElasticMQ (127.0.0.1). */
class CliProcessTest {
    private static SQSRestServer server;
    private static int port;
    private OutpostProcesses processes;

    @TempDir
    Path dir;

    @BeforeAll
    static void startElasticMq() {
        server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        port = server.waitUntilStarted().localAddress().getPort();
        try (SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build()) {
            for (String q : List.of("requests", "dead-letter", "cli-replies", "test-replies", "records", "kv-requests", "kv-idle")) {
                sqs.createQueue(r -> r.queueName(q).attributes(Map.of(
                        software.amazon.awssdk.services.sqs.model.QueueAttributeName.VISIBILITY_TIMEOUT, "5"))).join();
            }
        }
    }

    @AfterAll
    static void stopElasticMq() {
        server.stopAndWait();
    }

    @AfterEach
    void killLeftovers() {
        if (processes != null) {
            processes.destroyAll();
        }
    }

    private Path config(String name, String yaml) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml.replace("PORT", Integer.toString(port)));
        return f;
    }

    private Path workerConfig(int concurrency) throws Exception {
        return config("worker-" + concurrency + ".yaml", """
                outpost:
                  worker:
                    id: cli-test-worker
                    concurrency: %d
                    poll-wait: 1s
                    drain-timeout: 20s
                    reply-to:
                      allow: cli-replies,test-replies
                  collectors:
                    allow: outpost.*,test.slow
                  sqs:
                    region: us-east-1
                    endpoint: http://127.0.0.1:PORT
                """.formatted(concurrency));
    }

    private Path clientConfig() throws Exception {
        return config("client.yaml", """
                outpost:
                  client:
                    reply-to: cli-replies
                    poll-wait: 1s
                  sqs:
                    region: us-east-1
                    endpoint: http://127.0.0.1:PORT
                """);
    }

    private static String queueUrl(String name) {
        try (SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build()) {
            return sqs.getQueueUrl(r -> r.queueName(name)).join().queueUrl();
        }
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

    private int finish(Process p) throws Exception {
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("command ended").isTrue();
        return p.exitValue();
    }

    private void awaitHealthLine(String name) {
        await().atMost(Duration.ofSeconds(60)).until(() -> out(name).contains("outpost worker cli-test-worker running"));
    }

    @Test
    void whatACommandPrintsWithoutANewlineReachesStandardOutputBeforeTheProcessExits() throws Exception {
        assertThat(finish(outpost("unit", "install-service", "worker", "--dry-run", "--launcher", "/opt/outpost/bin/outpost")))
                .as(err("unit")).isZero();
        assertThat(out("unit")).contains("[Service]").contains("ExecStart=/opt/outpost/bin/outpost worker");
    }

    @Test
    void commandsAgainstAWorkerDaemonPrintEachFormatAndExitCode() throws Exception {
        String requestsUrl = queueUrl("requests");
        outpost("worker", "worker", "--config", workerConfig(4).toString(), "-D", "outpost.sqs.requests=" + requestsUrl);
        awaitHealthLine("worker");
        // before: "on 'requests'" only, the logical name, not the queue an operator finds in the console
        assertThat(out("worker")).contains("on 'requests' (SQS queue '" + requestsUrl + "')").contains("sealing OFF");
        String client = clientConfig().toString();

        assertThat(finish(outpost("ping", "ping", "--config", client, "-f", "json"))).as(err("ping")).isZero();
        assertThat(Json.parse(out("ping")).get(0).path("worker").asText()).isEqualTo("cli-test-worker");

        assertThat(finish(outpost("collectors", "collectors", "--config", client, "-f", "jsonl"))).isZero();
        assertThat(out("collectors")).contains("test.slow");

        assertThat(finish(outpost("call", "call", "test.slow", "-p", "ms=10", "--config", client, "-f", "csv"))).isZero();
        assertThat(out("call").lines().toList()).hasSize(2).first().isEqualTo("worker,status,millis,result,error");
        assertThat(err("call")).as("no progress bar when piped").doesNotContain("\r");

        assertThat(finish(outpost("refused", "call", "not.allowed", "--config", client, "-f", "text"))).isEqualTo(1);
        assertThat(out("refused")).startsWith("cli-test-worker rejected unknown-collector");

        assertThat(finish(outpost("badcfg", "ping", "--config", client, "-D", "outpost.client.repy-to=x"))).isEqualTo(78);
        assertThat(err("badcfg")).contains("outpost.client.repy-to").doesNotContain("Exception");
    }

    @Test
    void aWorkerDaemonWhoseQueueDoesNotExistExitsNamingItInsteadOfPollingForEver() throws Exception {
        Path cfg = config("typo.yaml", """
                outpost:
                  worker:
                    id: typo-worker
                  sqs:
                    region: us-east-1
                    endpoint: http://127.0.0.1:PORT
                    requests: requets
                """);
        // before: it printed its health line, warned once, and polled 'requets' until stopped
        assertThat(finish(outpost("typo", "worker", "--config", cfg.toString()))).isEqualTo(69);
        assertThat(err("typo")).contains("requets").contains("does not exist").contains("create the queue")
                .doesNotContain("Exception");
        assertThat(out("typo")).doesNotContain("running");
    }

    @Test
    void commandsRunAtOnceOnOneReplyQueueEachGetTheirOwnAnswer() throws Exception {
        outpost("worker", "worker", "--config", workerConfig(4).toString());
        awaitHealthLine("worker");
        String client = clientConfig().toString();
        Path hold = Files.createFile(dir.resolve("hold"));
        Path started = Files.createDirectory(dir.resolve("started"));
        List<Process> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(outpost("call" + i, "call", "test.slow", "-p", "ms=" + i, "-p", "holdWhile=" + hold,
                    "-p", "startedIn=" + started, "--timeout", "60s", "--config", client, "-f", "json"));
        }
        // every command has sent its request, so reads the reply queue, before the first answer is sent
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            try (var runs = Files.list(started)) {
                return runs.count() == 4;
            }
        });
        Files.delete(hold);
        for (int i = 0; i < 4; i++) {
            // before: a command acked whichever answer it received, and most waited out their timeout (exit 2)
            assertThat(finish(calls.get(i))).as(err("call" + i)).isZero();
            assertThat(Json.parse(out("call" + i)).get(0).path("status").asText()).isEqualTo("ok");
        }
    }

    @Test
    void aWorkerDaemonServesPrometheusMetricsOnLoopbackAndAuditsEveryRequest() throws Exception {
        Path audit = dir.resolve("audit/worker.jsonl");
        Path cfg = config("observed.yaml", Files.readString(workerConfig(2)) + """
                  metrics:
                    prometheus:
                      port: 0
                  audit:
                    file: %s
                """.formatted(audit));
        outpost("observed", "worker", "--config", cfg.toString());
        awaitHealthLine("observed");
        assertThat(err("observed")).as("one SLF4J provider: no warning about several").doesNotContain("SLF4J");
        String metricsUrl = metricsUrl("observed");
        assertThat(metricsUrl).startsWith("http://127.0.0.1:");
        assertThat(finish(outpost("ping2", "ping", "--config", clientConfig().toString(), "-f", "json"))).as(err("ping2")).isZero();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("outpost_worker_requests_seconds_count{collector=\"outpost.ping\",outcome=\"ok\"} 1\n")
                    .contains("outpost_worker_in_flight").contains("jvm_memory_used_bytes")
                    .contains("outpost_transport_operations_seconds_count");
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(audit)
                && Files.readString(audit).contains("\"target\":\"outpost.ping\""));
        assertThat(Json.parse(Files.readString(audit).lines().findFirst().orElseThrow()).get("outcome").asText()).isEqualTo("ok");
    }

    @Test
    void aBrokerDaemonAuditsEveryRemoteWriteWithoutItsValueAndServesMetrics() throws Exception {
        Path audit = dir.resolve("broker-audit.jsonl");
        Path namespaces = dir.resolve("namespaces.json");
        Files.writeString(namespaces, "{\"svc\": {\"readers\": [\"*\"], \"writers\": [\"*\"]}}");
        Files.setPosixFilePermissions(namespaces, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path cfg = config("broker.yaml", """
                outpost:
                  broker:
                    id: broker-1
                    sqlite: %s
                    namespaces-file: %s
                  worker:
                    poll-wait: 1s
                    reply-to:
                      allow: cli-replies
                  audit:
                    file: %s
                  metrics:
                    prometheus:
                      port: 0
                  sqs:
                    region: us-east-1
                    endpoint: http://127.0.0.1:PORT
                """.formatted(dir.resolve("kv.db"), namespaces, audit));
        outpost("broker", "broker", "--config", cfg.toString());
        // the queue it reads is named, as the worker's health line does: the one kv clients must be pointed at
        awaitOut("broker", "outpost broker broker-1 serving " + dir.resolve("kv.db") + " on 'kv-requests' (SQS queue 'kv-requests'), sealing OFF");
        String client = clientConfig().toString();
        assertThat(finish(outpost("put", "kv", "put", "svc/db", "{\"password\":\"hunter2-secret\"}", "--config", client)))
                .as(err("put")).isZero();
        assertThat(finish(outpost("put2", "kv", "put", "svc/db", "{\"x\":1}", "--config", client))).as("create only").isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(audit) && Files.readAllLines(audit).size() == 2);
        List<String> lines = Files.readAllLines(audit);
        assertThat(lines).noneMatch(l -> l.contains("hunter2-secret"));
        com.fasterxml.jackson.databind.JsonNode first = Json.parse(lines.get(0));
        assertThat(first.get("kind").asText()).isEqualTo("registry-write");
        assertThat(first.get("target").asText()).isEqualTo("svc/db");
        assertThat(first.get("params").get("operation").asText()).isEqualTo("kv.register");
        assertThat(first.get("params").get("namespace").asText()).isEqualTo("svc");
        assertThat(first.get("outcome").asText()).isEqualTo("ok");
        assertThat(Json.parse(lines.get(1)).get("outcome").asText()).isEqualTo("refused:key-exists");
        java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(URI.create(metricsUrl("broker"))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("outpost_registry_operations_seconds_count{operation=\"register\",outcome=\"ok\"} 1")
                .contains("outpost_worker_in_flight").contains("outpost_transport_operations_seconds_count");
    }

    @Test
    void aBrokerThatDoesNotAnswerIsHintedAtNotTheCredentials() throws Exception {
        String client = clientConfig().toString();
        // no broker reads kv-idle: SQS answers, the broker does not (as one refusing this reply queue would not)
        assertThat(finish(outpost("get", "kv", "get", "svc/a", "--broker-queue", "kv-idle", "--config", client,
                "-D", "outpost.kv.timeout=1s"))).as(err("get")).isEqualTo(ExitCodes.UNAVAILABLE);
        // it said: check outpost.sqs.region / outpost.sqs.endpoint and the AWS credentials (…), or try --demo
        assertThat(err("get")).contains("the broker did not answer kv.get").contains("outpost.worker.reply-to.allow")
                .doesNotContain("credentials");
    }

    private String metricsUrl(String name) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("metrics on (http://[^ ;]+/metrics)").matcher(out(name));
        assertThat(m.find()).as(out(name)).isTrue();
        return m.group(1);
    }

    @Test
    void aWorkerDaemonRegistersInTheFleetInventoryAndLeavesItOnSigterm() throws Exception {
        Path inventory = dir.resolve("inventory.db");
        Path cfg = config("member.yaml", Files.readString(workerConfig(2)) + """
                  fleet:
                    host:
                      register: true
                      tags: web,eu-west
                  ops:
                    registry:
                      sqlite: %s
                """.formatted(inventory));
        Process worker = outpost("member", "worker", "--config", cfg.toString());
        awaitHealthLine("member");
        assertThat(out("member")).contains("registered in the inventory in " + inventory);
        String key = dev.outpost.fleet.HostRecord.key("cli-test-worker");
        // the inventory outpost ops reads: the same SQLite file, opened by another process
        try (dev.outpost.kv.SqliteRegistry registry = dev.outpost.kv.SqliteRegistry.builder(inventory).build().start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> registry.get(key).isPresent());
            com.fasterxml.jackson.databind.JsonNode host = registry.get(key).orElseThrow().value();
            assertThat(host.path("requests").asText()).isEqualTo("requests");
            assertThat(host.path("collectors").toString()).contains("\"test.slow\"").contains("\"outpost.ping\"");
            assertThat(host.path("tags").toString()).contains("\"web\"").contains("\"eu-west\"");
            assertThat(registry.get(key).orElseThrow().expiresAt()).as("a heartbeat TTL: a killed host expires").isPresent();

            worker.destroy(); // SIGTERM: the host leaves the inventory
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(registry.get(key)).as(err("member")).isEmpty();
        }
    }

    @Test
    void sigtermDrainsInFlightWorkAndLosesNothing() throws Exception {
        Path cfg = workerConfig(4);
        Process first = outpost("first", "worker", "--config", cfg.toString());
        awaitHealthLine("first");
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
        OutpostConfig clientConfig = OutpostConfig.builder().set("outpost.sqs.region", "us-east-1")
                .set("outpost.sqs.endpoint", "http://127.0.0.1:" + port).set("outpost.client.reply-to", "test-replies")
                .set("outpost.client.poll-wait", "1s").build();
        Set<String> answered = ConcurrentHashMap.newKeySet();
        Map<String, String> notOk = new ConcurrentHashMap<>();
        try (SqsTransport transport = SqsTransport.builder().configure(clientConfig).build();
             Client client = Client.builder(transport).configure(clientConfig).build().start()) {
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            // every run is held until the SIGTERM: the first worker cannot have answered all before it, however slow
            // the client's view of its answers on a loaded machine
            Path hold = Files.createFile(dir.resolve("hold"));
            Path runs = Files.createDirectory(dir.resolve("runs"));
            for (int i = 0; i < 30; i++) {
                CompletableFuture<Response> f = client.call(Request.builder("test.slow").param("ms", 400)
                        .param("holdWhile", hold.toString()).param("startedIn", runs.toString()).build(), Duration.ofSeconds(120));
                f.thenAccept(r -> {
                    if (r.isOk()) {
                        answered.add(r.requestId());
                    } else {
                        notOk.put(r.requestId(), r.error().map(e -> e.code() + ": " + e.message()).orElse(""));
                    }
                });
                calls.add(f);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> count(runs) >= 4); // its 4 slots busy
            first.destroy(); // SIGTERM, with requests running and more waiting
            awaitErr("first", "outpost: stopping");
            Files.delete(hold); // the runs the drain waits for end
            assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(err("first")).contains("stopped");
            assertThat(first.exitValue()).as("the JVM's exit after SIGTERM, drained or not (cli/README.md)").isEqualTo(128 + 15);
            // the drained runs were answered before the exit; their answers may still be on their way to the client
            await().atMost(Duration.ofSeconds(60)).until(() -> answered.size() >= 4);
            int afterFirst = answered.size();
            assertThat(afterFirst).as("the first worker answered some, not all").isBetween(4, 29);

            outpost("second", "worker", "--config", cfg.toString());
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            for (CompletableFuture<Response> f : calls) { // the thenAccept callbacks may still be running
                Response r = f.join();
                if (r.isOk()) {
                    answered.add(r.requestId());
                } else {
                    notOk.put(r.requestId(), r.error().map(e -> e.code() + ": " + e.message()).orElse(""));
                }
            }
            // every call got its answer (none timed out); a request handed back at the SIGTERM more often than
            // outpost.worker.max-attempts allows is answered attempts-exhausted, which is an answer, not a loss
            assertThat(answered.size() + notOk.size()).as("answers: " + notOk).isEqualTo(30);
        }
    }

    @Test
    void theShipperDaemonsShipProcessListsToTheRecordStore() throws Exception {
        Path cfg = config("shipper.yaml", """
                outpost:
                  agent:
                    id: agent-1
                    period: 1s
                  outbox:
                    dir: %s
                  records:
                    dir: %s
                    http:
                      port: 0
                      token: test-token-0123456789
                  sqs:
                    region: us-east-1
                    endpoint: http://127.0.0.1:PORT
                """.formatted(dir.resolve("outbox"), dir.resolve("records")));
        outpost("store", "record-store", "--config", cfg.toString());
        awaitOut("store", "outpost record-store");
        outpost("agent", "host-agent", "--config", cfg.toString());
        awaitOut("agent", "outpost host-agent agent-1");
        java.util.regex.Matcher port = java.util.regex.Pattern.compile("on port (\\d+)").matcher(out("store"));
        assertThat(port.find()).isTrue();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        try {
            awaitCount(http, port.group(1));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("store: " + out("store") + err("store") + "\nagent: " + out("agent") + err("agent"), e);
        }
    }

    private void awaitOut(String name, String text) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> out(name).contains(text));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(name + ": " + out(name) + err(name), e);
        }
    }

    private void awaitErr(String name, String text) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> err(name).contains(text));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(name + ": " + out(name) + err(name), e);
        }
    }

    private static long count(Path directory) throws Exception {
        try (var files = Files.list(directory)) {
            return files.count();
        }
    }

    private void awaitCount(java.net.http.HttpClient http, String port) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/test/count"))
                    .header("Authorization", "Bearer test-token-0123456789").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && Json.parse(r.body()).path("data").path("count").asLong() >= 2;
        });
    }
}
