package dev.outpost.sqs;

import static dev.outpost.sqs.HardeningTest.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ConfigException;
import dev.outpost.core.config.OutpostConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** {@code outpost.sqs.topics} and the topic ARNs of {@code topic(...)}, checked when the transport is built (no server). */
class TopicKeysTest {
    private static final String FLEET = "arn:aws:sns:eu-west-1:123456789012:outpost-fleet";

    private static Map<String, String> keys(String topics) {
        Map<String, String> c = new HashMap<>(Map.of("outpost.sqs.endpoint", "http://127.0.0.1:9", "outpost.sqs.region",
                "eu-west-1", "outpost.sqs.access-key-id", "AKIDEXAMPLE", "outpost.sqs.secret-access-key", "secret-example"));
        c.put("outpost.sqs.topics", topics);
        return c;
    }

    private static List<ConfigException.Problem> problems(Map<String, String> c) {
        try (SqsTransport t = SqsTransport.builder().configure(config(c)).build()) {
            throw new AssertionError("built: " + t);
        } catch (ConfigException e) {
            return e.problems();
        }
    }

    @Test
    void aValueThatIsNotATopicArnFailsTheBuildNamingTheKeyTheValueAndWhereItWasSet() {
        String queueArn = "arn:aws:sqs:eu-west-1:123456789012:outpost-fleet";
        List<ConfigException.Problem> p = problems(keys("fleet=" + queueArn));
        assertThat(p).singleElement().satisfies(problem -> {
            assertThat(problem.key()).isEqualTo("outpost.sqs.topics");
            assertThat(problem.message()).contains("'" + queueArn + "'").contains("'fleet'")
                    .contains("not an SNS topic ARN").contains("(set in test)");
        });
        for (String bad : List.of("fleet=outpost-fleet", "fleet=https://sns.eu-west-1.amazonaws.com/outpost-fleet",
                "fleet=arn:aws:sns:eu-west-1:123456789012:", "fleet=arn:aws:sns:eu-west-1:123456789012:a/b",
                "fleet=arn:gcp:sns:eu-west-1:123456789012:outpost-fleet", "fleet=arn:aws:sns:eu-west-1:outpost-fleet")) {
            assertThat(problems(keys(bad))).as(bad).singleElement()
                    .satisfies(problem -> assertThat(problem.message()).contains(bad.substring("fleet=".length())));
        }
    }

    @Test
    void entriesThatAreNotNameEqualsArnOrMapANameTwiceAreReportedTogetherWithTheOtherKeys() {
        Map<String, String> c = keys("fleet=" + FLEET + ", " + FLEET + ", =" + FLEET + ", fleet=" + FLEET);
        c.put("outpost.sqs.linger", "5s");
        c.put("outpost.sqs.sns-endpoint", "sns.eu-west-1.amazonaws.com");
        List<ConfigException.Problem> p = problems(c);
        assertThat(p).extracting(ConfigException.Problem::key).containsExactlyInAnyOrder("outpost.sqs.topics",
                "outpost.sqs.topics", "outpost.sqs.topics", "outpost.sqs.linger", "outpost.sqs.sns-endpoint");
        assertThat(p).extracting(ConfigException.Problem::message).anySatisfy(m -> assertThat(m).contains("'" + FLEET + "'")
                .contains("is not NAME=ARN")).anySatisfy(m -> assertThat(m).contains("'=" + FLEET + "'"))
                .anySatisfy(m -> assertThat(m).contains("maps 'fleet' twice"))
                .anySatisfy(m -> assertThat(m).contains("'sns.eu-west-1.amazonaws.com' is not an http(s) URL"));
    }

    @Test
    void topicArnsOfEveryPartitionAndFifoTopicsAreTaken() {
        String topics = "fleet=" + FLEET + ", cn=arn:aws-cn:sns:cn-north-1:123456789012:fleet,"
                + "gov=arn:aws-us-gov:sns:us-gov-west-1:123456789012:fleet, ordered=arn:aws:sns:us-east-1:123456789012:jobs.fifo";
        try (SqsTransport t = SqsTransport.builder().configure(config(keys(topics))).build()) {
            t.verify("fleet"); // a mapped topic: nothing to look up, no call made
            t.verify("gov");
        }
    }

    /** Through core's layered configuration: a YAML list, the environment, and a YAML mapping (refused, by name). */
    @Test
    void theKeyIsAListInEveryLayerAndAYamlMappingUnderItIsAnUnknownKey(@TempDir Path dir) throws Exception {
        Path list = dir.resolve("list.yaml");
        Files.writeString(list, "outpost:\n  sqs:\n    topics:\n      - fleet=" + FLEET + "\n      - audit=" + FLEET + "-audit\n");
        assertThat(OutpostConfig.builder().localFile(list).build().list("outpost.sqs.topics"))
                .containsExactly("fleet=" + FLEET, "audit=" + FLEET + "-audit");
        OutpostConfig env = OutpostConfig.builder().environment(Map.of("OUTPOST_SQS_TOPICS", "fleet=" + FLEET + ",audit=" + FLEET
                + "-audit", "OUTPOST_SQS_REGION", "eu-west-1")).build();
        assertThat(env.list("outpost.sqs.topics")).hasSize(2);
        SqsTransport.builder().configure(env).build().close();
        Path mapping = dir.resolve("mapping.yaml");
        Files.writeString(mapping, "outpost:\n  sqs:\n    topics:\n      fleet: " + FLEET + "\n");
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(mapping).build()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("outpost.sqs.topics.fleet").hasMessageContaining("unknown key")
                .hasMessageContaining("did you mean outpost.sqs.topics?");
    }

    @Test
    void aBuilderTopicThatIsNotATopicArnIsRefusedAtOnce() {
        assertThatThrownBy(() -> SqsTransport.builder().topic("fleet", "outpost-fleet"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'outpost-fleet'")
                .hasMessageContaining("not an SNS topic ARN");
        assertThatThrownBy(() -> SqsTransport.builder().topic(" ", FLEET)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("logicalName");
    }

    /**
     * The client keys describe only the clients the transport creates: an SNS client made from them beside a passed SQS
     * client could reach another endpoint or account, so a topic mapped beside a passed SQS client needs an SNS client.
     */
    @Test
    void topicsBesideAPassedSqsClientWithoutAnSnsClientFailTheBuild() {
        StaticCredentialsProvider creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "x"));
        try (SqsAsyncClient sqs = SqsAsyncClient.builder().region(Region.EU_WEST_1).credentialsProvider(creds).build();
                SnsAsyncClient sns = SnsAsyncClient.builder().region(Region.EU_WEST_1).credentialsProvider(creds).build()) {
            assertThatThrownBy(() -> SqsTransport.builder().sqsClient(sqs).configure(config(Map.of("outpost.sqs.topics",
                    "fleet=" + FLEET))).build()).isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(((ConfigException) e).problems()).singleElement().satisfies(p -> {
                        assertThat(p.key()).isEqualTo("outpost.sqs.topics");
                        assertThat(p.message()).contains("[fleet]").contains("snsClient(...)").contains("(set in test)");
                    }));
            assertThatThrownBy(() -> SqsTransport.builder().sqsClient(sqs).topic("fleet", FLEET).build())
                    .isInstanceOf(ConfigException.class).hasMessageContaining("snsClient");
            try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).snsClient(sns)
                    .configure(config(Map.of("outpost.sqs.topics", "fleet=" + FLEET))).build()) {
                t.verify("fleet");
            }
        }
    }
}
