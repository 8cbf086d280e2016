package dev.outpost.kv;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.core.audit.AuditLog;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.nacl.KnownSender;
import dev.outpost.nacl.KnownSenders;
import dev.outpost.nacl.NaclKeyPair;
import dev.outpost.nacl.SealedCodec;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Every write a remote caller asks of the broker is one audit line, refused ones included, with the
 * authenticated sender, the key, its namespace, the operation and the outcome; the value is only
 * ever hashed and the access key never written.
 */
class BrokerAuditTest {
    private static final String SECRET_VALUE = "s3cret-value-never-logged";
    private static final String ACCESS_KEY = "access-key-0123456789abcdef";

    private final NaclKeyPair broker = NaclKeyPair.generate();
    private final NaclKeyPair ops = NaclKeyPair.generate();
    private final NaclKeyPair laptop = NaclKeyPair.generate();

    @TempDir
    Path dir;

    @Test
    void everyRemoteWriteIsOneLineWithSenderKeyOperationAndOutcomeAndNeverTheValue() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        Instant now = Instant.parse("2026-12-04T15:00:00Z");
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry store = InMemoryRegistry.create();
                AuditLog audit = AuditLog.toFile(file).includeParams(true).build().start()) {
            RegistryService service = RegistryService.builder(store).audit(audit).clock(Clock.fixed(now, ZoneOffset.UTC))
                    .brokerId("broker-1")
                    .namespace("cfg", NamespaceAccess.builder().readers("*").writers("ops").build()).build();
            SealedCodec brokerCodec = SealedCodec.builder().identity(broker).knownSenders(KnownSenders.of(
                    KnownSender.of(ops.publicKey(), "ops"), KnownSender.of(laptop.publicKey(), "laptop"))).build();
            try (Worker w = Worker.builder(transport).requests("kv").codec(brokerCodec).collectors(service.collectors())
                            .builtins(false).pollWait(Duration.ofMillis(200)).build().start();
                    Client opsClient = client(transport, ops);
                    Client laptopClient = client(transport, laptop);
                    RemoteRegistry asOps = RemoteRegistry.builder(opsClient).accessKey("cfg", ACCESS_KEY).build();
                    RemoteRegistry asLaptop = RemoteRegistry.builder(laptopClient).build()) {
                JsonNode value = Json.parse("{\"password\":\"" + SECRET_VALUE + "\",\"a\":1}");
                RegistryEntry e = asOps.register("cfg/db", value, Optional.empty());
                asOps.replace("cfg/db", Json.parse("{\"password\":\"" + SECRET_VALUE + "2\"}"), e.version());
                assertThatThrownBy(() -> asOps.replace("cfg/db", Json.parse("1"), e.version()))
                        .isInstanceOf(RegistryException.VersionConflict.class);
                asOps.update("cfg/db", Json.parse("{\"b\":2}"));
                assertThatThrownBy(() -> asLaptop.register("cfg/evil", Json.parse("1"), Optional.empty()))
                        .isInstanceOf(RegistryException.Forbidden.class);
                asOps.get("cfg/db"); // a read: not audited
                assertThat(asOps.delete("cfg/db")).isTrue();

                await().atMost(Duration.ofSeconds(10)).until(() -> audit.written() == 6);
                List<String> raw = Files.readAllLines(file);
                assertThat(raw).hasSize(6).noneMatch(l -> l.contains(SECRET_VALUE)).noneMatch(l -> l.contains(ACCESS_KEY));
                List<JsonNode> lines = raw.stream().map(Json::parse).toList();
                assertThat(lines).extracting(l -> l.get("params").get("operation").asText())
                        .containsExactly("kv.register", "kv.replace", "kv.replace", "kv.update", "kv.register", "kv.delete");
                assertThat(lines).extracting(l -> l.get("outcome").asText())
                        .containsExactly("ok", "ok", "refused:version-conflict", "ok", "forbidden", "ok");
                assertThat(lines).extracting(l -> l.get("sender").asText())
                        .containsExactly("ops", "ops", "ops", "ops", "laptop", "ops");
                assertThat(lines).allSatisfy(l -> {
                    assertThat(l.get("kind").asText()).isEqualTo("registry-write");
                    assertThat(l.get("component").asText()).isEqualTo("broker-1");
                    assertThat(l.get("authenticated").asBoolean()).isTrue();
                    assertThat(l.get("time").asText()).isEqualTo(now.toString());
                    assertThat(l.get("params").get("namespace").asText()).isEqualTo("cfg");
                    assertThat(l.get("requestId").asText()).isNotBlank();
                });
                assertThat(lines.get(0).get("target").asText()).isEqualTo("cfg/db");
                assertThat(lines.get(4).get("target").asText()).isEqualTo("cfg/evil");
                assertThat(lines.get(0).get("params").get("valueSha256").asText())
                        .as("the value's hash, the same for the same JSON in any key order")
                        .isEqualTo(AuditLog.sha256(Json.parse("{\"a\":1,\"password\":\"" + SECRET_VALUE + "\"}")))
                        .hasSize(64);
                assertThat(lines.get(1).get("params").get("version").asLong()).isEqualTo(e.version());
                assertThat(lines.get(3).get("params").has("patchSha256")).isTrue();
                assertThat(lines.get(5).get("params").has("valueSha256")).isFalse();
            }
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void anUnauthenticatedWriteWithAnAccessKeyIsRecordedWithoutSenderAndWithoutTheKey() throws Exception {
        Path file = dir.resolve("plain.jsonl");
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry store = InMemoryRegistry.create();
                AuditLog audit = AuditLog.toFile(file).build().start()) {
            RegistryService service = RegistryService.builder(store).audit(audit)
                    .namespace("svc", NamespaceAccess.builder().readers("*").writeKey(ACCESS_KEY).build()).build();
            try (Worker w = Worker.builder(transport).requests("kv").collectors(service.collectors())
                            .builtins(false).pollWait(Duration.ofMillis(200)).build().start();
                    Client c = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(200)).build().start();
                    RemoteRegistry kv = RemoteRegistry.builder(c).accessKey("svc", ACCESS_KEY).build()) {
                kv.register("svc/a", Json.parse("\"" + SECRET_VALUE + "\""), Optional.empty());
                await().atMost(Duration.ofSeconds(10)).until(() -> audit.written() == 1);
                String line = Files.readString(file);
                assertThat(line).doesNotContain(SECRET_VALUE).doesNotContain(ACCESS_KEY)
                        .as("without includeParams only the hash of the details").doesNotContain("\"params\"");
                JsonNode json = Json.parse(line);
                assertThat(json.has("sender")).isFalse();
                assertThat(json.get("authenticated").asBoolean()).isFalse();
                assertThat(json.get("target").asText()).isEqualTo("svc/a");
                assertThat(json.get("outcome").asText()).isEqualTo("ok");
            }
        }
    }

    private Client client(InMemoryTransport transport, NaclKeyPair me) {
        return Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(200))
                .codec(SealedCodec.builder().identity(me).recipient(broker.publicKey()).build()).build().start();
    }
}
