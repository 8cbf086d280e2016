package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.Attributes;
import dev.outpost.ConfigException;
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
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A payload S3 will not serve is bounded: with a GetObject-only role, S3 answers 403 (not 404) for
 * a missing object, which the transport cannot tell from a passing refusal. It leaves such a
 * message for another receive until its configured receive, then dead-letters it with the status.
 * On fauxqs (SQS and S3), read through {@link GetObjectOnlyS3}, which answers 403 as such a role
 * gets it: fauxqs has no IAM to say 403 itself.
 */
class PayloadReadFailuresTest {
    static final String BUCKET = "payloads-get-only";
    static Fauxqs fauxqs;
    static SqsAsyncClient sqs;
    static S3AsyncClient s3;
    static GetObjectOnlyS3 role;
    static S3AsyncClient s3AsRole;

    @BeforeAll
    static void start() throws Exception {
        fauxqs = Fauxqs.start();
        sqs = FauxqsClients.sqs(fauxqs);
        s3 = FauxqsClients.s3(fauxqs);
        s3.createBucket(r -> r.bucket(BUCKET)).join();
        role = new GetObjectOnlyS3(fauxqs.endpoint());
        s3AsRole = FauxqsClients.s3(fauxqs, role.endpoint());
    }

    @AfterAll
    static void stop() {
        if (role != null) {
            role.close();
        }
        if (fauxqs != null) {
            fauxqs.close();
        }
    }

    private static void sendPointer(String url, String key) {
        sqs.sendMessage(r -> r.queueUrl(url).messageBody("[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\""
                + BUCKET + "\",\"s3Key\":\"" + key + "\"}]").messageAttributes(Map.of(
                "ExtendedPayloadSize", MessageAttributeValue.builder().dataType("Number").stringValue("300000").build(),
                "outpost-payload-token", MessageAttributeValue.builder().dataType("String").stringValue("t0ken").build()))).join();
    }

    private static long messagesOn(String url) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .join().attributes();
        return a.values().stream().mapToLong(Long::parseLong).sum();
    }

    /** Receives until the role has seen {@code reads} reads of {@code key}; every receive returns nothing but {@code good}. */
    private static List<Delivery> receiveUntilRead(SqsTransport t, String queue, String key, int reads) throws InterruptedException {
        List<Delivery> got = new ArrayList<>();
        for (int i = 0; i < 50 && role.reads(BUCKET, key) < reads; i++) {
            got.addAll(t.receive(queue, 10, Duration.ofSeconds(1)));
        }
        assertThat(role.reads(BUCKET, key)).isEqualTo(reads);
        return got;
    }

    private static Message deadLettered(String deadUrl) {
        List<Message> got = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            got.addAll(sqs.receiveMessage(r -> r.queueUrl(deadUrl).waitTimeSeconds(1).messageAttributeNames("All")
                    .visibilityTimeout(60)).join().messages());
            return !got.isEmpty();
        });
        assertThat(got).hasSize(1);
        return got.get(0);
    }

    @Test
    void aPayloadS3Refuses403IsLeftUntilItsThirdReceiveThenDeadLetteredWithTheStatus() throws Exception {
        String url = new SqsProvisioner(sqs).queue("refused-q", Map.of());
        String deadUrl = new SqsProvisioner(sqs).queue("refused-dead", Map.of());
        String present = "outpost/" + UUID.randomUUID();
        String missing = "outpost/" + UUID.randomUUID();
        s3.putObject(r -> r.bucket(BUCKET).key(present), AsyncRequestBody.fromString("a payload the role may read")).join();
        sendPointer(url, present);
        sendPointer(url, missing);
        // visibility 0: a message left for another receive is back at once, so the receives follow each other
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(s3AsRole, BUCKET).deadLetter("refused-dead")
                .visibilityTimeout(Duration.ZERO).payloadReadAttempts(3).build()) {
            List<Delivery> got = receiveUntilRead(t, "refused-q", missing, 2);
            assertThat(got).isNotEmpty().allSatisfy(d -> assertThat(new String(d.message().body(), StandardCharsets.UTF_8))
                    .as("the role reads what exists").isEqualTo("a payload the role may read"));
            got.forEach(d -> d.ack().join());
            assertThat(messagesOn(url)).as("left for another receive, twice").isEqualTo(1);
            assertThat(messagesOn(deadUrl)).isZero();

            assertThat(receiveUntilRead(t, "refused-q", missing, 3)).isEmpty();
            Message dead = deadLettered(deadUrl);
            assertThat(dead.messageAttributes().get("outpost-body-encoding").stringValue()).isEqualTo("base64");
            assertThat(new String(java.util.Base64.getDecoder().decode(dead.body()), StandardCharsets.UTF_8))
                    .as("the pointer, as it arrived (base64, so that no reader follows it)").contains(missing);
            assertThat(dead.messageAttributes().get(Attributes.REJECT_REASON).stringValue()).isEqualTo("unreadable");
            assertThat(dead.messageAttributes().get(Attributes.REJECT_DETAIL).stringValue())
                    .isEqualTo("S3 payload not readable in 3 receives: S3 answered 403 (AccessDeniedException)");
            assertThat(dead.messageAttributes().get(Attributes.SOURCE).stringValue()).isEqualTo("refused-q");
            await().atMost(Duration.ofSeconds(10)).until(() -> messagesOn(url) == 0);
        }
    }

    @Test
    void theBoundIsAConfigurationKeyCheckedLikeTheBuilderMethod() throws Exception {
        String url = new SqsProvisioner(sqs).queue("refused-once-q", Map.of());
        String deadUrl = new SqsProvisioner(sqs).queue("refused-once-dead", Map.of());
        String missing = "outpost/" + UUID.randomUUID();
        sendPointer(url, missing);
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(s3AsRole, BUCKET).deadLetter("refused-once-dead")
                .configure(HardeningTest.config(Map.of("outpost.sqs.payload-read-attempts", "1"))).build()) {
            assertThat(receiveUntilRead(t, "refused-once-q", missing, 1)).isEmpty();
            assertThat(deadLettered(deadUrl).messageAttributes().get(Attributes.REJECT_DETAIL).stringValue())
                    .isEqualTo("S3 payload not readable in 1 receives: S3 answered 403 (AccessDeniedException)");
        }
        for (String bad : List.of("0", "1001", "five")) {
            assertThatThrownBy(() -> SqsTransport.builder().sqsClient(sqs)
                    .configure(HardeningTest.config(Map.of("outpost.sqs.payload-read-attempts", bad))).build())
                    .isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(ConfigException.Problem::key)
                            .containsExactly("outpost.sqs.payload-read-attempts"));
        }
        assertThatThrownBy(() -> SqsTransport.builder().payloadReadAttempts(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SqsTransport.builder().payloadReadAttempts(1001)).isInstanceOf(IllegalArgumentException.class);
    }
}
