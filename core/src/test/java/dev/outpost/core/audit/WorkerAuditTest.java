package dev.outpost.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import dev.outpost.spi.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerAuditTest {
    @TempDir
    Path dir;

    private static Collector echo() {
        return Collector.of("echo", "echo", Json.anyObjectSchema(), (req, ctx) -> Map.of("n", req.params().path("n").asInt()));
    }

    @Test
    void everyHandledRequestAppearsExactlyOnce() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        int n = 10_000;
        try (InMemoryTransport transport = InMemoryTransport.create();
             AuditLog audit = AuditLog.toFile(file).drainTimeout(Duration.ofMinutes(2)).build().start()) {
            try (Worker worker = Worker.builder(transport).collector(echo()).audit(audit).concurrency(8)
                    .pollWait(Duration.ofMillis(50)).build().start();
                 Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
                List<CompletableFuture<Response>> calls = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    calls.add(client.call(Request.builder("echo").param("n", i).build(), Duration.ofMinutes(2)));
                }
                transport.send("requests", Message.of("{not json".getBytes(StandardCharsets.UTF_8))).join();
                CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get();
                await().atMost(Duration.ofMinutes(1)).until(() -> audit.written() + audit.buffered() >= n + 1);
            }
            audit.shutdown().get();
            assertThat(audit.dropped()).isZero();
        }
        Map<String, Integer> byId = new HashMap<>();
        int refused = 0;
        for (String line : Files.readAllLines(file)) {
            var doc = Json.parse(line);
            if (doc.has("requestId")) {
                byId.merge(doc.path("requestId").asText(), 1, Integer::sum);
                assertThat(doc.path("outcome").asText()).isEqualTo("ok");
                assertThat(doc.path("target").asText()).isEqualTo("echo");
                assertThat(doc.path("paramsSha256").asText()).hasSize(64);
                assertThat(doc.has("params")).as("params only when asked").isFalse();
            } else {
                refused++;
                assertThat(doc.path("outcome").asText()).isEqualTo("rejected:undecodable");
            }
        }
        assertThat(byId).hasSize(n);
        assertThat(byId.values()).allMatch(c -> c == 1);
        assertThat(refused).isEqualTo(1);
    }

    @Test
    void aWorkersShutdownWaitsForTheLastRequestsListenerAndAuditLine() throws Exception {
        CountDownLatch heard = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        dev.outpost.core.WorkerListener slow = new dev.outpost.core.WorkerListener() {
            @Override
            public void onCompleted(Request request, Response response, Duration elapsed) {
                heard.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        dev.outpost.core.SendsOnItsOwnThread sending = null;
        try (InMemoryTransport transport = InMemoryTransport.create();
             AuditLog audit = AuditLog.builder(lines -> { }).build().start();
             // as on SQS, a send completes on the transport's own thread, not the worker's
             Worker worker = Worker.builder(sending = new dev.outpost.core.SendsOnItsOwnThread(transport))
                     .collector(echo()).audit(audit).listener(slow).drainTimeout(Duration.ofSeconds(30))
                     .pollWait(Duration.ofMillis(50)).build().start();
             Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            assertThat(client.call(Request.builder("echo").param("n", 1).build(), Duration.ofSeconds(20)).get().isOk()).isTrue();
            sending.release();
            assertThat(heard.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            CompletableFuture<dev.outpost.ShutdownResult> stopping = worker.shutdown();
            // before: the request left the in-flight set before its listener and audit line, so the shutdown (a daemon's
            // last step before it closes its audit log) ended with the line not yet recorded
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(20)).until(() -> !stopping.isDone());
            release.countDown();
            stopping.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(audit.written() + audit.buffered()).as("the line is recorded once the shutdown ends").isEqualTo(1);
        } finally {
            if (sending != null) {
                sending.stopThread();
            }
        }
    }

    @Test
    void aBlockedSinkNeverHoldsUpTheWorker() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AuditSink stuck = lines -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (InMemoryTransport transport = InMemoryTransport.create();
             AuditLog audit = AuditLog.builder(stuck).bufferSize(16).drainTimeout(Duration.ZERO).build().start();
             Worker worker = Worker.builder(transport).collector(echo()).audit(audit).pollWait(Duration.ofMillis(50))
                     .build().start();
             Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                calls.add(client.call(Request.builder("echo").param("n", i).build(), Duration.ofMinutes(2)));
            }
            // all 500 answered while the sink never returned: auditing did not wait for it
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get();
            await().atMost(Duration.ofMinutes(1)).until(() -> audit.dropped() > 0);
            release.countDown();
        }
    }
}
