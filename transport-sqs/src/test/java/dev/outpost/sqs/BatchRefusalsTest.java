package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.TransportException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A batch call the server refuses as a whole (too large, throttled) is not the end of its entries: they go again in
 * smaller batches, or after a pause, bounded. ElasticMQ checks neither a batch's total size (only each message's) nor
 * a call rate, and the transport never sends it more than 10 entries: a proxy on 127.0.0.1 in front of it answers as
 * SQS does when it refuses a batch, and passes the rest on.
 */
class BatchRefusalsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** SQS's answer to a batch over its total size (JSON protocol, with the query-compatible code). */
    private static FaultInjectingProxy.Reply tooLong() {
        return new FaultInjectingProxy.Reply(400, Map.of("Content-Type", "application/x-amz-json-1.0",
                "x-amzn-query-error", "AWS.SimpleQueueService.BatchRequestTooLong;Sender"),
                "{\"__type\":\"com.amazonaws.sqs#BatchRequestTooLong\",\"message\":\"Batch requests cannot be longer than 262144 bytes.\"}"
                        .getBytes(StandardCharsets.UTF_8));
    }

    private static int entries(FaultInjectingProxy.Call call) {
        try {
            return JSON.readTree(call.body()).withArray("Entries").size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Through the proxy, with the SDK's own retries off: what a refusal leaves to the transport is seen at once. */
    private static SqsAsyncClient via(FaultInjectingProxy proxy) {
        return SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + proxy.port()))
                .region(Region.US_EAST_1).overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
    }

    private static List<String> receiveAll(SqsTransport t, String queue, int n) throws InterruptedException {
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 20 && got.size() < n; i++) {
            for (Delivery d : t.receive(queue, 10, Duration.ofSeconds(1))) {
                got.add(new String(d.message().body(), StandardCharsets.UTF_8));
                d.ack().join();
            }
        }
        return got;
    }

    @Test
    void aSendBatchTooLongForTheServerGoesAgainInHalvesAndEveryMessageArrivesOnce() throws Exception {
        try (ElasticMq mq = ElasticMq.start(); FaultInjectingProxy proxy = new FaultInjectingProxy(mq.port())) {
            ElasticMq.createQueue(mq.client(), "too-long", 30, Map.of());
            // a server whose total is lower than the transport's (a queue's MaximumMessageSize, an SQS-compatible server)
            proxy.handle(call -> {
                if (call.operation().equals("SendMessageBatch") && entries(call) > 3) {
                    proxy.injected(call);
                    return tooLong();
                }
                return proxy.forward(call);
            });
            try (SqsTransport t = SqsTransport.builder().sqsClient(via(proxy)).linger(Duration.ofSeconds(1)).build()) {
                List<CompletableFuture<Void>> sends = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    sends.add(t.send("too-long", Message.of(("m" + i).getBytes(StandardCharsets.UTF_8))));
                }
                // before: every send failed with the batch's refusal
                CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
                assertThat(proxy.injections("SendMessageBatch")).as("10, then 5 and 5").isEqualTo(3);
                assertThat(receiveAll(t, "too-long", 10)).containsExactlyInAnyOrder("m0", "m1", "m2", "m3", "m4", "m5", "m6",
                        "m7", "m8", "m9");
            }
        }
    }

    @Test
    void aThrottledAckBatchGoesAgainAfterAPause() throws Exception {
        try (ElasticMq mq = ElasticMq.start(); FaultInjectingProxy proxy = new FaultInjectingProxy(mq.port())) {
            String url = ElasticMq.createQueue(mq.client(), "throttled", 30, Map.of());
            try (SqsTransport t = SqsTransport.builder().sqsClient(via(proxy)).ackLinger(Duration.ofSeconds(1)).build()) {
                for (int i = 0; i < 3; i++) {
                    t.send("throttled", Message.of(("m" + i).getBytes(StandardCharsets.UTF_8))).join();
                }
                List<Delivery> got = new ArrayList<>();
                for (int i = 0; i < 10 && got.size() < 3; i++) {
                    got.addAll(t.receive("throttled", 10, Duration.ofSeconds(1)));
                }
                assertThat(got).hasSize(3);
                AtomicInteger throttled = new AtomicInteger();
                proxy.handle(call -> {
                    if (call.operation().equals("DeleteMessageBatch") && throttled.getAndIncrement() < 2) {
                        proxy.injected(call);
                        return FaultInjectingProxy.Reply.error(400, "ThrottlingException", true);
                    }
                    return proxy.forward(call);
                });
                // before: the acks failed with the first throttling answer
                CompletableFuture.allOf(got.stream().map(Delivery::ack).toArray(CompletableFuture[]::new)).join();
                assertThat(proxy.injections("DeleteMessageBatch")).isEqualTo(2);
                assertThat(proxy.calls("DeleteMessageBatch")).as("the same batch, a third time").isEqualTo(3);
                await().atMost(Duration.ofSeconds(5)).until(() -> {
                    Map<QueueAttributeName, String> a = mq.client().getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).join().attributes();
                    return a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES).equals("0")
                            && a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE).equals("0");
                });
            }
        }
    }

    @Test
    void aRefusalThatIsNotAboutTheBatchFailsItsEntriesWithoutRetries() throws Exception {
        try (ElasticMq mq = ElasticMq.start(); FaultInjectingProxy proxy = new FaultInjectingProxy(mq.port())) {
            ElasticMq.createQueue(mq.client(), "denied", 30, Map.of());
            proxy.handle(call -> {
                if (call.operation().equals("SendMessageBatch")) {
                    proxy.injected(call);
                    return FaultInjectingProxy.Reply.error(403, "AccessDenied", true);
                }
                return proxy.forward(call);
            });
            try (SqsTransport t = SqsTransport.builder().sqsClient(via(proxy)).linger(Duration.ofSeconds(1)).build()) {
                List<CompletableFuture<Void>> sends = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    sends.add(t.send("denied", Message.of(("m" + i).getBytes(StandardCharsets.UTF_8))));
                }
                for (CompletableFuture<Void> s : sends) {
                    assertThatThrownBy(s::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(TransportException.class);
                }
                assertThat(proxy.calls("SendMessageBatch")).isEqualTo(1);
                assertThat(proxy.calls("SendMessage")).isZero();
            }
        }
    }
}
