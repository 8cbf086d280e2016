package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.nacl.KnownSender;
import dev.outpost.nacl.KnownSenders;
import dev.outpost.nacl.NaclKeyPair;
import dev.outpost.nacl.SealedCodec;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Namespace rules by authenticated sender, with the real sealed codec (NaCl) on both sides. */
class SealedBrokerTest {
    private final NaclKeyPair broker = NaclKeyPair.generate();
    private final NaclKeyPair ops = NaclKeyPair.generate();
    private final NaclKeyPair laptop = NaclKeyPair.generate();
    private final NaclKeyPair kiosk = NaclKeyPair.generate();

    private SealedCodec brokerCodec() {
        return SealedCodec.builder().identity(broker)
                .knownSenders(KnownSenders.of(KnownSender.of(ops.publicKey(), "ops"), KnownSender.of(laptop.publicKey(), "laptop"),
                        // a known sender the worker lets run nothing but ping: kv.* is refused before any namespace rule
                        new KnownSender(kiosk.publicKey(), "kiosk", Optional.of(Set.of("outpost.ping")))))
                .build();
    }

    private static Client client(InMemoryTransport transport, NaclKeyPair me, NaclKeyPair to) {
        return Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(200))
                .codec(SealedCodec.builder().identity(me).recipient(to.publicKey()).build()).build().start();
    }

    @Test
    void writersAreNamedByKnownSendersNameOrKeyIdAndStampsCarryTheName() {
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry store = InMemoryRegistry.create()) {
            RegistryService service = RegistryService.builder(store)
                    .namespace("cfg", NamespaceAccess.builder().readers("*").writers("ops").build())
                    .namespace("svc", NamespaceAccess.builder().readers("*").writers(laptop.publicKey().keyIdHex()).build()).build();
            try (Worker w = Worker.builder(transport).requests("kv").codec(brokerCodec()).collectors(service.collectors())
                            .builtins(false).pollWait(Duration.ofMillis(200)).build().start();
                    Client opsClient = client(transport, ops, broker);
                    Client laptopClient = client(transport, laptop, broker);
                    RemoteRegistry asOps = RemoteRegistry.builder(opsClient).build();
                    RemoteRegistry asLaptop = RemoteRegistry.builder(laptopClient).build()) {
                RegistryEntry e = asOps.register("cfg/db", Json.parse("{\"host\":\"db1\"}"), Optional.empty());
                assertThat(e.updatedBy()).as("the known-senders name, not a key").contains("ops");
                assertThat(asOps.writingAs("deploy-7").update("cfg/db", Json.parse("{\"v\":2}")).updatedBy()).contains("deploy-7 via ops");
                assertThat(asLaptop.register("svc/a", Json.parse("1"), Optional.empty()).updatedBy())
                        .as("allowed by key id, stamped by name").contains("laptop");
                assertThat(asLaptop.get("cfg/db").orElseThrow().value().get("host").asText()).isEqualTo("db1");
                assertThatThrownBy(() -> asLaptop.writingAs("ops").update("cfg/db", Json.parse("{\"host\":\"evil\"}")))
                        .isInstanceOf(RegistryException.Forbidden.class)
                        .hasMessageContaining("sender 'laptop' (key " + laptop.publicKey().keyIdHex() + ") may not write namespace 'cfg'");
                assertThat(store.get("cfg/db").orElseThrow().value().get("host").asText()).isEqualTo("db1");
            }
        }
    }

    @Test
    void aSenderWithAVeryLongNameStampsWhatAnExportCanImportAgain() {
        String longName = "team-" + "n".repeat(300);
        NaclKeyPair named = NaclKeyPair.generate();
        SealedCodec codec = SealedCodec.builder().identity(broker)
                .knownSenders(KnownSenders.of(KnownSender.of(named.publicKey(), longName))).build();
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry store = InMemoryRegistry.create()) {
            RegistryService service = RegistryService.builder(store).namespace("svc", NamespaceAccess.open()).build();
            try (Worker w = Worker.builder(transport).requests("kv").codec(codec).collectors(service.collectors())
                            .builtins(false).pollWait(Duration.ofMillis(200)).build().start();
                    Client c = client(transport, named, broker);
                    RemoteRegistry kv = RemoteRegistry.builder(c).build()) {
                kv.register("svc/a", Json.parse("1"), Optional.empty());
                kv.writingAs("deploy-7").register("svc/b", Json.parse("2"), Optional.empty());
            }
            assertThat(store.get("svc/a").orElseThrow().updatedBy().orElseThrow()).startsWith("team-nnn").hasSizeLessThanOrEqualTo(200);
            assertThat(store.get("svc/b").orElseThrow().updatedBy().orElseThrow()).startsWith("deploy-7 via team-nnn").hasSizeLessThanOrEqualTo(200);
            java.io.StringWriter export = new java.io.StringWriter();
            assertThat(RegistryExport.write(store, export, "svc/")).isEqualTo(2);
            try (InMemoryRegistry copy = InMemoryRegistry.create()) {
                assertThat(RegistryImport.into(copy, new java.io.StringReader(export.toString()), ImportMode.ADD)).isEqualTo(2);
                assertThat(copy.get("svc/b").orElseThrow().value().asInt()).isEqualTo(2);
            }
        }
    }

    @Test
    void aSenderNameWithControlCharactersOrABrokenSurrogateStampsWhatAnExportCanImportAgain() {
        // a known-senders line splits on ASCII whitespace only: NEL (U+0085) and other controls stay in a name
        NaclKeyPair odd = NaclKeyPair.generate();
        NaclKeyPair broken = NaclKeyPair.generate();
        SealedCodec codec = SealedCodec.builder().identity(broker)
                .knownSenders(KnownSenders.of(KnownSender.of(odd.publicKey(), "ops\u0085\u001b[31mred"),
                        KnownSender.of(broken.publicKey(), "half\ud800")))
                .build();
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry store = InMemoryRegistry.create()) {
            RegistryService service = RegistryService.builder(store).namespace("svc", NamespaceAccess.open()).build();
            try (Worker w = Worker.builder(transport).requests("kv").codec(codec).collectors(service.collectors())
                            .builtins(false).pollWait(Duration.ofMillis(200)).build().start();
                    Client c = client(transport, odd, broker);
                    Client h = client(transport, broken, broker);
                    RemoteRegistry kv = RemoteRegistry.builder(c).build();
                    RemoteRegistry hv = RemoteRegistry.builder(h).build()) {
                kv.register("svc/a", Json.parse("1"), Optional.empty());
                kv.writingAs("deploy-7").register("svc/b", Json.parse("2"), Optional.empty());
                hv.register("svc/c", Json.parse("3"), Optional.empty());
            }
            for (String key : new String[] {"svc/a", "svc/b", "svc/c"}) {
                String by = store.get(key).orElseThrow().updatedBy().orElseThrow();
                assertThat(by.chars().noneMatch(Character::isISOControl)).as(by).isTrue();
                assertThat(by).as(by).isEqualTo(new String(by.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        java.nio.charset.StandardCharsets.UTF_8));
            }
            assertThat(store.get("svc/b").orElseThrow().updatedBy().orElseThrow()).startsWith("deploy-7 via ops");
            java.io.StringWriter export = new java.io.StringWriter();
            assertThat(RegistryExport.write(store, export, "svc/")).isEqualTo(3);
            try (InMemoryRegistry copy = InMemoryRegistry.create()) {
                assertThat(RegistryImport.into(copy, new java.io.StringReader(export.toString()), ImportMode.ADD)).isEqualTo(3);
            }
        }
    }

    @Test
    void aWriterNameCannotForgeTheIdentityPartOfAStamp() {
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry store = InMemoryRegistry.create()) {
            RegistryService service = RegistryService.builder(store).namespace("svc", NamespaceAccess.open()).build();
            try (Worker w = Worker.builder(transport).requests("kv").codec(brokerCodec()).collectors(service.collectors())
                            .builtins(false).pollWait(Duration.ofMillis(200)).build().start();
                    Client laptopClient = client(transport, laptop, broker);
                    RemoteRegistry asLaptop = RemoteRegistry.builder(laptopClient).build()) {
                for (String forged : new String[] {"x via ops", "x\nupdatedBy: ops", "", "-ops", "a".repeat(65)}) {
                    assertThatThrownBy(() -> asLaptop.writingAs(forged)).as(forged).isInstanceOf(IllegalArgumentException.class);
                }
                // the broker checks too, whatever a caller sends
                dev.outpost.Request raw = dev.outpost.Request.builder("kv.register")
                        .params(java.util.Map.of("key", "svc/x", "value", 1, "writer", "x via ops")).build();
                dev.outpost.Response refused = laptopClient.call("kv", raw, Duration.ofSeconds(10)).join();
                assertThat(refused.isOk()).isFalse();
                assertThat(refused.error().orElseThrow().code()).isEqualTo("invalid-argument");
                assertThat(store.get("svc/x")).isEmpty();
            }
        }
    }

    @Test
    void aSenderTheWorkerRefusesKvGetsForbiddenNotUnavailable() {
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry store = InMemoryRegistry.create()) {
            RegistryService service = RegistryService.builder(store).namespace("svc", NamespaceAccess.open()).build();
            try (Worker w = Worker.builder(transport).requests("kv").codec(brokerCodec()).collectors(service.collectors())
                            .builtins(false).pollWait(Duration.ofMillis(200)).build().start();
                    Client kioskClient = client(transport, kiosk, broker);
                    RemoteRegistry asKiosk = RemoteRegistry.builder(kioskClient).timeout(Duration.ofSeconds(10)).build()) {
                assertThatThrownBy(() -> asKiosk.get("svc/a")).isInstanceOf(RegistryException.Forbidden.class)
                        .hasMessageContaining("unauthorised");
            }
        }
    }
}
