package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.Attributes;
import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.NoSuchDestinationException;
import dev.outpost.spi.TransportException;
import dev.outpost.sqs.internal.ClientSettings;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/** Issue 15's transport items, each on ElasticMQ: lazy names, dead-lettering by configuration, ARNs, close, credentials. */
class HardeningTest {
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

    /**
     * Receives on another thread and gives up once {@code started} opens, as a worker's or client's
     * shutdown does (by interrupting its poller); returns what the receive ended with.
     */
    private static Throwable receiveAndGiveUp(SqsTransport t, Duration wait, CountDownLatch started) throws InterruptedException {
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Thread poller = new Thread(() -> {
            try {
                t.receive("requests", 10, wait);
            } catch (Throwable e) {
                ended.set(e);
            }
        });
        poller.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        poller.interrupt();
        poller.join(10_000);
        return ended.get();
    }

    static ConfigSource config(Map<String, String> values) {
        return new ConfigSource() {
            @Override
            public Optional<String> string(String key) {
                return Optional.ofNullable(values.get(key));
            }

            @Override
            public Set<String> keys() {
                return values.keySet();
            }

            @Override
            public Optional<String> sourceOf(String key) {
                return values.containsKey(key) ? Optional.of("test") : Optional.empty();
            }
        };
    }

    static Message text(String s) {
        return Message.of(s.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    static long messagesOn(String url) {
        var a = admin.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                software.amazon.awssdk.services.sqs.model.QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                software.amazon.awssdk.services.sqs.model.QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).join().attributes();
        return a.values().stream().mapToLong(Long::parseLong).sum();
    }

    static String endpoint() {
        return "http://127.0.0.1:" + mq.port();
    }

    @Test
    void buildsAndChecksWhileSqsIsUnreachableAndSendsOnceItIsBack() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        SqsAsyncClient client = SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
        try (SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", "lazy-q").build()) {
            t.verify("requests"); // unreachable: logged, not thrown, so a worker or shipper starts during an outage
            assertThatThrownBy(() -> t.send("requests", text("early")).join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(TransportException.class)
                    .hasMessageContaining("lazy-q");
            SQSRestServer late = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(port).start();
            try {
                late.waitUntilStarted();
                ElasticMq.createQueue(client, "lazy-q", 30, Map.of());
                t.send("requests", text("after the outage")).join();
                List<Delivery> got = t.receive("requests", 10, Duration.ofSeconds(2));
                assertThat(got).extracting(d -> new String(d.message().body(), StandardCharsets.UTF_8)).containsExactly("after the outage");
                got.get(0).ack().join();
            } finally {
                late.stopAndWait();
            }
        } finally {
            client.close();
        }
    }

    @Test
    void anUnreadableMessageGoesToTheConfiguredDeadLetterQueueWithThePlainReason() throws Exception {
        String url = ElasticMq.createQueue(admin, "plain-src", 30, Map.of()); // no redrive policy
        String dead = ElasticMq.createQueue(admin, "plain-dead", 30, Map.of());
        admin.sendMessage(r -> r.queueUrl(url).messageBody("uryyb").messageAttributes(Map.of("outpost-body-encoding",
                MessageAttributeValue.builder().dataType("String").stringValue("rot13").build()))).join();
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).configure(config(Map.of(
                "outpost.sqs.requests", "plain-src", "outpost.sqs.dead-letter", "plain-dead"))).build()) {
            assertThat(t.receive("requests", 10, Duration.ofSeconds(1))).isEmpty();
            AtomicReference<software.amazon.awssdk.services.sqs.model.Message> moved = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                var got = admin.receiveMessage(r -> r.queueUrl(dead).waitTimeSeconds(1).messageAttributeNames("All")).join().messages();
                if (!got.isEmpty()) {
                    moved.set(got.get(0));
                }
                return moved.get() != null;
            });
            Map<String, MessageAttributeValue> attrs = moved.get().messageAttributes();
            assertThat(attrs.get(Attributes.REJECT_REASON).dataType()).isEqualTo("String");
            assertThat(attrs.get(Attributes.REJECT_REASON).stringValue()).isEqualTo("unreadable");
            assertThat(attrs.get(Attributes.REJECT_DETAIL).stringValue()).contains("rot13");
            assertThat(attrs.get(Attributes.SOURCE).stringValue()).isEqualTo("requests");
            await().atMost(Duration.ofSeconds(10)).until(() -> messagesOn(url) == 0);
        }
    }

    @Test
    void aQueueArnIsADestinationAndAnythingElseThatLooksLikeAnArnIsRefused() throws Exception {
        String url = ElasticMq.createQueue(admin, "by-arn", 30, Map.of());
        String arn = ElasticMq.arn(admin, url);
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).build()) {
            t.send(arn, text("to an ARN")).join();
            var got = admin.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(2)).join().messages();
            assertThat(got).extracting(software.amazon.awssdk.services.sqs.model.Message::body).containsExactly("to an ARN");
            assertThatThrownBy(() -> t.send("arn:aws:sns:us-east-1:000000000000:a-topic", text("x")).join())
                    .hasCauseInstanceOf(NoSuchDestinationException.class).hasMessageContaining("not an SQS queue ARN");
        }
    }

    /**
     * At the seam, because ElasticMQ cannot show it: a poll whose receiver gave up (interrupted) is
     * still open on the server when close begins, and ends there with a message, hidden for the
     * queue's 60 s visibility timeout. Close must wait for it and make the message visible again.
     */
    @Test
    void closingAfterAnAbandonedPollReleasesWhatThePollPicked() throws Exception {
        String url = ElasticMq.createQueue(admin, "abandoned", 60, Map.of());
        admin.sendMessage(r -> r.queueUrl(url).messageBody("do not hide me")).join();
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        CompletableFuture<ReceiveMessageResponse> serverAnswer = new CompletableFuture<>();
        CountDownLatch polling = new CountDownLatch(1);
        client.nextReceive.set(r -> {
            polling.countDown();
            return serverAnswer;
        });
        SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", url).build();
        assertThat(receiveAndGiveUp(t, Duration.ofSeconds(20), polling)).isInstanceOf(InterruptedException.class);

        CompletableFuture<ShutdownResult> closed = t.shutdown();
        assertThat(closed).as("close waits for the poll still open on the server").isNotDone();
        // what the server hands the abandoned poll: really received, so hidden for 60 s
        ReceiveMessageResponse picked = admin.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(2)).join();
        assertThat(picked.messages()).hasSize(1);
        serverAnswer.complete(picked); // the poll ends after close began

        ShutdownResult result = closed.get(30, TimeUnit.SECONDS);
        assertThat(result.handedBack()).as("messages made visible again: " + result).isEqualTo(1);
        assertThat(client.visibilityBatches).singleElement().satisfies(b -> assertThat(b.entries()).singleElement()
                .satisfies(e -> {
                    assertThat(e.receiptHandle()).isEqualTo(picked.messages().get(0).receiptHandle());
                    assertThat(e.visibilityTimeout()).isZero();
                }));
        var again = admin.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(3)).join().messages();
        assertThat(again).as("visible again at once, not after the 60 s visibility timeout")
                .extracting(software.amazon.awssdk.services.sqs.model.Message::body).containsExactly("do not hide me");
    }

    /**
     * A daemon asked to stop should not sit out a 20 s long poll its worker gave up on: with
     * {@code outpost.sqs.close-wait} short, closing waits that long for the poll and no longer,
     * and says it was not clean. Here the server never answers the poll at all.
     */
    @Test
    void aShortCloseWaitStopsWithoutWaitingOutAnAbandonedPoll() throws Exception {
        String url = ElasticMq.createQueue(admin, "close-wait", 60, Map.of());
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        CountDownLatch polling = client.neverAnswerNextReceive();
        SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", url)
                .configure(config(Map.of("outpost.sqs.close-wait", "200ms"))).build();
        assertThat(receiveAndGiveUp(t, Duration.ofSeconds(20), polling)).isInstanceOf(InterruptedException.class);

        ShutdownResult result = t.shutdown().get(15, TimeUnit.SECONDS); // the poll's own due is 25 s away, the default wait 25 s
        assertThat(result.clean()).as("a poll was still open: " + result).isFalse();
        assertThat(result.took()).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void aCloseWaitOutsideZeroTo25SecondsIsRefused() {
        assertThatThrownBy(() -> SqsTransport.builder().configure(config(Map.of("outpost.sqs.close-wait", "30s"))).build())
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(ConfigException.Problem::key)
                        .containsExactly("outpost.sqs.close-wait"));
        assertThatThrownBy(() -> SqsTransport.builder().closeWait(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 to 25s");
        assertThat(SqsTransport.builder().closeWait(Duration.ZERO)).isNotNull();
    }

    /**
     * A receive whose caller gives up (interrupted, as a worker's shutdown does) while it reads
     * offloaded payloads from S3: what it received must not stay hidden for the queue's 60 s
     * visibility timeout, any more than what an abandoned poll picked. S3 here never answers.
     */
    @Test
    void aReceiveInterruptedWhileReadingPayloadsMakesWhatItReceivedVisibleAgain() throws Exception {
        String url = ElasticMq.createQueue(admin, "interrupted-fetch", 60, Map.of());
        admin.sendMessage(r -> r.queueUrl(url).messageBody(
                "[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"payloads\",\"s3Key\":\"outpost/slow\"}]")
                .messageAttributes(Map.of("ExtendedPayloadSize", MessageAttributeValue.builder().dataType("Number")
                        .stringValue("300000").build()))).join();
        CountDownLatch reading = new CountDownLatch(1);
        S3AsyncClient silentS3 = new S3AsyncClient() {
            @Override
            public <T> CompletableFuture<T> getObject(GetObjectRequest request, AsyncResponseTransformer<GetObjectResponse, T> to) {
                reading.countDown();
                return new CompletableFuture<>();
            }

            @Override
            public String serviceName() {
                return "s3";
            }

            @Override
            public void close() {}
        };
        try (SqsTransport t = SqsTransport.builder().sqsClient(admin).largePayloads(silentS3, "payloads").queue("requests", url)
                .build()) {
            assertThat(receiveAndGiveUp(t, Duration.ofSeconds(5), reading)).isInstanceOf(InterruptedException.class);

            // ElasticMQ's long polls do not wake for a visibility change: look again until it shows
            await("visible again at once, not after the 60 s visibility timeout").atMost(Duration.ofSeconds(10))
                    .until(() -> !admin.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(1)).join().messages().isEmpty());
        }
    }

    @Test
    void aVisibilityTimeoutUnderASecondIsAskedForAsOneSecondNotZero() throws Exception {
        String url = ElasticMq.createQueue(admin, "sub-second-visibility", 60, Map.of());
        admin.sendMessage(r -> r.queueUrl(url).messageBody("hide me while I am worked on")).join();
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        List<Integer> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        client.nextReceive.set(r -> {
            asked.add(r.visibilityTimeout());
            return admin.receiveMessage(r);
        });
        try (SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", url)
                .visibilityTimeout(Duration.ofMillis(500)).build()) {
            assertThat(t.receive("requests", 1, Duration.ofSeconds(5))).hasSize(1);
        }
        assertThat(asked).as("0 would leave the message visible to every other receiver at once").containsExactly(1);
        assertThatThrownBy(() -> SqsTransport.builder().visibilityTimeout(Duration.ofHours(12).plusMillis(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A send made just before close, still looking up its queue's URL when close begins (the first
     * send to a destination), reaches SQS before close ends: close does not return while it is on
     * its way, and the clients the transport owns are not closed under it.
     */
    @Test
    void closeWaitsForASendStillOnItsWayToItsBatch() throws Exception {
        String url = ElasticMq.createQueue(admin, "on-its-way", 30, Map.of());
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        CompletableFuture<software.amazon.awssdk.services.sqs.model.GetQueueUrlResponse> lookup = new CompletableFuture<>();
        client.nextQueueUrl.set(r -> lookup);
        SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", "on-its-way").build();
        CompletableFuture<Void> sent = t.send("requests", text("sent just before close"));

        CompletableFuture<ShutdownResult> closed = t.shutdown();
        assertThat(closed).as("close waits for the send still looking up its queue").isNotDone();
        lookup.complete(software.amazon.awssdk.services.sqs.model.GetQueueUrlResponse.builder().queueUrl(url).build());

        assertThat(closed.get(30, TimeUnit.SECONDS).clean()).isTrue();
        sent.get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> messagesOn(url) == 1);
    }

    @Test
    void closeDoesNotWaitLongerThanItsDueForAPollTheServerNeverAnswers() throws Exception {
        String url = ElasticMq.createQueue(admin, "unanswered", 60, Map.of());
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        CountDownLatch polling = client.neverAnswerNextReceive(); // a server that never answers this 1 s long poll
        SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", url).build();
        assertThat(receiveAndGiveUp(t, Duration.ofSeconds(1), polling)).isInstanceOf(InterruptedException.class);

        // due 1 s + the grace after it began: the close gives up on it then, not after the 25 s it allows a 20 s poll
        ShutdownResult result = t.shutdown().get(15, TimeUnit.SECONDS);
        assertThat(result.clean()).as("a call was still open: " + result).isFalse();
    }

    @Test
    void configurationGivesEndpointRegionAndStaticCredentialsAndNothingStartsInBuild() throws Exception {
        ElasticMq.createQueue(admin, "configured", 30, Map.of());
        AtomicInteger threads = new AtomicInteger();
        Map<String, String> c = new HashMap<>(Map.of("outpost.sqs.endpoint", endpoint(), "outpost.sqs.region", "eu-west-1",
                "outpost.sqs.access-key-id", "AKIDEXAMPLE", "outpost.sqs.secret-access-key", "secret-example",
                "outpost.sqs.requests", "configured"));
        List<Thread> made = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (SqsTransport t = SqsTransport.builder().configure(config(c)).threadFactory(r -> {
            threads.incrementAndGet();
            Thread th = new Thread(r, "counted");
            made.add(th);
            return th;
        }).build()) {
            assertThat(threads).as("nothing started in build()").hasValue(0);
            t.send("requests", text("configured")).join();
            // before: only the batching thread; the SDK client's I/O threads were the transport's own
            assertThat(threads).as("the batching thread and the client's I/O threads come from the factory")
                    .hasValueGreaterThanOrEqualTo(2);
            List<Delivery> got = t.receive("requests", 10, Duration.ofSeconds(2));
            assertThat(got).hasSize(1);
            got.get(0).ack().join();
        }
        for (Thread th : made) {
            th.join(10_000); // a bound against a hang only: they have ended when close() returns
        }
        assertThat(made).noneMatch(Thread::isAlive);
    }

    @Test
    void aClientItCreatesHasTheTransportsOwnEventLoopEndedWhenItCloses() throws Exception {
        ElasticMq.createQueue(admin, "own-client", 30, Map.of());
        Map<String, String> c = Map.of("outpost.sqs.endpoint", endpoint(), "outpost.sqs.region", "eu-west-1",
                "outpost.sqs.access-key-id", "AKIDEXAMPLE", "outpost.sqs.secret-access-key", "secret-example",
                "outpost.sqs.requests", "own-client");
        List<Thread> io;
        try (SqsTransport t = SqsTransport.builder().configure(config(c)).build()) {
            t.send("requests", text("x")).join();
            // An event loop the SDK makes is ended with Netty's 2 s quiet period, which every close (every CLI
            // command) waited out: the client the transport creates runs on the transport's own, ended at once.
            io = Thread.getAllStackTraces().keySet().stream()
                    .filter(th -> th.getName().startsWith(ClientSettings.IO_THREADS)).toList();
            assertThat(io).as("the client's I/O threads are the transport's").isNotEmpty();
        }
        for (Thread th : io) {
            th.join(10_000); // a bound against a hang only: they have ended when close() returns
        }
        assertThat(io).noneMatch(Thread::isAlive);
    }

    @Test
    void halfStaticCredentialsAndABadEndpointFailTheBuildTogether() {
        assertThatThrownBy(() -> SqsTransport.builder().configure(config(Map.of("outpost.sqs.access-key-id", "AKID",
                "outpost.sqs.endpoint", "not a url"))).build())
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(ConfigException.Problem::key)
                        .containsExactlyInAnyOrder("outpost.sqs.secret-access-key", "outpost.sqs.endpoint"));
    }

    @Test
    void missingCredentialsNameTheQueueAndTheKeysToSet() {
        try (SqsTransport t = SqsTransport.builder().configure(config(Map.of("outpost.sqs.endpoint", endpoint(),
                "outpost.sqs.region", "us-east-1", "outpost.sqs.profile", "outpost-test-no-such-profile",
                "outpost.sqs.requests", "the-real-queue"))).build()) {
            assertThatThrownBy(() -> t.send("requests", text("x")).join())
                    .hasCauseInstanceOf(TransportException.class)
                    .hasMessageContaining("the-real-queue")
                    .hasMessageContaining("outpost.sqs.access-key-id").hasMessageContaining("outpost.sqs.profile");
        }
    }
}
