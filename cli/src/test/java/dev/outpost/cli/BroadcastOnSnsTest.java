package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.core.Worker;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.sqs.SqsProvisioner;
import dev.outpost.sqs.SqsTransport;
import dev.outpost.testkit.Fauxqs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * {@code outpost broadcast --topic NAME -c client.yaml} on fauxqs (SNS and SQS on 127.0.0.1): the file's
 * {@code outpost.sqs.topics} maps NAME to an SNS topic, so the broadcast is published to it and answered by the
 * workers on every queue subscribed to it, not sent to an SQS queue named NAME.
 */
class BroadcastOnSnsTest {
    @TempDir
    Path dir;

    @Test
    void broadcastPublishesToTheTopicTheConfigurationMapsAndEveryWorkerOnASubscribedQueueAnswers() throws Exception {
        try (Fauxqs fauxqs = Fauxqs.start()) {
            StaticCredentialsProvider creds = StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(fauxqs.accessKeyId(), fauxqs.secretAccessKey()));
            String arn;
            try (SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(fauxqs.endpoint())
                    .region(Region.of(fauxqs.region())).credentialsProvider(creds).build();
                    SnsAsyncClient sns = SnsAsyncClient.builder().endpointOverride(fauxqs.endpoint())
                            .region(Region.of(fauxqs.region())).credentialsProvider(creds).build()) {
                SqsProvisioner p = new SqsProvisioner(sqs, sns);
                arn = p.topicToQueue("cli-fleet", "cli-fleet-a");
                p.topicToQueue("cli-fleet", "cli-fleet-b");
                p.queue("cli-replies", Map.of());
            }
            String sqsKeys = """
                    sqs:
                      endpoint: %s
                      region: %s
                      access-key-id: %s
                      secret-access-key: %s
                    """.formatted(fauxqs.endpoint(), fauxqs.region(), fauxqs.accessKeyId(), fauxqs.secretAccessKey())
                    .indent(2);
            Path client = dir.resolve("client.yaml");
            Files.writeString(client, "outpost:\n  client:\n    reply-to: cli-replies\n    poll-wait: 1s\n" + sqsKeys
                    + "    topics:\n      - everyone=" + arn + "\n");
            try (SqsTransport a = SqsTransport.builder().configure(worker(sqsKeys, "cli-fleet-a")).build();
                    SqsTransport b = SqsTransport.builder().configure(worker(sqsKeys, "cli-fleet-b")).build();
                    Worker wa = Worker.builder(a).id("host-a").allowReplyTo("cli-replies").pollWait(Duration.ofSeconds(1))
                            .build().start();
                    Worker wb = Worker.builder(b).id("host-b").allowReplyTo("cli-replies").pollWait(Duration.ofSeconds(1))
                            .build().start()) {
                CliTest.Run r = CliTest.run("broadcast", "outpost.ping", "--topic", "everyone", "--expect", "2",
                        "--deadline", "30s", "-c", client.toString(), "-f", "jsonl");
                assertThat(r.code()).as(r.err()).isZero();
                assertThat(r.out().lines().map(l -> Json.parse(l).path("worker").asText()))
                        .containsExactlyInAnyOrder("host-a", "host-b");
            }
        }
    }

    /** A worker's configuration: the same SQS keys, its own queue. */
    private Path workerFile(String sqsKeys, String queue) throws Exception {
        Path f = dir.resolve(queue + ".yaml");
        Files.writeString(f, "outpost:\n" + sqsKeys + "    requests: " + queue + "\n");
        return f;
    }

    private OutpostConfig worker(String sqsKeys, String queue) throws Exception {
        return OutpostConfig.load(java.util.Optional.of(workerFile(sqsKeys, queue)));
    }
}
