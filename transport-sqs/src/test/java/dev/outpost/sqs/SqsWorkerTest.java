package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.core.Client;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ShutdownResult;
import dev.outpost.core.Worker;
import dev.outpost.spi.Collector;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.TransportException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

class SqsWorkerTest {
    static ElasticMq mq;
    static SqsAsyncClient admin;

    @BeforeAll
    static void start() {
        mq = ElasticMq.start();
        admin = mq.client();
    }

    @AfterAll
    static void stop() {
        mq.close();
    }

    static Collector echo() {
        return Collector.of("echo", (request, context) -> request.params());
    }

    @Test
    void aMissingQueueFailsItsCheckAndItsSendsWithItsName() {
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).queue("requests", "no-such-queue").build()) {
            assertThatThrownBy(() -> t.verify("requests"))
                    .isInstanceOf(dev.outpost.spi.NoSuchDestinationException.class)
                    .hasMessageContaining("no-such-queue").hasMessageContaining("does not exist");
            assertThatThrownBy(() -> t.send("requests", dev.outpost.spi.Message.of("x".getBytes(), java.util.Map.of())).join())
                    .hasCauseInstanceOf(dev.outpost.spi.NoSuchDestinationException.class)
                    .hasMessageContaining("no-such-queue");
        }
    }

    @Test
    void acceptingPayloadLocationsWithoutAnS3ClientFailsAtBuild() {
        assertThatThrownBy(() -> SqsTransport.builder().sqsClient(admin).acceptPayloadsFrom("extended-client", "").build())
                .isInstanceOf(dev.outpost.ConfigException.class).hasMessageContaining("s3Client");
        assertThatThrownBy(() -> SqsTransport.builder().acceptPayloadsFrom("Not_A_Bucket", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Not_A_Bucket");
        // 'uploads' would also accept pointers into 'uploads-private/'
        assertThatThrownBy(() -> SqsTransport.builder().acceptPayloadsFrom("extended-client", "uploads"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'uploads'");
        try (var s3 = software.amazon.awssdk.services.s3.S3AsyncClient.builder()
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).build()) {
            assertThatThrownBy(() -> SqsTransport.builder().largePayloads(s3, "bucket", "no-slash"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyPrefix");
            // a written prefix is never the whole bucket; a read one may be, but never rooted at '/'
            assertThatThrownBy(() -> SqsTransport.builder().largePayloads(s3, "bucket", ""))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-empty");
            assertThatThrownBy(() -> SqsTransport.builder().largePayloads(s3, "bucket", "/rooted/"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'/rooted/'");
            assertThatThrownBy(() -> SqsTransport.builder().acceptPayloadsFrom("extended-client", "/rooted/"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("be empty or");
            assertThat(SqsTransport.builder().largePayloads(s3, "bucket", "mine/").acceptPayloadsFrom("extended-client", "")
                    .acceptPayloadsFrom("extended-client", "in/")).isNotNull();
        }
    }

    @Test
    void theProvisionerIsIdempotent() {
        SqsProvisioner p = new SqsProvisioner(admin);
        String first = p.queueWithDeadLetter("prov", Duration.ofSeconds(30), 5);
        String second = p.queueWithDeadLetter("prov", Duration.ofSeconds(30), 5);
        assertThat(second).isEqualTo(first);
        assertThat(admin.getQueueUrl(r -> r.queueName("prov-dead-letter")).join().queueUrl()).isNotBlank();
    }

    @Test
    void aFifoQueueGetsAFifoDeadLetterQueueAndProvisioningItAgainChangesNothing() {
        SqsProvisioner p = new SqsProvisioner(admin);
        String first = p.queueWithDeadLetter("jobs.fifo", Duration.ofSeconds(30), 5);
        assertThat(p.queueWithDeadLetter("jobs.fifo", Duration.ofSeconds(30), 5)).isEqualTo(first);
        String dlq = admin.getQueueUrl(r -> r.queueName("jobs-dead-letter.fifo")).join().queueUrl();
        for (String url : List.of(first, dlq)) {
            assertThat(admin.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                    software.amazon.awssdk.services.sqs.model.QueueAttributeName.FIFO_QUEUE)).join().attributes())
                    .containsEntry(software.amazon.awssdk.services.sqs.model.QueueAttributeName.FIFO_QUEUE, "true");
        }
        String redrive = admin.getQueueAttributes(r -> r.queueUrl(first).attributeNames(
                software.amazon.awssdk.services.sqs.model.QueueAttributeName.REDRIVE_POLICY)).join().attributes()
                .get(software.amazon.awssdk.services.sqs.model.QueueAttributeName.REDRIVE_POLICY);
        assertThat(redrive).contains("jobs-dead-letter.fifo");
    }

    @Test
    void aWorkerAtItsDefaultsKeepsOneReceiveOpenWhileIdleAndMoreUnderLoad() throws Exception {
        SqsProvisioner p = new SqsProvisioner(admin);
        p.queue("idle-work", Map.of());
        p.queue("idle-replies", Map.of());
        InterceptingSqsClient seen = new InterceptingSqsClient(mq.client());
        try (SqsTransport workerSide = SqsTransport.builder().sqsClient(seen).queue("requests", "idle-work").build();
                SqsTransport clientSide = SqsTransport.builder().sqsClient(mq.client()).queue("requests", "idle-work").build();
                Worker worker = Worker.builder(workerSide).allowReplyTo("idle-replies").collector(echo())
                        .pollWait(Duration.ofMillis(200)).build().start();
                Client client = Client.builder(clientSide).replyTo("idle-replies").pollWait(Duration.ofSeconds(1)).build().start()) {
            assertThat(worker.status().threads()).hasSize(8); // the default pollers
            // an idle receive takes its whole wait, 200 ms rounded up to SQS's 1 s: these awaits count seconds of polls
            await().atMost(Duration.ofSeconds(60)).until(() -> seen.receives.get() >= 5);
            assertThat(seen.mostOpenReceives.get()).as("an idle queue: one long poll at a time").isEqualTo(1);

            List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                calls.add(client.call(Request.builder("echo").param("i", i).build(), Duration.ofSeconds(60)));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            assertThat(seen.mostOpenReceives.get()).as("a busy queue: several long polls at once").isGreaterThan(1);

            // idle again once an empty receive came back: by then each poller has had at most a couple more
            int done = seen.receives.get();
            // 20 more receives of 1 s, mostly one at a time: 16 s under load here, the old 30 s on a slower machine
            await().atMost(Duration.ofSeconds(120)).until(() -> seen.receives.get() >= done + 20 && seen.openReceives.get() <= 1);
            seen.mostOpenReceives.set(seen.openReceives.get());
            int before = seen.receives.get();
            await().atMost(Duration.ofSeconds(60)).until(() -> seen.receives.get() >= before + 5);
            assertThat(seen.mostOpenReceives.get()).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void aWorkerAnswersThousandsOfCallsWithFewApiCallsPerMessage() throws Exception {
        SqsProvisioner p = new SqsProvisioner(admin);
        p.queueWithDeadLetter("work", Duration.ofSeconds(30), 10);
        p.queue("replies", Map.of());
        p.queue("dead", Map.of());
        try (SqsTransport workerSide = SqsTransport.builder().sqsClient(mq.client()).queue("requests", "work")
                        .queue("dead-letter", "dead").build();
                SqsTransport clientSide = SqsTransport.builder().sqsClient(mq.client()).queue("requests", "work").build();
                Worker worker = Worker.builder(workerSide).allowReplyTo("kill-replies", "load-replies", "outage-replies", "replies").collector(echo()).concurrency(32).pollers(2)
                        .pollWait(Duration.ofSeconds(1)).build().start();
                Client client = Client.builder(clientSide).replyTo("replies").pollWait(Duration.ofSeconds(1)).build().start()) {
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            int before = mq.apiCalls.get();
            for (int i = 0; i < 2_000; i++) {
                calls.add(client.call(Request.builder("echo").param("i", i).build(), Duration.ofSeconds(60)));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            for (int i = 0; i < calls.size(); i++) {
                assertThat(calls.get(i).join().result().orElseThrow().get("i").asInt()).isEqualTo(i);
            }
            double perMessage = (mq.apiCalls.get() - before) / 2_000.0 / 2; // each call is a request and a response
            System.out.printf("SQS API calls per message (client and worker, both directions): %.3f%n", perMessage);
            assertThat(perMessage).as("batched sends, receives and deletes; a naive loop makes 3").isLessThan(1.0);
        }
    }

    @Test
    void onFifoQueuesEverySendIsOneMessageEvenWithTheSameRequestId() throws Exception {
        new SqsProvisioner(admin).queue("orders.fifo", Map.of());
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).build()) {
            for (int i = 0; i < 3; i++) { // a broadcast's responses: one request id, several workers
                t.send("orders.fifo", Message.of(("from worker " + i).getBytes(StandardCharsets.UTF_8),
                        Map.of("outpost-request-id", "req-1"))).join();
            }
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < 5 && bodies.size() < 3; i++) {
                for (Delivery d : t.receive("orders.fifo", 10, Duration.ofSeconds(1))) {
                    bodies.add(new String(d.message().body(), StandardCharsets.UTF_8));
                    d.ack().join();
                }
            }
            assertThat(bodies).containsExactly("from worker 0", "from worker 1", "from worker 2");
        }
    }

    @Test
    void theGroupAttributeChoosesTheFifoGroup() throws Exception {
        new SqsProvisioner(admin).queue("grouped.fifo", Map.of());
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).build()) {
            t.send("grouped.fifo", Message.of("a1".getBytes(StandardCharsets.UTF_8), Map.of(SqsTransport.GROUP_ID_ATTRIBUTE, "a"))).join();
            t.send("grouped.fifo", Message.of("a2".getBytes(StandardCharsets.UTF_8), Map.of(SqsTransport.GROUP_ID_ATTRIBUTE, "a"))).join();
            t.send("grouped.fifo", Message.of("b1".getBytes(StandardCharsets.UTF_8), Map.of(SqsTransport.GROUP_ID_ATTRIBUTE, "b"))).join();
            List<Delivery> first = t.receive("grouped.fifo", 1, Duration.ofSeconds(1));
            assertThat(first).extracting(d -> new String(d.message().body(), StandardCharsets.UTF_8)).containsExactly("a1");
            // while a1 is in flight its group waits; another group does not
            List<Delivery> second = t.receive("grouped.fifo", 10, Duration.ofSeconds(1));
            assertThat(second).extracting(d -> new String(d.message().body(), StandardCharsets.UTF_8)).containsExactly("b1");
        }
    }

    @Test
    void bodiesSqsCannotCarryAsTextAndManyAttributesSurvive() throws Exception {
        new SqsProvisioner(admin).queue("odd-bodies", Map.of());
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).build()) {
            Map<String, String> attrs = new HashMap<>();
            for (int i = 0; i < 12; i++) {
                attrs.put("attr-" + i, i == 3 ? "" : i == 5 ? "rocket \uD83D\uDE80 and \u0001 control" : "v" + i);
            }
            byte[] control = "\u0000\u0001 nul and control".getBytes(StandardCharsets.UTF_8);
            t.send("odd-bodies", Message.of(control, attrs)).join();
            List<Delivery> got = t.receive("odd-bodies", 1, Duration.ofSeconds(5));
            assertThat(got.get(0).message().body()).isEqualTo(control);
            assertThat(got.get(0).message().attributes()).isEqualTo(attrs);
            got.get(0).ack().join();
        }
    }

    /**
     * The AWS Common Runtime's HTTP client (less CPU a message than the SDK's default, Netty): a worker whose transport
     * makes its client from {@code outpost.sqs.http-client: crt} and a client given one it built answer, keep
     * attributes, and close cleanly with their long polls open.
     */
    @Test
    void aWorkerAndAClientOnCrtClientsAnswerEveryCallAndCloseCleanly() throws Exception {
        try (SqsAsyncClient clientSqs = mq.crtClient()) {
            ElasticMq.createQueue(admin, "crt-work", 30, Map.of());
            ElasticMq.createQueue(admin, "crt-replies", 30, Map.of());
            Collector echo = Collector.of("echo", (request, context) -> Map.of("i", request.params().get("i"),
                    "trace", request.attributes().getOrDefault("trace", "")));
            Worker worker;
            try (SqsTransport workerSide = SqsTransport.builder().queue("requests", "crt-work").configure(HardeningTest.config(Map.of(
                    "outpost.sqs.http-client", "crt", "outpost.sqs.endpoint", "http://127.0.0.1:" + mq.port(),
                    "outpost.sqs.region", "us-east-1", "outpost.sqs.access-key-id", "test", "outpost.sqs.secret-access-key", "test")))
                    .build();
                    SqsTransport clientSide = SqsTransport.builder().sqsClient(clientSqs).queue("requests", "crt-work").build();
                    Client client = Client.builder(clientSide).replyTo("crt-replies").pollWait(Duration.ofSeconds(1)).build().start()) {
                worker = Worker.builder(workerSide).allowReplyTo("crt-replies").collector(echo).pollWait(Duration.ofSeconds(1))
                        .build().start();
                List<CompletableFuture<Response>> calls = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    calls.add(client.call(Request.builder("echo").param("i", i).attribute("trace", "t-" + i).build(),
                            Duration.ofSeconds(60)));
                }
                for (int i = 0; i < calls.size(); i++) {
                    Response r = calls.get(i).get(90, TimeUnit.SECONDS);
                    assertThat(r.isOk()).as(r.toString()).isTrue();
                    assertThat(r.result().orElseThrow().get("i").asInt()).isEqualTo(i);
                    assertThat(r.result().orElseThrow().get("trace").asText()).isEqualTo("t-" + i);
                }
                var threads = Thread.getAllStackTraces();
                assertThat(threads.keySet()).as("the runtime's event loop").anyMatch(th -> th.getName().startsWith("AwsEventLoop"));
                assertThat(threads.entrySet()).as("no Netty event loop of the transport's own")
                        .noneMatch(e -> e.getKey().getName().startsWith(dev.outpost.sqs.internal.ClientSettings.IO_THREADS)
                                && java.util.Arrays.stream(e.getValue()).anyMatch(f -> f.getClassName().startsWith("io.netty")));
                // idle now: its pollers wait in long polls, which closing ends and hands back
                ShutdownResult stopped = worker.shutdown().get(60, TimeUnit.SECONDS);
                assertThat(stopped.clean()).as(stopped.toString()).isTrue();
                assertThat(stopped.threadsStillAlive()).isEmpty();
            }
            assertThat(admin.getQueueAttributes(r -> r.queueUrl(admin.getQueueUrl(q -> q.queueName("crt-work")).join().queueUrl())
                    .attributeNamesWithStrings("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")).join()
                    .attributesAsStrings()).as("every request taken once and deleted")
                    .containsEntry("ApproximateNumberOfMessages", "0").containsEntry("ApproximateNumberOfMessagesNotVisible", "0");
        }
    }

    @Test
    void anHttpClientOtherThanNettyOrCrtIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> SqsTransport.builder().configure(HardeningTest.config(Map.of("outpost.sqs.http-client", "apache")))
                .build())
                .isInstanceOf(dev.outpost.ConfigException.class).hasMessageContaining("outpost.sqs.http-client")
                .hasMessageContaining("'apache' is neither netty nor crt");
    }
}
