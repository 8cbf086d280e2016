package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Attributes;
import dev.outpost.spi.Delivery;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * SQS Binary message attributes, which only a foreign sender sets: an unreadable message's dead-letter copy keeps them
 * as they arrived (bounded in number, like the string ones, so that the copy stays within SQS's 10 attributes); a
 * readable message's delivery does not carry them (a message's attributes are strings: see the README). On ElasticMQ.
 */
class BinaryAttributesTest {
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

    private static MessageAttributeValue binary(String type, byte[] bytes) {
        return MessageAttributeValue.builder().dataType(type).binaryValue(SdkBytes.fromByteArray(bytes)).build();
    }

    private static MessageAttributeValue string(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    private static byte[] allBytes() {
        byte[] b = new byte[256];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    private static Message deadLettered(SqsTransport t, String queue, String deadUrl) throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            assertThat(t.receive(queue, 10, Duration.ofSeconds(1))).isEmpty();
        }
        List<Message> dead = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            dead.addAll(admin.receiveMessage(r -> r.queueUrl(deadUrl).waitTimeSeconds(1).messageAttributeNames("All")
                    .visibilityTimeout(60)).join().messages());
            return !dead.isEmpty();
        });
        assertThat(dead).hasSize(1);
        return dead.get(0);
    }

    @Test
    void anUnreadableMessagesDeadLetterCopyKeepsItsBinaryAttributesAsTheyArrived() throws Exception {
        String url = ElasticMq.createQueue(admin, "binary-bad", 30, Map.of());
        String deadUrl = ElasticMq.createQueue(admin, "binary-bad-dead", 30, Map.of());
        Map<String, MessageAttributeValue> attrs = new HashMap<>();
        attrs.put("outpost-body-encoding", string("rot13")); // framing no reader can undo
        attrs.put("trace", string("abc"));
        attrs.put("thumbnail", binary("Binary.png", allBytes()));
        attrs.put("signature", binary("Binary", new byte[] {0, (byte) 0xff, 0x7f}));
        admin.sendMessage(r -> r.queueUrl(url).messageBody("uryyb").messageAttributes(attrs)).join();
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).deadLetter("binary-bad-dead").build()) {
            Message dead = deadLettered(t, "binary-bad", deadUrl);
            // before: the copy had the string attributes and the reason, and neither binary attribute
            assertThat(dead.messageAttributes().get("thumbnail")).isNotNull().satisfies(v -> {
                assertThat(v.dataType()).isEqualTo("Binary.png");
                assertThat(v.binaryValue().asByteArray()).isEqualTo(allBytes());
            });
            assertThat(dead.messageAttributes().get("signature")).isNotNull().satisfies(v -> {
                assertThat(v.dataType()).isEqualTo("Binary");
                assertThat(v.binaryValue().asByteArray()).containsExactly(0, 0xff, 0x7f);
            });
            // the string attributes as the framing carries them (packed: one of them is a framing name)
            assertThat(dead.messageAttributes().get("outpost-attributes").stringValue()).contains("\"trace\":\"abc\"");
            assertThat(dead.messageAttributes().get(Attributes.REJECT_REASON).stringValue()).isEqualTo("unreadable");
            assertThat(dead.body()).isEqualTo("uryyb");
        }
    }

    @Test
    void aCopyKeepsAtMostFourBinaryAttributesAndStaysWithinSqsTenAttributes() throws Exception {
        String url = ElasticMq.createQueue(admin, "binary-many", 30, Map.of());
        String deadUrl = ElasticMq.createQueue(admin, "binary-many-dead", 30, Map.of());
        Map<String, MessageAttributeValue> attrs = new HashMap<>();
        attrs.put("outpost-body-encoding", string("rot13"));
        attrs.put("s1", string("one"));
        attrs.put("s2", string("two"));
        attrs.put("s3", string("three"));
        for (String name : List.of("b1", "b2", "b3", "b4", "b5", "b6")) {
            attrs.put(name, binary("Binary", name.getBytes(StandardCharsets.UTF_8)));
        }
        admin.sendMessage(r -> r.queueUrl(url).messageBody("uryyb").messageAttributes(attrs)).join();
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).deadLetter("binary-many-dead").build()) {
            Message dead = deadLettered(t, "binary-many", deadUrl);
            assertThat(dead.messageAttributes()).as("SQS's limit").hasSizeLessThanOrEqualTo(10)
                    .containsKeys("b1", "b2", "b3", "b4").doesNotContainKeys("b5", "b6");
            // the string attributes are packed to make room, and an Outpost reader gets them back
            try (SqsTransport reader = SqsTransport.builder().sqsClient(mq.client()).build()) {
                admin.changeMessageVisibility(r -> r.queueUrl(deadUrl).receiptHandle(dead.receiptHandle()).visibilityTimeout(0)).join();
                List<Delivery> got = new ArrayList<>();
                for (int i = 0; i < 10 && got.isEmpty(); i++) {
                    got.addAll(reader.receive("binary-many-dead", 10, Duration.ofSeconds(1)));
                }
                assertThat(got).singleElement().satisfies(d -> assertThat(d.message().attributes())
                        .containsEntry("outpost-body-encoding", "rot13").containsEntry("s1", "one").containsEntry("s2", "two")
                        .containsEntry("s3", "three").containsEntry(Attributes.REJECT_REASON, "unreadable"));
            }
        }
    }

    /** The decision the README documents: a delivery's message has string attributes only. */
    @Test
    void aReadableMessagesDeliveryCarriesItsStringAttributesOnly() throws Exception {
        String url = ElasticMq.createQueue(admin, "binary-good", 30, Map.of());
        admin.sendMessage(r -> r.queueUrl(url).messageBody("hello").messageAttributes(Map.of("trace", string("abc"),
                "count", MessageAttributeValue.builder().dataType("Number").stringValue("42").build(),
                "thumbnail", binary("Binary", allBytes())))).join();
        try (SqsTransport t = SqsTransport.builder().sqsClient(mq.client()).build()) {
            List<Delivery> got = new ArrayList<>();
            for (int i = 0; i < 10 && got.isEmpty(); i++) {
                got.addAll(t.receive("binary-good", 10, Duration.ofSeconds(1)));
            }
            assertThat(got).singleElement().satisfies(d -> assertThat(d.message().attributes())
                    .containsExactlyInAnyOrderEntriesOf(Map.of("trace", "abc", "count", "42")));
            got.get(0).ack().join();
        }
    }
}
