package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.core.Client;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.sqs.SqsTransport;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** The first request after a broker restart is answered (SQS via ElasticMQ, RemoteRegistry, default poll wait). */
class BrokerRestartTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "svc-write-key-0123456789";

    @TempDir
    Path dir;

    @Test
    void theFirstRequestAfterABrokerRestartIsAnswered() throws Exception {
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        int port = server.waitUntilStarted().localAddress().getPort();
        try (SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build()) {
            for (String q : List.of("kv-requests", "kv-replies", "dead-letter")) {
                sqs.createQueue(r -> r.queueName(q)).join();
            }
            try (SqliteRegistry store = SqliteRegistry.open(dir.resolve("kv.db"));
                    SqsTransport hostSide = SqsTransport.builder().sqsClient(sqs).build();
                    Client client = Client.builder(hostSide).requests("kv-requests").replyTo("kv-replies")
                            .pollWait(Duration.ofSeconds(1)).build().start();
                    RemoteRegistry kv = RemoteRegistry.builder(client).accessKey("svc", KEY).timeout(Duration.ofSeconds(10)).build()) {
                for (int round = 0; round < 3; round++) {
                    try (SqsTransport brokerSide = SqsTransport.builder().sqsClient(sqs).build();
                            RegistryService broker = broker(store, brokerSide).start()) {
                        long t0 = System.nanoTime();
                        kv.register("svc/r" + round, JSON.readTree("1"), Optional.empty()); // the first request of this broker
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        System.out.println("round " + round + ": first request answered in " + ms + " ms");
                        assertThat(kv.get("svc/r" + round)).isPresent();
                    }
                }
            }
        } finally {
            server.stopAndWait();
        }
    }

    private static RegistryService broker(SqliteRegistry store, SqsTransport transport) {
        // a long poll, as BrokerDaemon's (20 s by default): a stopped broker's abandoned receive stays open in SQS
        return RegistryService.builder(store).namespace("svc", NamespaceAccess.builder().readers("*").writeKey(KEY).build())
                .transport(transport).requests("kv-requests")
                .configure(OutpostConfig.builder().set("outpost.worker.reply-to.allow", "kv-replies")
                        .set("outpost.worker.poll-wait", "5s").build()).build();
    }
}
