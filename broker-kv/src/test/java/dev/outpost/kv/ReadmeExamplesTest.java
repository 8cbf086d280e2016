package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.core.Client;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.RegistryEntry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's examples, compiled and run (paths, addresses and secrets adapted to a test). */
class ReadmeExamplesTest {
    @TempDir
    Path dir;

    @Test
    void sqliteRegistry() {
        try (SqliteRegistry kv = SqliteRegistry.builder(dir.resolve("kv.db"))
                .backups(dir.resolve("kv-backups"))
                .build().start()) {
            RegistryEntry e = kv.register("svc/billing", Json.parse("{\"queue\":\"billing-requests\"}"),
                    Optional.of(Duration.ofMinutes(1)));
            kv.replace("svc/billing", e.value(), e.version(), Optional.of(Duration.ofMinutes(1)));
            kv.update("svc/billing", Json.parse("{\"healthy\":true}"));
            kv.watch("svc/", change -> System.out.println(change.key() + (change.deleted() ? " gone" : " v" + change.version())));
            kv.list("svc/").forEach(x -> System.out.println(x.key() + " = " + x.value()));
            assertThat(kv.get("svc/billing").orElseThrow().version()).isEqualTo(3);
            kv.delete("svc/billing");
        }
    }

    @Test
    void brokerAndHost() {
        String secret = "svc-write-secret-0123456789";
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            // the broker: a RegistryService that owns its worker (builtins off, duplicate suppression on)
            try (SqliteRegistry store = SqliteRegistry.open(dir.resolve("kv.db"));
                    RegistryService broker = RegistryService.builder(store)
                            .brokerId("broker-1")
                            .namespace("svc", NamespaceAccess.builder().readers("*").writeKey(secret).build())
                            .namespace("cfg", NamespaceAccess.builder().readers("*").writers("ops", "8e7f4fdd20a1ef77").build())
                            .transport(transport).requests("kv-requests")
                            .build().start()) {
                // a host
                try (Client client = Client.builder(transport).requests("kv-requests").pollWait(Duration.ofMillis(200)).build().start();
                        RemoteRegistry kv = RemoteRegistry.builder(client).accessKey("svc", secret).build()) {
                    kv.writingAs("billing-host-3").register("svc/billing", Json.parse("{\"queue\":\"billing\"}"),
                            Optional.of(Duration.ofMinutes(1)));
                    kv.get("svc/billing").ifPresent(e -> System.out.println(e.value() + " by " + e.updatedBy().orElse("?")));
                    assertThat(kv.get("svc/billing").orElseThrow().updatedBy()).contains("billing-host-3 via access-key:svc");
                }
            }
        }
    }

    @Test
    void discovery() throws Exception {
        // once, on the broker: the private key file (0600) and the public key's text, for the hosts
        String publicKey = DiscoveryKeys.generate(dir.resolve("discovery.key"));
        try (SqliteRegistry store = SqliteRegistry.open(dir.resolve("kv.db"));
                DiscoveryResponder discovery = DiscoveryResponder.builder(store, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .signingKeyFile(dir.resolve("discovery.key")).discoverable("svc").brokerId("broker-1").reach(Map.of("transport", "sqs", "requests", "kv-requests"))
                        .build().start()) {
            store.register("svc/billing", Json.parse("1"), Optional.empty());
            Optional<DiscoveryClient.Found> found = DiscoveryClient.find(discovery.address(), "svc/billing",
                    DiscoveryKeys.publicKey(publicKey), Duration.ofSeconds(2));
            assertThat(found).map(DiscoveryClient.Found::broker).contains("broker-1");
        }
    }
}
