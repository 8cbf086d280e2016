package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.core.Client;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker and a host built from configuration alone: the keys broker-kv declares, bound by its builders. */
class ConfiguredBrokerTest {
    private static final String SECRET = "svc-write-secret-0123456789";

    @TempDir
    Path dir;

    @Test
    void aBrokerAndAHostFromConfiguration() throws Exception {
        Path rules = dir.resolve("namespaces.json");
        Files.writeString(rules, "{\"svc\": {\"readers\": [\"*\"], \"write-secret\": \"" + SECRET + "\"}}");
        Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rw-r--r--"));
        OutpostConfig config = OutpostConfig.builder().set("outpost.broker.id", "broker-9")
                .set("outpost.broker.namespaces-file", rules.toString()).set("outpost.worker.poll-wait", "200ms").build();
        try (InMemoryRegistry store = InMemoryRegistry.create(); InMemoryTransport transport = InMemoryTransport.create()) {
            assertThatThrownBy(() -> RegistryService.builder(store).configure(config).build()).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("chmod 600").hasMessageNotContaining(SECRET);
            Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rw-------"));
            try (RegistryService broker = RegistryService.builder(store).transport(transport).configure(config).build().start();
                    Client client = Client.builder(transport).requests("kv-requests").pollWait(Duration.ofMillis(200)).build().start();
                    RemoteRegistry kv = RemoteRegistry.builder(client)
                            .configure(OutpostConfig.builder().set("outpost.kv.access-key", SECRET).build()).build()) {
                assertThat(kv.register("svc/a", Json.parse("1"), Optional.empty()).updatedBy()).contains("access-key:svc");
                assertThat(broker.worker().orElseThrow().status()).isNotNull();
                // its log lines and answers named the worker hostname-pid, while the health line said broker-9
                assertThat(broker.worker().orElseThrow().id()).isEqualTo("broker-9");
            }
        }
    }

    @Test
    void badValuesAreReportedTogether() {
        OutpostConfig config = OutpostConfig.builder().set("outpost.broker.backup-keep", "0")
                .set("outpost.broker.backups", dir.resolve("b").toString()).set("outpost.broker.tombstone-retention", "soon").build();
        assertThatThrownBy(() -> SqliteRegistry.builder(dir.resolve("kv.db")).configure(config).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(2))
                .hasMessageContaining("outpost.broker.backup-keep").hasMessageContaining("outpost.broker.tombstone-retention");
        assertThat(dir.resolve("kv.db")).doesNotExist(); // build() opens nothing
    }

    @Test
    void aNamespacesFileRuleThatCouldNeverMatchIsRefusedNotSilentlyIgnored() throws Exception {
        Path rules = dir.resolve("namespaces.json");
        // a namespace no key can have, a misspelt field, and a list written as one string
        Files.writeString(rules, "{\"ok\": {\"readers\": [\"*\"]}, \"Svc\": {\"readers\": [\"*\"]}, \"cfg\": {\"writer\": [\"ops\"]},"
                + " \"web\": {\"readers\": \"ops\", \"write-secret\": \"" + SECRET + "\"}}");
        Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rw-------"));
        OutpostConfig config = OutpostConfig.builder().set("outpost.broker.namespaces-file", rules.toString()).build();
        try (InMemoryRegistry store = InMemoryRegistry.create()) {
            assertThatThrownBy(() -> RegistryService.builder(store).configure(config).build())
                    .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3))
                    .hasMessageContaining("'Svc'").hasMessageContaining("'writer'").hasMessageContaining("readers")
                    .hasMessageNotContaining(SECRET);
        }
    }

    @Test
    void aBrokerWhoseQueueDoesNotExistFailsItsStartAndSaysSoOnARetry() {
        try (InMemoryRegistry store = InMemoryRegistry.create();
                InMemoryTransport strict = InMemoryTransport.builder().autoCreate(false).build();
                RegistryService broker = RegistryService.builder(store).namespace("svc", NamespaceAccess.open()).transport(strict)
                        .requests("kv-requets").build()) {
            assertThatThrownBy(broker::start).isInstanceOf(dev.outpost.spi.NoSuchDestinationException.class)
                    .hasMessageContaining("kv-requets");
            // before: "was started before", while nothing ran
            assertThatThrownBy(broker::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("shut down");
            assertThat(broker.shutdown()).succeedsWithin(Duration.ofSeconds(5));
        }
    }
}
