package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.Client;
import dev.outpost.sqs.SqsTransport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Exactly-once effects across a crash, two ways.
 *
 * <p>Idempotency store: a worker process ({@link CrashingWorkerMain}) is killed with
 * {@code kill -9} after its collector's side effect and after the outcome was recorded, but before
 * the response was published and the message acked. The message comes back to a restarted worker,
 * which answers from the SQLite idempotency store: the caller gets the first run's result and the
 * side effect happened once. The same key with other params is then refused.
 *
 * <p>Result outbox: the worker is killed between "collected" (the answer is on disk) and
 * "published"; the restarted worker publishes the kept answer and acks the redelivered request
 * without running the collector again.
 */
class WorkerCrashTest {
    @TempDir
    Path dir;

    @Test
    void aWorkerKilledBeforeTheAckAnswersFromTheStoreAfterItsRestart() throws Exception {
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        int port = server.waitUntilStarted().localAddress().getPort();
        Path db = dir.resolve("idempotency.db");
        Path counter = dir.resolve("charges.txt");
        Path marker = dir.resolve("stalled");
        Process worker = null;
        try (SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build()) {
            for (String q : List.of("idem-requests", "idem-replies", "dead-letter")) {
                sqs.createQueue(r -> r.queueName(q).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "2"))).join();
            }
            try (SqsTransport callerSide = SqsTransport.builder().sqsClient(sqs).build();
                    Client client = Client.builder(callerSide).requests("idem-requests").replyTo("idem-replies")
                            .pollWait(Duration.ofSeconds(1)).build().start()) {
                worker = startWorker(port, db, counter, marker, "stall", "idempotency");
                CompletableFuture<Response> call = client.call(Request.builder("charge").idempotencyKey("payment-42")
                        .param("amount", 5).build(), Duration.ofSeconds(90));
                await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(marker));
                new ProcessBuilder("kill", "-9", Long.toString(worker.pid())).start().waitFor();
                assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(Files.readAllLines(counter)).as("the side effect happened before the kill").hasSize(1);
                assertThat(call).as("nothing was published before the kill").isNotDone();

                worker = startWorker(port, db, counter, marker, "normal", "idempotency");
                Response answered = call.get(60, TimeUnit.SECONDS);
                assertThat(answered.isOk()).isTrue();
                assertThat(answered.result().orElseThrow().get("line").asInt()).isEqualTo(1); // the first run's result
                assertThat(Files.readAllLines(counter)).as("the side effect happened once").hasSize(1);

                Response retried = client.call(Request.builder("charge").idempotencyKey("payment-42").param("amount", 5)
                        .build(), Duration.ofSeconds(30)).get();
                assertThat(retried.result()).isEqualTo(answered.result());
                Response other = client.call(Request.builder("charge").idempotencyKey("payment-42").param("amount", 6)
                        .build(), Duration.ofSeconds(30)).get();
                assertThat(other.status()).isEqualTo(ResponseStatus.REJECTED);
                assertThat(other.error().orElseThrow().code()).isEqualTo("idempotency-conflict");
                assertThat(Files.readAllLines(counter)).hasSize(1);
            }
        } finally {
            if (worker != null) {
                worker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            server.stopAndWait();
        }
    }

    @Test
    void aWorkerKilledBetweenCollectAndPublishPublishesTheKeptAnswerOnRestart() throws Exception {
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        int port = server.waitUntilStarted().localAddress().getPort();
        Path db = dir.resolve("unused.db");
        Path counter = dir.resolve("runs.txt");
        Path marker = dir.resolve("stalled");
        Process worker = null;
        try (SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build()) {
            for (String q : List.of("idem-requests", "idem-replies", "dead-letter")) {
                sqs.createQueue(r -> r.queueName(q).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "2"))).join();
            }
            try (SqsTransport callerSide = SqsTransport.builder().sqsClient(sqs).build();
                    Client client = Client.builder(callerSide).requests("idem-requests").replyTo("idem-replies")
                            .pollWait(Duration.ofSeconds(1)).build().start()) {
                worker = startWorker(port, db, counter, marker, "stall", "outbox");
                CompletableFuture<Response> call = client.call(Request.builder("charge").param("amount", 3).build(),
                        Duration.ofSeconds(90));
                await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(marker));
                new ProcessBuilder("kill", "-9", Long.toString(worker.pid())).start().waitFor();
                assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(Files.readAllLines(counter)).hasSize(1);
                assertThat(call).isNotDone();
                try (var kept = Files.list(dir.resolve("outbox"))) {
                    assertThat(kept.filter(p -> p.toString().endsWith(".msg")).count()).as("the answer is on disk").isEqualTo(1);
                }

                worker = startWorker(port, db, counter, marker, "normal", "outbox");
                Response answered = call.get(60, TimeUnit.SECONDS);
                assertThat(answered.isOk()).isTrue();
                assertThat(answered.result().orElseThrow().get("line").asInt()).isEqualTo(1);
                // the redelivered request (visibility 2 s) is acked without running again
                await().atMost(Duration.ofSeconds(30)).until(() -> depth(sqs, "idem-requests") == 0);
                assertThat(Files.readAllLines(counter)).as("collected once").hasSize(1);
            }
        } finally {
            if (worker != null) {
                worker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            server.stopAndWait();
        }
    }

    private static int depth(SqsAsyncClient sqs, String queue) {
        String url = sqs.getQueueUrl(r -> r.queueName(queue)).join().queueUrl();
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .join().attributes();
        return Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    private Process startWorker(int port, Path db, Path counter, Path marker, String mode, String store) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx256m", CrashingWorkerMain.class.getName(),
                Integer.toString(port), db.toString(), counter.toString(), marker.toString(), mode, store);
        pb.redirectError(dir.resolve("worker-" + mode + "-" + store + ".err").toFile());
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("started")) {
            if (line.contains("dev.outpost")) {
                System.out.println("worker: " + line); // its log, when the logging provider writes to stdout
            }
        }
        assertThat(line).as("worker started").isEqualTo("started");
        Thread drain = new Thread(() -> out.lines().filter(l -> l.contains("dev.outpost"))
                .forEach(l -> System.out.println("worker: " + l)), "worker-stdout");
        drain.setDaemon(true);
        drain.start();
        return p;
    }
}
