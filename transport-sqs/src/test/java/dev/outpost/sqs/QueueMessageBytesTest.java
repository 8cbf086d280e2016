package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.Attributes;
import dev.outpost.ConfigException;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.TransportException;
import dev.outpost.testkit.Fauxqs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code maxQueueMessageBytes}: raised to AWS's 1 MiB, a 600 KiB message goes to a queue inline (ElasticMQ and fauxqs
 * both take it: their queues' limit is 1 MiB), two of them in two batches (ElasticMQ refuses a batch over 1 MiB, as SQS
 * does); by default it still goes to S3 or is refused; a topic stays at SNS's
 * 256 KiB whatever the setting (fauxqs refuses larger publishes, as SNS does); a queue whose own
 * {@code MaximumMessageSize} is lower refuses the send; dead-letter copies follow the setting.
 */
class QueueMessageBytesTest {
    static final int SIZE = 600 * 1024;
    static Fauxqs fauxqs;
    static SqsAsyncClient sqs;
    static SnsAsyncClient sns;
    static S3AsyncClient s3;
    static ElasticMq mq;

    @BeforeAll
    static void start() throws Exception {
        mq = ElasticMq.start();
        fauxqs = Fauxqs.start();
        sqs = FauxqsClients.sqs(fauxqs);
        sns = FauxqsClients.sns(fauxqs);
        s3 = FauxqsClients.s3(fauxqs);
    }

    @AfterAll
    static void stop() {
        mq.close();
        if (fauxqs != null) {
            fauxqs.close();
        }
    }

    /** Text of {@code n} bytes that is not one byte repeated, so that a mix-up shows. */
    static byte[] text(int n, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + r.nextInt(26));
        }
        return b;
    }

    static Delivery receiveOne(SqsTransport t, String queue) throws InterruptedException {
        for (int i = 0; i < 20; i++) {
            List<Delivery> got = t.receive(queue, 1, Duration.ofSeconds(1));
            if (!got.isEmpty()) {
                return got.get(0);
            }
        }
        throw new AssertionError("nothing arrived on " + queue);
    }

    static List<S3Object> objects(String bucket) {
        return s3.listObjectsV2(r -> r.bucket(bucket)).join().contents();
    }

    @Test
    void raisedToOneMebibyteAQueueCarriesSixHundredKibibytesInlineOnElasticMq() throws Exception {
        try (var client = mq.client()) {
            ElasticMq.createQueue(client, "inline-600k", 30, Map.of());
            byte[] body = text(SIZE, 1);
            byte[] binary = new byte[SIZE]; // base64 on the wire: 800 KiB
            new Random(2).nextBytes(binary);
            try (SqsTransport t = SqsTransport.builder().sqsClient(client).maxQueueMessageBytes(SqsTransport.AWS_SQS_MAX_BYTES)
                    .build()) {
                assertThat(t.maxMessageBytes()).as("no bucket: the queue limit").isEqualTo(1024 * 1024);
                t.send("inline-600k", Message.of(body, Map.of("outpost-request-id", "r-600"))).join();
                Delivery d = receiveOne(t, "inline-600k");
                assertThat(d.message().body()).isEqualTo(body);
                assertThat(d.message().attributes()).containsEntry("outpost-request-id", "r-600");
                d.ack().join();
                t.send("inline-600k", Message.of(binary)).join();
                Delivery b = receiveOne(t, "inline-600k");
                assertThat(b.message().body()).isEqualTo(binary);
                b.ack().join();
            }
        }
    }

    @Test
    void aMessageOfExactlyOneMebibytePassesAndOneByteMoreIsRefused() throws Exception {
        try (var client = mq.client()) {
            ElasticMq.createQueue(client, "one-mib", 30, Map.of());
            byte[] body = text(SqsTransport.AWS_SQS_MAX_BYTES, 10); // text, no attributes: the message is the body
            try (SqsTransport t = SqsTransport.builder().sqsClient(client).maxQueueMessageBytes(SqsTransport.AWS_SQS_MAX_BYTES)
                    .build()) {
                t.send("one-mib", Message.of(body)).join();
                Delivery d = receiveOne(t, "one-mib");
                assertThat(d.message().body()).isEqualTo(body);
                d.ack().join();
                assertThatThrownBy(() -> t.send("one-mib", Message.of(text(SqsTransport.AWS_SQS_MAX_BYTES + 1, 11))).join())
                        .isInstanceOf(CompletionException.class).cause().isInstanceOf(MessageTooLargeException.class);
            }
        }
    }

    @Test
    void twoSixHundredKibibyteSendsGoInTwoBatchesWithinTheLimit() throws Exception {
        try (var client = mq.client()) {
            ElasticMq.createQueue(client, "two-600k", 30, Map.of());
            byte[] first = text(SIZE, 8);
            byte[] second = text(SIZE, 9);
            // a long linger puts both in one batch if the bytes allow it: ElasticMQ, as SQS, refuses a batch over 1 MiB
            try (SqsTransport t = SqsTransport.builder().sqsClient(client).linger(Duration.ofSeconds(1))
                    .maxQueueMessageBytes(SqsTransport.AWS_SQS_MAX_BYTES).build()) {
                CompletableFuture<Void> a = t.send("two-600k", Message.of(first));
                CompletableFuture<Void> b = t.send("two-600k", Message.of(second));
                CompletableFuture.allOf(a, b).join();
                List<byte[]> got = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    Delivery d = receiveOne(t, "two-600k");
                    got.add(d.message().body());
                    d.ack().join();
                }
                assertThat(got).containsExactlyInAnyOrder(first, second);
            }
        }
    }

    @Test
    void byDefaultTheSameMessageIsRefusedWithoutABucket() throws Exception {
        try (var client = mq.client()) {
            ElasticMq.createQueue(client, "default-600k", 30, Map.of());
            try (SqsTransport t = SqsTransport.builder().sqsClient(client).build()) {
                assertThat(t.maxMessageBytes()).isEqualTo(SqsTransport.SQS_MAX_BYTES);
                assertThatThrownBy(() -> t.send("default-600k", Message.of(text(SIZE, 3))).join())
                        .isInstanceOf(CompletionException.class).cause().isInstanceOf(MessageTooLargeException.class)
                        .satisfies(e -> assertThat(((MessageTooLargeException) e).limit()).isEqualTo(SqsTransport.SQS_MAX_BYTES));
            }
        }
    }

    @Test
    void raisedAQueueMessageGoesInlineWithABucketAndByDefaultItGoesToS3() throws Exception {
        s3.createBucket(r -> r.bucket("outpost-inline")).join();
        new SqsProvisioner(sqs).queue("raised-q", Map.of());
        byte[] body = text(SIZE, 4);
        try (SqsTransport raised = SqsTransport.builder().sqsClient(sqs).largePayloads(s3, "outpost-inline")
                .maxQueueMessageBytes(SqsTransport.AWS_SQS_MAX_BYTES).build()) {
            raised.send("raised-q", Message.of(body, Map.of("k", "v"))).join();
            assertThat(objects("outpost-inline")).as("sent inline: nothing in S3").isEmpty();
            Delivery d = receiveOne(raised, "raised-q");
            assertThat(d.message().body()).isEqualTo(body);
            assertThat(d.message().attributes()).containsEntry("k", "v");
            d.ack().join();
        }
        try (SqsTransport byDefault = SqsTransport.builder().sqsClient(sqs).largePayloads(s3, "outpost-inline").build()) {
            byDefault.send("raised-q", Message.of(body, Map.of("k", "v"))).join();
            assertThat(objects("outpost-inline")).as("over 256 KiB: offloaded").hasSize(1);
            Delivery d = receiveOne(byDefault, "raised-q");
            assertThat(d.message().body()).isEqualTo(body);
            d.ack().join();
            assertThat(objects("outpost-inline")).as("deleted on ack").isEmpty();
        }
    }

    @Test
    void aQueueWhoseOwnLimitIsLowerRefusesTheSendRatherThanOffloadingIt() throws Exception {
        s3.createBucket(r -> r.bucket("outpost-limited")).join();
        new SqsProvisioner(sqs).queue("limited-q", Map.of(QueueAttributeName.MAXIMUM_MESSAGE_SIZE, "262144"));
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(s3, "outpost-limited")
                .maxQueueMessageBytes(SqsTransport.AWS_SQS_MAX_BYTES).build()) {
            assertThatThrownBy(() -> t.send("limited-q", Message.of(text(SIZE, 6))).join())
                    .isInstanceOf(CompletionException.class).cause().isInstanceOf(TransportException.class)
                    .isNotInstanceOf(MessageTooLargeException.class);
            assertThat(objects("outpost-limited")).isEmpty();
        }
    }

    @Test
    void raisedAnUnreadableSixHundredKibibyteMessageIsDeadLetteredInlineWithItsReason() throws Exception {
        s3.createBucket(r -> r.bucket("outpost-dead-inline")).join();
        String url = new SqsProvisioner(sqs).queue("unreadable-600k", Map.of());
        String deadUrl = new SqsProvisioner(sqs).queue("unreadable-600k-dead", Map.of());
        String body = new String(text(SIZE, 7), StandardCharsets.US_ASCII);
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(body).messageAttributes(Map.of("outpost-body-encoding",
                MessageAttributeValue.builder().dataType("String").stringValue("rot13").build()))).join();
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(s3, "outpost-dead-inline")
                .deadLetter("unreadable-600k-dead").maxQueueMessageBytes(SqsTransport.AWS_SQS_MAX_BYTES).build()) {
            assertThat(t.receive("unreadable-600k", 10, Duration.ofSeconds(2))).isEmpty();
            List<software.amazon.awssdk.services.sqs.model.Message> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                got.addAll(sqs.receiveMessage(r -> r.queueUrl(deadUrl).waitTimeSeconds(1).messageAttributeNames("All"))
                        .join().messages());
                return !got.isEmpty();
            });
            assertThat(got.get(0).body()).as("the body itself, not a pointer").isEqualTo(body);
            assertThat(got.get(0).messageAttributes().get(Attributes.REJECT_REASON).stringValue()).isEqualTo("unreadable");
            assertThat(got.get(0).messageAttributes().get(Attributes.REJECT_DETAIL).stringValue()).contains("rot13");
            assertThat(objects("outpost-dead-inline")).isEmpty();
        }
    }

    @Test
    void aTopicStaysAtSnsLimitWhenTheQueueLimitIsRaised() throws Exception {
        s3.createBucket(r -> r.bucket("outpost-topic-600k")).join();
        String arn = new SqsProvisioner(sqs, sns).topicToQueue("big-topic", "big-topic-q");
        byte[] body = text(SIZE, 5);
        try (SqsTransport noBucket = SqsTransport.builder().sqsClient(sqs).snsClient(sns).topic("big", arn)
                .maxQueueMessageBytes(SqsTransport.AWS_SQS_MAX_BYTES).build()) {
            assertThatThrownBy(() -> noBucket.send("big", Message.of(body)).join())
                    .isInstanceOf(CompletionException.class).cause().isInstanceOf(MessageTooLargeException.class)
                    .satisfies(e -> assertThat(((MessageTooLargeException) e).limit()).isEqualTo(SqsTransport.SQS_MAX_BYTES));
        }
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).snsClient(sns).topic("big", arn)
                .largePayloads(s3, "outpost-topic-600k").maxQueueMessageBytes(SqsTransport.AWS_SQS_MAX_BYTES).build()) {
            t.send("big", Message.of(body)).join();
            assertThat(objects("outpost-topic-600k")).as("offloaded to the shared segment")
                    .singleElement().satisfies(o -> assertThat(o.key()).startsWith("outpost/shared/"));
            Delivery d = receiveOne(t, "big-topic-q");
            assertThat(d.message().body()).isEqualTo(body);
            d.ack().join();
        }
    }

    @Test
    void theLimitIsAConfigurationKeyCheckedLikeTheBuilderMethod() {
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs)
                .configure(HardeningTest.config(Map.of("outpost.sqs.max-queue-message-bytes", "1048576"))).build()) {
            assertThat(t.maxMessageBytes()).isEqualTo(1_048_576);
        }
        for (String bad : List.of("262143", "1048577", "1MiB")) {
            assertThatThrownBy(() -> SqsTransport.builder().sqsClient(sqs)
                    .configure(HardeningTest.config(Map.of("outpost.sqs.max-queue-message-bytes", bad))).build())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(bad)
                    .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(ConfigException.Problem::key)
                            .containsExactly("outpost.sqs.max-queue-message-bytes"));
        }
        assertThatThrownBy(() -> SqsTransport.builder().maxQueueMessageBytes(SqsTransport.SQS_MAX_BYTES - 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SqsTransport.builder().maxQueueMessageBytes(SqsTransport.AWS_SQS_MAX_BYTES + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SqsTransport.builder().sqsClient(sqs).maxOffloadBytes(512 * 1024)
                .configure(HardeningTest.config(Map.of("outpost.sqs.max-queue-message-bytes", "1048576"))).build())
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(ConfigException.Problem::key)
                        .containsExactly("maxOffloadBytes"));
    }
}
