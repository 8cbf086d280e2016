package dev.outpost.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Transport;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** The samples run in memory unless the configuration names SQS, whatever defaults the SQS module declares. */
class SqsConfigTest {
    @Test
    void theDeclaredDefaultsAloneAreNotSqs() {
        OutpostConfig defaults = OutpostConfig.builder().build();
        assertThat(defaults.subset("outpost.sqs")).as("the transport's own defaults").isNotEmpty();
        assertThat(SqsConfig.configured(defaults)).isFalse();
        try (Transport t = WorkerDaemon.transport(defaults)) {
            assertThat(t).isInstanceOf(InMemoryTransport.class);
        }
    }

    @Test
    void anSqsKeyFromAnyLayerIsSqs() {
        assertThat(SqsConfig.configured(OutpostConfig.builder().set("outpost.sqs.region", "us-east-1").build())).isTrue();
        assertThat(SqsConfig.configured(OutpostConfig.builder().set("outpost.sqs.linger", "10ms").build())).isTrue();
    }

    @Test
    void theBrokerSamplesClientTakesItsCredentialsFromTheKeys() {
        OutpostConfig config = OutpostConfig.builder().set("outpost.sqs.region", "us-east-1")
                .set("outpost.sqs.endpoint", "http://127.0.0.1:9324")
                .set("outpost.sqs.access-key-id", "test-id").set("outpost.sqs.secret-access-key", "test-secret").build();
        try (SqsAsyncClient sqs = BrokerDaemon.sqsClient(config)) {
            AwsCredentials c = ((AwsCredentialsProvider) sqs.serviceClientConfiguration().credentialsProvider()).resolveCredentials();
            assertThat(c.accessKeyId()).isEqualTo("test-id");
            assertThat(c.secretAccessKey()).isEqualTo("test-secret");
        }
    }
}
