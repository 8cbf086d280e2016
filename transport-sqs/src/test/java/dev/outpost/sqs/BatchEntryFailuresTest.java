package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A batch call that succeeds as a whole but fails some of its entries (SQS answers 200 with a
 * {@code Failed} list): the transport retries those entries one by one. A proxy on 127.0.0.1 in
 * front of ElasticMQ takes entry "0" out of the first batch and reports it failed, so the server
 * really did not do it.
 */
class BatchEntryFailuresTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Removes entry "0" from the first {@code operation} call and reports it as failed. */
    private static void failFirstEntryOnce(FaultInjectingProxy proxy, String operation) {
        AtomicBoolean done = new AtomicBoolean();
        proxy.handle(call -> {
            if (!call.operation().equals(operation) || done.get()) {
                return proxy.forward(call);
            }
            try {
                ObjectNode request = (ObjectNode) JSON.readTree(call.body());
                if (request.withArray("Entries").size() < 2) {
                    return proxy.forward(call); // a batch of one would fail as a whole: wait for a real batch
                }
                done.set(true);
                ArrayNode kept = JSON.createArrayNode();
                request.withArray("Entries").forEach(e -> {
                    if (!e.path("Id").asText().equals("0")) {
                        kept.add(e);
                    }
                });
                request.set("Entries", kept);
                FaultInjectingProxy.Reply reply = proxy.forward(call.withBody(request.toString()));
                ObjectNode answer = (ObjectNode) JSON.readTree(reply.body());
                answer.withArray("Failed").addObject().put("Id", "0").put("SenderFault", false)
                        .put("Code", "InternalError").put("Message", "injected by the test");
                proxy.injected(call);
                return reply.withBody(answer.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static SqsAsyncClient via(FaultInjectingProxy proxy) {
        return SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + proxy.port()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
    }

    @Test
    void aFailedSendEntryIsSentAgainAloneAndArrivesOnce() throws Exception {
        try (ElasticMq mq = ElasticMq.start(); FaultInjectingProxy proxy = new FaultInjectingProxy(mq.port())) {
            ElasticMq.createQueue(mq.client(), "entries", 30, Map.of());
            failFirstEntryOnce(proxy, "SendMessageBatch");
            try (SqsTransport t = SqsTransport.builder().sqsClient(via(proxy)).linger(Duration.ofSeconds(1)).build()) {
                List<CompletableFuture<Void>> sends = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    sends.add(t.send("entries", Message.of(("m" + i).getBytes(StandardCharsets.UTF_8))));
                }
                CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
                assertThat(proxy.injections("SendMessageBatch")).isEqualTo(1);
                assertThat(proxy.calls("SendMessage")).as("the failed entry, alone").isEqualTo(1);
                List<String> got = new ArrayList<>();
                for (int i = 0; i < 10 && got.size() < 3; i++) {
                    for (Delivery d : t.receive("entries", 10, Duration.ofSeconds(1))) {
                        got.add(new String(d.message().body(), StandardCharsets.UTF_8));
                    }
                }
                assertThat(got).containsExactlyInAnyOrder("m0", "m1", "m2");
            }
        }
    }

    @Test
    void aFailedDeleteEntryIsDeletedAgainAlone() throws Exception {
        try (ElasticMq mq = ElasticMq.start(); FaultInjectingProxy proxy = new FaultInjectingProxy(mq.port())) {
            String url = ElasticMq.createQueue(mq.client(), "acks", 30, Map.of());
            try (SqsTransport t = SqsTransport.builder().sqsClient(via(proxy)).linger(Duration.ofSeconds(1)).build()) {
                for (int i = 0; i < 3; i++) {
                    t.send("acks", Message.of(("m" + i).getBytes(StandardCharsets.UTF_8))).join();
                }
                List<Delivery> got = new ArrayList<>();
                for (int i = 0; i < 10 && got.size() < 3; i++) {
                    got.addAll(t.receive("acks", 10, Duration.ofSeconds(1)));
                }
                assertThat(got).hasSize(3);
                failFirstEntryOnce(proxy, "DeleteMessageBatch");
                CompletableFuture.allOf(got.stream().map(Delivery::ack).toArray(CompletableFuture[]::new)).join();
                assertThat(proxy.injections("DeleteMessageBatch")).isEqualTo(1);
                assertThat(proxy.calls("DeleteMessage")).isEqualTo(1);
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
}
