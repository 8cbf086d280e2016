package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.sqs.SqsTransport;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** The broker over real SQS semantics: ElasticMQ on 127.0.0.1 in this JVM, the registry on SQLite. */
class ElasticMqBrokerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "svc-write-key-0123456789";

    @TempDir
    Path dir;

    @Test
    void aRemoteRegistryOverSqsWritesReadsWatchesAndIsRefusedWithoutItsKey() throws Exception {
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        int port = server.waitUntilStarted().localAddress().getPort();
        try (SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build()) {
            for (String q : List.of("kv-requests", "kv-replies", "dead-letter")) {
                sqs.createQueue(r -> r.queueName(q)).join();
            }
            try (SqliteRegistry store = SqliteRegistry.open(dir.resolve("kv.db"));
                    SqsTransport brokerSide = SqsTransport.builder().sqsClient(sqs).build();
                    SqsTransport hostSide = SqsTransport.builder().sqsClient(sqs).build();
                    Worker broker = Worker.builder(brokerSide).requests("kv-requests")
                            .collectors(RegistryService.builder(store)
                                    .namespace("svc", NamespaceAccess.builder().readers("*").writeKey(KEY).build()).build()
                                    .collectors())
                            .builtins(false).pollWait(Duration.ofSeconds(1)).suppressDuplicates(1000).allowReplyTo("kv-replies").build().start();
                    Client client = Client.builder(hostSide).requests("kv-requests").replyTo("kv-replies")
                            .pollWait(Duration.ofSeconds(1)).build().start();
                    RemoteRegistry kv = RemoteRegistry.builder(client).accessKey("svc", KEY).pollInterval(Duration.ofMillis(200)).build();
                    RemoteRegistry anonymous = RemoteRegistry.builder(client).build()) {
                List<RegistryEntry> seen = new CopyOnWriteArrayList<>();
                kv.watch("svc/", seen::add);
                RegistryEntry e = kv.register("svc/billing", JSON.readTree("{\"queue\":\"billing\"}"), Optional.empty());
                RegistryEntry e2 = kv.replace("svc/billing", JSON.readTree("{\"queue\":\"billing-2\"}"), e.version());
                assertThatThrownBy(() -> kv.replace("svc/billing", JSON.readTree("{}"), e.version()))
                        .isInstanceOfSatisfying(RegistryException.VersionConflict.class, c -> assertThat(c.actual()).isEqualTo(e2.version()));
                assertThat(anonymous.get("svc/billing").orElseThrow().value().get("queue").asText()).isEqualTo("billing-2");
                assertThatThrownBy(() -> anonymous.delete("svc/billing")).isInstanceOf(RegistryException.Forbidden.class)
                        .hasMessageContaining("may not write namespace 'svc'");
                await().atMost(Duration.ofSeconds(20)).until(() -> seen.stream().anyMatch(x -> x.version() == e2.version()));
                assertThat(kv.delete("svc/billing", e2.version())).isTrue();
                await().atMost(Duration.ofSeconds(20)).until(() -> seen.stream().anyMatch(RegistryEntry::deleted));
                assertThat(store.get("svc/billing")).isEmpty();
            }
        } finally {
            server.stopAndWait();
        }
    }
}
