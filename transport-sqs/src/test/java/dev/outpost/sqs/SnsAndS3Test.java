package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.testkit.Fauxqs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** SNS fan-out, SNS envelopes and S3 offload against fauxqs (a real SNS/SQS/S3 server on 127.0.0.1). */
class SnsAndS3Test {
    static Fauxqs fauxqs;
    static SqsAsyncClient sqs;
    static SnsAsyncClient sns;
    static S3AsyncClient s3;

    @BeforeAll
    static void start() throws Exception {
        fauxqs = Fauxqs.start();
        sqs = FauxqsClients.sqs(fauxqs);
        sns = FauxqsClients.sns(fauxqs);
        s3 = FauxqsClients.s3(fauxqs);
    }

    @AfterAll
    static void stop() {
        if (fauxqs != null) {
            fauxqs.close();
        }
    }

    private static Delivery receiveOne(SqsTransport t, String queue) throws InterruptedException {
        for (int i = 0; i < 20; i++) {
            List<Delivery> got = t.receive(queue, 1, Duration.ofSeconds(1));
            if (!got.isEmpty()) {
                return got.get(0);
            }
        }
        throw new AssertionError("nothing arrived on " + queue);
    }

    @Test
    void aTopicSendReachesEverySubscribedQueueWithItsAttributes() throws Exception {
        SqsProvisioner p = new SqsProvisioner(sqs, sns);
        String arn = p.topicToQueue("fleet", "fleet-a");
        p.topicToQueue("fleet", "fleet-b");
        p.topicToQueue("fleet", "fleet-c");
        assertThat(p.topicToQueue("fleet", "fleet-a")).as("idempotent").isEqualTo(arn);
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).snsClient(sns).topic("fleet", arn).build()) {
            byte[] binary = {0, 1, 2, (byte) 0xff};
            t.send("fleet", Message.of("to everyone".getBytes(StandardCharsets.UTF_8), Map.of("outpost-request-id", "r-9"))).join();
            t.send("fleet", Message.of(binary)).join();
            for (String q : List.of("fleet-a", "fleet-b", "fleet-c")) {
                Delivery text = receiveOne(t, q);
                Delivery bin = receiveOne(t, q);
                Delivery first = new String(text.message().body(), StandardCharsets.ISO_8859_1).equals("to everyone") ? text : bin;
                Delivery second = first == text ? bin : text;
                assertThat(new String(first.message().body(), StandardCharsets.UTF_8)).isEqualTo("to everyone");
                assertThat(first.message().attributes()).containsEntry("outpost-request-id", "r-9");
                assertThat(second.message().body()).isEqualTo(binary);
                first.ack().join();
                second.ack().join();
            }
        }
    }

    @Test
    void anSnsEnvelopeIsUnwrapped() throws Exception {
        SqsProvisioner p = new SqsProvisioner(sqs, sns);
        String topicArn = sns.createTopic(r -> r.name("enveloped")).join().topicArn();
        String url = p.queue("enveloped-q", Map.of());
        String queueArn = ElasticMq.arn(sqs, url);
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn)).join(); // raw delivery off
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).snsClient(sns).topic("enveloped", topicArn).build()) {
            t.send("enveloped", Message.of("{\"inner\":true}".getBytes(StandardCharsets.UTF_8), Map.of("k", "v"))).join();
            Delivery d = receiveOne(t, "enveloped-q");
            assertThat(new String(d.message().body(), StandardCharsets.UTF_8)).isEqualTo("{\"inner\":true}");
            assertThat(d.message().attributes()).containsEntry("k", "v");
            d.ack().join();
        }
    }

    @Test
    void payloadsOverTheSqsLimitTravelThroughS3AndAreDeletedOnAck() throws Exception {
        s3.createBucket(r -> r.bucket("outpost-large")).join();
        new SqsProvisioner(sqs).queue("large-q", Map.of());
        byte[] big = new byte[700 * 1024];
        new Random(1).nextBytes(big);
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(s3, "outpost-large").build()) {
            assertThat(t.maxMessageBytes()).isGreaterThan(big.length);
            t.send("large-q", Message.of(big, Map.of("outpost-request-id", "big-1"))).join();
            assertThat(s3.listObjectsV2(r -> r.bucket("outpost-large")).join().contents()).hasSize(1);
            Delivery d = receiveOne(t, "large-q");
            assertThat(Arrays.equals(d.message().body(), big)).isTrue();
            assertThat(d.message().attributes()).containsEntry("outpost-request-id", "big-1").doesNotContainKey("ExtendedPayloadSize");
            d.ack().join();
            assertThat(s3.listObjectsV2(r -> r.bucket("outpost-large")).join().contents()).isEmpty();
        }
    }

    /**
     * The ack of an offloaded message deletes it from SQS, then its payload from S3, whose failure is only logged (the
     * lifecycle rule ends the object). An S3 client that throws instead of failing its future failed the ack, though
     * the message was gone from its queue.
     */
    @Test
    void anS3ClientThatThrowsWhileAPayloadIsDeletedDoesNotFailTheAck() throws Exception {
        s3.createBucket(r -> r.bucket("outpost-throwing")).join();
        String url = new SqsProvisioner(sqs).queue("throwing-q", Map.of());
        S3AsyncClient throwsOnDelete = new S3AsyncClient() {
            @Override
            public CompletableFuture<PutObjectResponse> putObject(PutObjectRequest r, AsyncRequestBody body) {
                return s3.putObject(r, body);
            }

            @Override
            public <T> CompletableFuture<T> getObject(GetObjectRequest r, AsyncResponseTransformer<GetObjectResponse, T> to) {
                return s3.getObject(r, to);
            }

            @Override
            public CompletableFuture<DeleteObjectResponse> deleteObject(DeleteObjectRequest r) {
                throw new IllegalStateException("a broken S3 client");
            }

            @Override
            public String serviceName() {
                return "s3";
            }

            @Override
            public void close() {}
        };
        byte[] big = new byte[300 * 1024];
        new Random(2).nextBytes(big);
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(throwsOnDelete, "outpost-throwing").build()) {
            t.send("throwing-q", Message.of(big)).join();
            Delivery d = receiveOne(t, "throwing-q");
            d.ack().get(10, TimeUnit.SECONDS); // before: failed with the S3 client's exception
        }
        assertThat(sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).join().attributes().values())
                .as("acked: gone from its queue").containsOnly("0");
    }

    @Test
    void aForgedPointerToAnotherMessagesPayloadDeletesNothingOnAck() throws Exception {
        s3.createBucket(r -> r.bucket("outpost-victim")).join();
        String url = new SqsProvisioner(sqs).queue("victim-q", Map.of());
        String attackerUrl = new SqsProvisioner(sqs).queue("attacker-q", Map.of());
        byte[] big = "the victim's payload ".repeat(20_000).getBytes(StandardCharsets.UTF_8);
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(s3, "outpost-victim").build()) {
            t.send("victim-q", Message.of(big, Map.of())).join();
            String key = s3.listObjectsV2(r -> r.bucket("outpost-victim")).join().contents().get(0).key();
            // a pointer into the transport's own prefix, naming the victim's payload, with and without a made-up token
            for (Map<String, MessageAttributeValue> attrs : List.of(
                    Map.of("ExtendedPayloadSize", MessageAttributeValue.builder().dataType("Number").stringValue("7").build()),
                    Map.of("ExtendedPayloadSize", MessageAttributeValue.builder().dataType("Number").stringValue("7").build(),
                            "outpost-payload-token", MessageAttributeValue.builder().dataType("String").stringValue("guess").build()))) {
                sqs.sendMessage(r -> r.queueUrl(attackerUrl).messageBody(
                        "[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"outpost-victim\",\"s3Key\":\""
                                + key + "\"}]").messageAttributes(attrs)).join();
                receiveOne(t, "attacker-q").ack().join();
                assertThat(s3.listObjectsV2(r -> r.bucket("outpost-victim")).join().contents())
                        .as("the forged ack deleted nothing").hasSize(1);
            }
            Delivery victim = receiveOne(t, "victim-q");
            assertThat(Arrays.equals(victim.message().body(), big)).isTrue();
            victim.ack().join();
            assertThat(s3.listObjectsV2(r -> r.bucket("outpost-victim")).join().contents()).as("its own ack deletes it").isEmpty();
        }
    }

    @Test
    void aLargeBinaryBodyTravelsThroughS3MarkedBinary() throws Exception {
        s3.createBucket(r -> r.bucket("outpost-binary")).join();
        String url = new SqsProvisioner(sqs).queue("binary-q", Map.of());
        byte[] big = new byte[300 * 1024];
        new Random(2).nextBytes(big);
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(s3, "outpost-binary").build()) {
            t.send("binary-q", Message.of(big, Map.of())).join();
            var raw = sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(2).messageAttributeNames("All").visibilityTimeout(0))
                    .join().messages();
            assertThat(raw).hasSize(1);
            assertThat(raw.get(0).messageAttributes().get("outpost-body-encoding").stringValue())
                    .as("any reader sees the payload is bytes").isEqualTo("binary");
            Delivery d = receiveOne(t, "binary-q");
            assertThat(Arrays.equals(d.message().body(), big)).isTrue();
            d.ack().join();
        }
    }

    @Test
    void pointersWrittenByAwsExtendedClientAreRead() throws Exception {
        s3.createBucket(r -> r.bucket("extended-client")).join();
        String url = new SqsProvisioner(sqs).queue("extended-q", Map.of());
        String payload = "a payload the AWS SQS extended client put in S3";
        s3.putObject(r -> r.bucket("extended-client").key("abc-123"), AsyncRequestBody.fromString(payload)).join();
        sqs.sendMessage(r -> r.queueUrl(url)
                .messageBody("[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"extended-client\",\"s3Key\":\"abc-123\"}]")
                .messageAttributes(Map.of("ExtendedPayloadSize",
                        MessageAttributeValue.builder().dataType("Number").stringValue(Integer.toString(payload.length())).build())))
                .join();
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).s3Client(s3).acceptPayloadsFrom("extended-client", "").build()) {
            Delivery d = receiveOne(t, "extended-q");
            assertThat(new String(d.message().body(), StandardCharsets.UTF_8)).isEqualTo(payload);
            d.ack().join();
            assertThat(s3.listObjectsV2(r -> r.bucket("extended-client")).join().contents())
                    .as("another writer's object is never deleted").hasSize(1);
        }
    }

    @Test
    void aLargeBroadcastIsReadByEverySubscriberWhateverTheOrderOfAcks() throws Exception {
        s3.createBucket(r -> r.bucket("fanout-payloads")).join();
        SqsProvisioner p = new SqsProvisioner(sqs, sns);
        String arn = p.topicToQueue("big-fleet", "big-fleet-a");
        p.topicToQueue("big-fleet", "big-fleet-b");
        byte[] big = new byte[400 * 1024];
        new Random(2).nextBytes(big);
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).snsClient(sns).topic("big-fleet", arn)
                .largePayloads(s3, "fanout-payloads").build()) {
            t.send("big-fleet", Message.of(big, Map.of("outpost-request-id", "big-2"))).join();
            Delivery a = receiveOne(t, "big-fleet-a");
            assertThat(a.message().body()).isEqualTo(big);
            a.ack().join(); // the first subscriber done before the second reads
            Delivery b = receiveOne(t, "big-fleet-b");
            assertThat(b.message().body()).isEqualTo(big);
            assertThat(b.message().attributes()).containsEntry("outpost-request-id", "big-2");
            b.ack().join();
            assertThat(s3.listObjectsV2(r -> r.bucket("fanout-payloads")).join().contents())
                    .extracting(o -> o.key()).singleElement().asString().startsWith("outpost/shared/");
        }
    }

    @Test
    void forgedPointersAreDeadLetteredUnreadAndNothingIsDeleted() throws Exception {
        s3.createBucket(r -> r.bucket("own-payloads")).join();
        s3.createBucket(r -> r.bucket("secrets")).join();
        s3.putObject(r -> r.bucket("secrets").key("db-password"), AsyncRequestBody.fromString("hunter2")).join();
        s3.putObject(r -> r.bucket("own-payloads").key("not-outpost/config"), AsyncRequestBody.fromString("other data")).join();
        s3.putObject(r -> r.bucket("own-payloads").key("outpost/../not-outpost/config"), AsyncRequestBody.fromString("dots")).join();
        String url = new SqsProvisioner(sqs).queueWithDeadLetter("forged-q", java.time.Duration.ofSeconds(30), 5);
        List<String> forged = List.of(pointer("secrets", "db-password"), pointer("own-payloads", "not-outpost/config"),
                pointer("own-payloads", "outpost/../not-outpost/config"), pointer("own-payloads", "outpost/dangling"));
        for (String body : forged) {
            sqs.sendMessage(r -> r.queueUrl(url).messageBody(body).messageAttributes(Map.of("ExtendedPayloadSize",
                    MessageAttributeValue.builder().dataType("Number").stringValue("7").build()))).join();
        }
        sqs.sendMessage(r -> r.queueUrl(url).messageBody("a good one")).join();
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).largePayloads(s3, "own-payloads").build()) {
            Delivery good = receiveOne(t, "forged-q");
            assertThat(new String(good.message().body(), StandardCharsets.UTF_8)).isEqualTo("a good one");
            good.ack().join();
            List<String> dead = new java.util.ArrayList<>();
            List<String> reasons = new java.util.ArrayList<>();
            for (int i = 0; i < 20 && dead.size() < forged.size(); i++) {
                for (Delivery d : t.receive("forged-q-dead-letter", 10, java.time.Duration.ofSeconds(1))) {
                    dead.add(new String(d.message().body(), StandardCharsets.UTF_8));
                    reasons.add(d.message().attributes().get(dev.outpost.Attributes.REJECT_DETAIL));
                    d.ack().join();
                }
            }
            assertThat(dead).as("the pointers, not the objects").containsExactlyInAnyOrderElementsOf(forged);
            assertThat(reasons).filteredOn(r -> r.contains("outside the payload locations")).hasSize(3);
            assertThat(reasons).filteredOn(r -> r.contains("dangling")).hasSize(1);
        }
        assertThat(s3.listObjectsV2(r -> r.bucket("secrets")).join().contents()).hasSize(1);
        assertThat(s3.listObjectsV2(r -> r.bucket("own-payloads")).join().contents()).hasSize(2);
    }

    private static String pointer(String bucket, String key) {
        return "[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"" + bucket + "\",\"s3Key\":\"" + key + "\"}]";
    }

    @Test
    void subscribingASecondTopicKeepsTheFirstOnesPermission() throws Exception {
        SqsProvisioner p = new SqsProvisioner(sqs, sns);
        String first = p.topicToQueue("policy-topic-1", "policy-q");
        String second = p.topicToQueue("policy-topic-2", "policy-q");
        p.topicToQueue("policy-topic-1", "policy-q"); // again: no duplicate statement
        String url = sqs.getQueueUrl(r -> r.queueName("policy-q")).join().queueUrl();
        String policy = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                software.amazon.awssdk.services.sqs.model.QueueAttributeName.POLICY)).join().attributes()
                .get(software.amazon.awssdk.services.sqs.model.QueueAttributeName.POLICY);
        com.fasterxml.jackson.databind.JsonNode statements = new com.fasterxml.jackson.databind.ObjectMapper().readTree(policy).get("Statement");
        assertThat(statements).hasSize(2);
        assertThat(statements).extracting(st -> st.path("Condition").path("ArnEquals").path("aws:SourceArn").asText())
                .containsExactlyInAnyOrder(first, second);
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).snsClient(sns).topic("one", first).topic("two", second).build()) {
            t.send("one", Message.of("from one".getBytes(StandardCharsets.UTF_8))).join();
            t.send("two", Message.of("from two".getBytes(StandardCharsets.UTF_8))).join();
            List<String> got = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Delivery d = receiveOne(t, "policy-q");
                got.add(new String(d.message().body(), StandardCharsets.UTF_8));
                d.ack().join();
            }
            assertThat(got).containsExactlyInAnyOrder("from one", "from two");
        }
    }
}
