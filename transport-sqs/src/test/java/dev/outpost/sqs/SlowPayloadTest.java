package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.Attributes;
import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.spi.Delivery;
import dev.outpost.testkit.Fauxqs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * A slow S3 payload holds nothing but its own message: a receive hands on the batch's inline messages (and payloads
 * read meanwhile) at once, and each read is bounded in time on its own. On fauxqs (SQS and S3); S3 is read through
 * {@link GetObjectOnlyS3}, a loopback HTTP server in front of fauxqs that holds a payload's body until the test
 * releases it.
 */
class SlowPayloadTest {
    static final String BUCKET = "payloads-slow";
    static Fauxqs fauxqs;
    static SqsAsyncClient sqs;
    static S3AsyncClient s3;
    static GetObjectOnlyS3 slowS3;
    static S3AsyncClient s3Slowly;

    @BeforeAll
    static void start() throws Exception {
        fauxqs = Fauxqs.start();
        sqs = FauxqsClients.sqs(fauxqs);
        s3 = FauxqsClients.s3(fauxqs);
        s3.createBucket(r -> r.bucket(BUCKET)).join();
        slowS3 = new GetObjectOnlyS3(fauxqs.endpoint());
        s3Slowly = FauxqsClients.s3(fauxqs, slowS3.endpoint());
    }

    @AfterAll
    static void stop() {
        if (slowS3 != null) {
            slowS3.close();
        }
        if (fauxqs != null) {
            fauxqs.close();
        }
    }

    /** A payload in S3 and its pointer on the queue, as an offloading sender leaves them. */
    private static String offloaded(String url, String payload) {
        String key = "outpost/" + UUID.randomUUID();
        s3.putObject(r -> r.bucket(BUCKET).key(key), AsyncRequestBody.fromString(payload)).join();
        sqs.sendMessage(r -> r.queueUrl(url).messageBody("[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\""
                + BUCKET + "\",\"s3Key\":\"" + key + "\"}]").messageAttributes(Map.of("ExtendedPayloadSize",
                MessageAttributeValue.builder().dataType("Number").stringValue(Integer.toString(payload.length())).build()))).join();
        return key;
    }

    private static List<String> bodies(List<Delivery> got) {
        return got.stream().map(d -> new String(d.message().body(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void inlineBatchMatesAndAQuickPayloadAreHandedOnWhileASlowPayloadIsStillRead() throws Exception {
        String url = new SqsProvisioner(sqs).queue("slow-batch-q", Map.of());
        sqs.sendMessage(r -> r.queueUrl(url).messageBody("inline a")).join();
        String slow = "outpost/" + UUID.randomUUID();
        slowS3.hold(BUCKET, slow);
        try {
            s3.putObject(r -> r.bucket(BUCKET).key(slow), AsyncRequestBody.fromString("the slow payload")).join();
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("[\"software.amazon.payloadoffloading.PayloadS3Pointer\","
                    + "{\"s3BucketName\":\"" + BUCKET + "\",\"s3Key\":\"" + slow + "\"}]").messageAttributes(Map.of("ExtendedPayloadSize",
                    MessageAttributeValue.builder().dataType("Number").stringValue("16").build()))).join();
            offloaded(url, "the quick payload");
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("inline b")).join();
            try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(s3Slowly, BUCKET)
                    .visibilityTimeout(Duration.ofSeconds(30)).build()) {
                List<Delivery> got = new ArrayList<>();
                for (int i = 0; i < 30 && (slowS3.holding() == 0 || got.size() < 3); i++) {
                    got.addAll(t.receive("slow-batch-q", 10, Duration.ofSeconds(1)));
                }
                // before: the receive that picked the slow pointer waited 60 s for its read, its batch-mates with it
                assertThat(bodies(got)).containsExactlyInAnyOrder("inline a", "inline b", "the quick payload");
                assertThat(slowS3.holding()).as("the slow payload is still being read").isEqualTo(1);
                got.forEach(d -> d.ack().join());

                slowS3.release(BUCKET, slow);
                List<Delivery> rest = new ArrayList<>();
                for (int i = 0; i < 30 && rest.isEmpty(); i++) {
                    rest.addAll(t.receive("slow-batch-q", 10, Duration.ofSeconds(1)));
                }
                // before: its read was given up on with the batch's, and the message came back after its visibility timeout
                assertThat(rest).singleElement().satisfies(d -> {
                    assertThat(new String(d.message().body(), StandardCharsets.UTF_8)).isEqualTo("the slow payload");
                    assertThat(d.receiveCount()).as("handed on from the receive that picked it").isEqualTo(1);
                });
                rest.get(0).ack().join();
            }
        } finally {
            slowS3.release(BUCKET, slow);
        }
    }

    @Test
    void aReadThatRunsOutOfTimeIsBoundedAsOneS3DidNotAnswerThenDeadLetteredWithTheReason() throws Exception {
        String url = new SqsProvisioner(sqs).queue("slow-dead-q", Map.of());
        String deadUrl = new SqsProvisioner(sqs).queue("slow-dead", Map.of());
        String key = "outpost/" + UUID.randomUUID();
        slowS3.hold(BUCKET, key);
        try {
            s3.putObject(r -> r.bucket(BUCKET).key(key), AsyncRequestBody.fromString("a payload S3 never finishes sending")).join();
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("[\"software.amazon.payloadoffloading.PayloadS3Pointer\","
                    + "{\"s3BucketName\":\"" + BUCKET + "\",\"s3Key\":\"" + key + "\"}]").messageAttributes(Map.of("ExtendedPayloadSize",
                    MessageAttributeValue.builder().dataType("Number").stringValue("35").build()))).join();
            try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(s3Slowly, BUCKET).deadLetter("slow-dead")
                    .payloadReadTimeout(Duration.ofMillis(300)).payloadReadAttempts(1).build()) {
                List<Delivery> got = new ArrayList<>();
                for (int i = 0; i < 30 && slowS3.reads(BUCKET, key) == 0; i++) {
                    got.addAll(t.receive("slow-dead-q", 10, Duration.ofSeconds(1)));
                }
                assertThat(got).isEmpty();
                List<Message> dead = new ArrayList<>();
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    dead.addAll(sqs.receiveMessage(r -> r.queueUrl(deadUrl).waitTimeSeconds(1).messageAttributeNames("All")
                            .visibilityTimeout(60)).join().messages());
                    return !dead.isEmpty();
                });
                assertThat(dead).singleElement().satisfies(m -> {
                    assertThat(m.messageAttributes().get(Attributes.REJECT_REASON).stringValue()).isEqualTo("unreadable");
                    assertThat(m.messageAttributes().get(Attributes.REJECT_DETAIL).stringValue())
                            .isEqualTo("S3 payload not readable in 1 receives: S3 did not answer in time");
                });
            }
        } finally {
            slowS3.release(BUCKET, key);
        }
    }

    @Test
    void aCloseMakesWhatIsStillReadVisibleAgainAtOnce() throws Exception {
        String url = new SqsProvisioner(sqs).queue("slow-close-q", Map.of());
        String key = "outpost/" + UUID.randomUUID();
        slowS3.hold(BUCKET, key);
        try {
            s3.putObject(r -> r.bucket(BUCKET).key(key), AsyncRequestBody.fromString("read when the transport closes")).join();
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("inline")).join();
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("[\"software.amazon.payloadoffloading.PayloadS3Pointer\","
                    + "{\"s3BucketName\":\"" + BUCKET + "\",\"s3Key\":\"" + key + "\"}]").messageAttributes(Map.of("ExtendedPayloadSize",
                    MessageAttributeValue.builder().dataType("Number").stringValue("30").build()))).join();
            SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(s3Slowly, BUCKET)
                    .visibilityTimeout(Duration.ofMinutes(10)).build();
            List<Delivery> got = new ArrayList<>();
            for (int i = 0; i < 30 && slowS3.holding() == 0; i++) {
                got.addAll(t.receive("slow-close-q", 10, Duration.ofSeconds(1)));
            }
            got.forEach(d -> d.ack().join());
            ShutdownResult closed = t.shutdown().get();
            assertThat(closed.handedBack()).as("the message whose payload was still read").isEqualTo(1);
            List<Message> back = sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(5).maxNumberOfMessages(10)).join().messages();
            assertThat(back).as("visible again, not hidden for its 10 min").singleElement()
                    .satisfies(m -> assertThat(m.body()).contains(key));
        } finally {
            slowS3.release(BUCKET, key);
        }
    }

    @Test
    void theReadTimeoutIsAConfigurationKeyCheckedLikeTheBuilderMethod() {
        for (String bad : List.of("0s", "901s", "soon")) {
            assertThatThrownBy(() -> SqsTransport.builder().sqsClient(sqs)
                    .configure(HardeningTest.config(Map.of("outpost.sqs.payload-read-timeout", bad))).build())
                    .isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(ConfigException.Problem::key)
                            .containsExactly("outpost.sqs.payload-read-timeout"));
        }
        SqsTransport.builder().sqsClient(sqs).configure(HardeningTest.config(Map.of("outpost.sqs.payload-read-timeout", "2s")))
                .build().close();
        assertThatThrownBy(() -> SqsTransport.builder().payloadReadTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SqsTransport.builder().payloadReadTimeout(Duration.ofSeconds(901)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
