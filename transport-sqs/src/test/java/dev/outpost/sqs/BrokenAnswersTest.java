package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Attributes;
import dev.outpost.spi.Delivery;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * A receive's answer is the server's: a message in it without a body (which SQS never sends, a broken server or
 * proxy might) is one unreadable message, not a receive that throws and strands the good ones beside it. ElasticMQ,
 * the answer rewritten through {@link InterceptingSqsClient}.
 */
class BrokenAnswersTest {
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

    @Test
    void aMessageWithoutABodyIsDeadLetteredAndTheOthersInItsBatchAreDelivered() throws Exception {
        String src = ElasticMq.createQueue(admin, "broken-src", 30, Map.of());
        String dead = ElasticMq.createQueue(admin, "broken-dead", 30, Map.of());
        admin.sendMessage(r -> r.queueUrl(src).messageBody("first")).join();
        admin.sendMessage(r -> r.queueUrl(src).messageBody("second")).join();
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        client.nextReceive.set(r -> admin.receiveMessage(r.toBuilder().maxNumberOfMessages(10).waitTimeSeconds(2).build())
                .thenApply(resp -> {
                    List<Message> ms = new ArrayList<>(resp.messages());
                    for (int i = 0; i < ms.size(); i++) {
                        if (ms.get(i).body().equals("first")) {
                            ms.set(i, ms.get(i).toBuilder().body(null).build());
                        }
                    }
                    return ReceiveMessageResponse.builder().messages(ms).build();
                }));
        try (SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", src).deadLetter(dead).build()) {
            List<Delivery> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                got.addAll(t.receive("requests", 10, Duration.ofSeconds(1)));
                return !got.isEmpty();
            });
            assertThat(got).extracting(d -> new String(d.message().body(), StandardCharsets.UTF_8)).containsExactly("second");
            got.forEach(d -> d.ack().join());
            AtomicReference<Message> moved = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                admin.receiveMessage(r -> r.queueUrl(dead).waitTimeSeconds(1).messageAttributeNames("All")).join().messages()
                        .stream().findFirst().ifPresent(moved::set);
                return moved.get() != null;
            });
            assertThat(moved.get().messageAttributes().get(Attributes.REJECT_REASON).stringValue()).isEqualTo("unreadable");
        }
    }

    /**
     * A message without a receipt handle can be neither acked nor hidden nor released: delivered, its ack joined a
     * delete batch the server refused whole, and the good message acked beside it came back to be run again. It is
     * left out (the server still holds it), and the others' acks succeed.
     */
    @Test
    void aMessageWithoutAReceiptHandleIsLeftOutAndTheOthersAreAcked() throws Exception {
        String src = ElasticMq.createQueue(admin, "no-receipt-src", 30, Map.of());
        admin.sendMessage(r -> r.queueUrl(src).messageBody("first")).join();
        admin.sendMessage(r -> r.queueUrl(src).messageBody("second")).join();
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        client.nextReceive.set(r -> admin.receiveMessage(r.toBuilder().maxNumberOfMessages(10).waitTimeSeconds(2).build())
                .thenApply(resp -> {
                    List<Message> ms = new ArrayList<>(resp.messages());
                    for (int i = 0; i < ms.size(); i++) {
                        if (ms.get(i).body().equals("first")) {
                            ms.set(i, ms.get(i).toBuilder().receiptHandle(null).build());
                        }
                    }
                    return ReceiveMessageResponse.builder().messages(ms).build();
                }));
        try (SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", src).build()) {
            List<Delivery> got = t.receive("requests", 10, Duration.ofSeconds(2));
            assertThat(got).extracting(d -> new String(d.message().body(), StandardCharsets.UTF_8)).containsExactly("second");
            for (Delivery d : got) {
                d.ack().get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }
}
