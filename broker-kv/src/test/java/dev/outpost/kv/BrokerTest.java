package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.core.Client;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Collector;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Sender;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker end to end on the in-memory transport: namespace rules, stamps, ping, extensions. */
class BrokerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SVC_WRITE = "svc-write-key-0123456789";
    private static final String CFG_READ = "cfg-read-key-0123456789";

    @TempDir
    Path dir;
    private InMemoryTransport transport;
    private SqliteRegistry store;
    private Worker broker;
    private Client client;

    @BeforeEach
    void start() {
        transport = InMemoryTransport.create();
        store = SqliteRegistry.open(dir.resolve("kv.db"));
        RegistryService service = RegistryService.builder(store)
                .namespace("svc", NamespaceAccess.builder().readers("*").writeKey(SVC_WRITE).build())
                .namespace("cfg", NamespaceAccess.builder().readKey(CFG_READ).writers("ops-key").build())
                .brokerId("broker-1")
                .extension(Collector.of("svc.count", (request, context) -> Map.of("count", store.list("svc/").size())))
                .extension(Collector.of("_svc.purge", (request, context) -> Map.of("purged", true)))
                .extension("svc", Collector.of("svc.restart", (request, context) -> Map.of("restarted", true)))
                .build();
        broker = Worker.builder(transport).requests("kv").codec(new AttributeSenderCodec()).collectors(service.collectors())
                .builtins(false).pollWait(Duration.ofMillis(200)).suppressDuplicates(1000).build().start();
        client = Client.builder(transport).requests("kv").codec(new AttributeSenderCodec()).pollWait(Duration.ofMillis(200)).build().start();
    }

    @AfterEach
    void stop() {
        client.close();
        broker.close();
        store.close();
        transport.close();
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void aHostRegistersWithTheNamespaceKeyAndAnyoneReadsItBack() throws Exception {
        try (RemoteRegistry writer = RemoteRegistry.builder(client).accessKey("svc", SVC_WRITE).build();
                RemoteRegistry reader = RemoteRegistry.builder(client).build()) {
            RegistryEntry e = writer.writingAs("billing-1").register("svc/billing", json("{\"queue\":\"billing\"}"),
                    Optional.of(Duration.ofMinutes(1)));
            assertThat(e.updatedBy()).contains("billing-1 via access-key:svc");
            RegistryEntry read = reader.get("svc/billing").orElseThrow();
            assertThat(read.value()).isEqualTo(json("{\"queue\":\"billing\"}"));
            assertThat(read.expiresAt()).isPresent();
            // the local store holds the same, stamped
            assertThat(store.get("svc/billing").orElseThrow().updatedBy()).contains("billing-1 via access-key:svc");
        }
    }

    @Test
    void unauthorisedNamespaceAccessIsRefusedWithAClearReasonAndNoSecret() throws Exception {
        try (RemoteRegistry anonymous = RemoteRegistry.builder(client).build();
                RemoteRegistry wrongKey = RemoteRegistry.builder(client).accessKey("svc", "not-the-key-0123456789").build();
                RemoteRegistry readOnly = RemoteRegistry.builder(client).accessKey("cfg", CFG_READ).build()) {
            assertThatThrownBy(() -> anonymous.register("svc/x", json("1"), Optional.empty()))
                    .isInstanceOfSatisfying(RegistryException.Forbidden.class, e -> assertThat(e.key()).isEqualTo("svc/x"))
                    .hasMessageContaining("an unauthenticated caller may not write namespace 'svc' (give its access key)");
            assertThatThrownBy(() -> wrongKey.register("svc/x", json("1"), Optional.empty()))
                    .isInstanceOf(RegistryException.Forbidden.class)
                    .hasMessageContaining("the access key given is not valid for writes of namespace 'svc'")
                    .hasMessageNotContaining("not-the-key").hasMessageNotContaining(SVC_WRITE);
            assertThatThrownBy(() -> anonymous.get("cfg/db")).isInstanceOf(RegistryException.Forbidden.class)
                    .hasMessageContaining("may not read namespace 'cfg'");
            assertThat(readOnly.get("cfg/db")).isEmpty();
            assertThatThrownBy(() -> readOnly.register("cfg/db", json("1"), Optional.empty()))
                    .isInstanceOf(RegistryException.Forbidden.class).hasMessageNotContaining(CFG_READ);
            assertThatThrownBy(() -> anonymous.list("zzz/")).isInstanceOf(RegistryException.Forbidden.class)
                    .hasMessageContaining("namespace 'zzz' is not served by this broker");
            assertThat(store.get("svc/x")).isEmpty();
        }
    }

    @Test
    void anAuthenticatedSenderIsStampedAndCheckedByItsId() throws Exception {
        // AttributeSenderCodec stands in for the sealed codec: it reports the sender named in an attribute
        Request write = Request.builder("kv.register").params(Map.of("key", "cfg/db", "value", Map.of("host", "db1")))
                .attribute("test-sender", "ops-key").build();
        Response ok = client.call(write, Duration.ofSeconds(10)).get();
        assertThat(ok.isOk()).isTrue();
        assertThat(ok.result().orElseThrow().at("/entry/updatedBy").asText()).isEqualTo("ops-key");

        Request intruder = Request.builder("kv.delete").params(Map.of("key", "cfg/db")).attribute("test-sender", "laptop-7").build();
        Response refused = client.call(intruder, Duration.ofSeconds(10)).get();
        assertThat(refused.isOk()).isFalse();
        assertThat(refused.error().orElseThrow().code()).isEqualTo("forbidden");
        assertThat(refused.error().orElseThrow().message()).isEqualTo("sender 'laptop-7' may not write namespace 'cfg'");
        assertThat(store.get("cfg/db")).isPresent();
    }

    @Test
    void pingEchoesTheCallersDataAndExtensionsAreReachableButUnderscoreNamesAreNot() throws Exception {
        try (RemoteRegistry kv = RemoteRegistry.builder(client).build()) {
            assertThat(kv.ping(json("{\"nonce\":42,\"s\":\"é\"}"))).isEqualTo(json("{\"nonce\":42,\"s\":\"é\"}"));
        }
        Response count = client.call(Request.builder("svc.count").build(), Duration.ofSeconds(10)).get();
        assertThat(count.result().orElseThrow().get("count").asInt()).isZero();
        Response hidden = client.call(Request.builder("_svc.purge").build(), Duration.ofSeconds(10)).get();
        assertThat(hidden.isOk()).isFalse();
        // an extension guarded by a namespace runs only for callers who may write it
        Response refused = client.call(Request.builder("svc.restart").build(), Duration.ofSeconds(10)).get();
        assertThat(refused.error().orElseThrow().code()).isEqualTo("forbidden");
        Response allowed = client.call(Request.builder("svc.restart").param("accessKey", SVC_WRITE).build(), Duration.ofSeconds(10)).get();
        assertThat(allowed.result().orElseThrow().get("restarted").asBoolean()).isTrue();
        assertThatThrownBy(() -> RegistryService.builder(store).extension(Collector.of("kv.evil", (r, c) -> null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kv. prefix");
    }

    @Test
    void theInMemoryRegistryServesTooAndAccessKeysNeverShowInToString() {
        NamespaceAccess access = NamespaceAccess.builder().writeKey(SVC_WRITE).build();
        assertThat(access.toString()).doesNotContain(SVC_WRITE).contains("writeKey=(set)");
        assertThatThrownBy(() -> NamespaceAccess.builder().writeKey("short")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("short");
        assertThat(RegistryService.builder(InMemoryRegistry.create()).namespace("a", access).build().collectors())
                .extracting(Collector::name)
                .containsExactly("kv.get", "kv.register", "kv.replace", "kv.update", "kv.delete", "kv.list", "kv.revision", "kv.ping");
    }

    @Test
    void largeListingsArePagedUnderTheMessageLimit() throws Exception {
        String big = "x".repeat(60_000);
        for (int i = 0; i < 12; i++) {
            store.register("svc/big-" + i, JSON.valueToTree(Map.of("pad", big)), Optional.empty());
        }
        try (RemoteRegistry kv = RemoteRegistry.builder(client).build()) {
            var first = kv.list("svc/", 100, Optional.empty());
            assertThat(first.entries()).hasSizeLessThan(12).isNotEmpty();
            assertThat(first.nextPageToken()).isPresent();
            assertThat(kv.list("svc/")).hasSize(12); // the in-memory transport's 256 KiB limit was never hit
        }
    }

    /** A JSON codec that reports the sender named in the request's {@code test-sender} attribute, as a sealed codec would. */
    static final class AttributeSenderCodec implements Codec {
        private final JsonCodec json = JsonCodec.create();

        @Override
        public byte[] encodeRequest(Request request) {
            return json.encodeRequest(request);
        }

        @Override
        public Decoded<Request> decodeRequest(byte[] body) {
            Request r = json.decodeRequest(body).document();
            return new Decoded<>(r, Optional.ofNullable(r.attributes().get("test-sender")).map(id -> Sender.of(id, id)));
        }

        @Override
        public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
            return json.encodeResponse(response, recipient);
        }

        @Override
        public Decoded<Response> decodeResponse(byte[] body) {
            return json.decodeResponse(body);
        }
    }
}
