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
import org.junit.jupiter.api.Test;

/** Namespace rules by authenticated sender, with the real sealed codec (NaCl) on both sides. */
class SealedBrokerTest {
    @Test
    void writersAreTheSendersTheSealedCodecAuthenticated() {
        NaclKeyPair broker = NaclKeyPair.generate();
        NaclKeyPair ops = NaclKeyPair.generate();
        NaclKeyPair laptop = NaclKeyPair.generate();
        String opsId = ops.publicKey().base64();
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry store = InMemoryRegistry.create()) {
            SealedCodec brokerCodec = SealedCodec.builder().identity(broker)
                    .knownSenders(KnownSenders.of(KnownSender.of(ops.publicKey(), "ops"), KnownSender.of(laptop.publicKey(), "laptop")))
                    .build();
            RegistryService service = RegistryService.builder(store)
                    .namespace("cfg", NamespaceAccess.builder().readers("*").writers(opsId).build()).build();
            try (Worker w = Worker.builder(transport).requests("kv").codec(brokerCodec).collectors(service.collectors())
                            .builtins(false).pollWait(Duration.ofMillis(200)).build().start();
                    Client opsClient = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(200))
                            .codec(SealedCodec.builder().identity(ops).recipient(broker.publicKey()).build()).build().start();
                    Client laptopClient = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(200))
                            .codec(SealedCodec.builder().identity(laptop).recipient(broker.publicKey()).build()).build().start();
                    RemoteRegistry asOps = RemoteRegistry.builder(opsClient).build();
                    RemoteRegistry asLaptop = RemoteRegistry.builder(laptopClient).build()) {
                RegistryEntry e = asOps.register("cfg/db", Json.parse("{\"host\":\"db1\"}"), Optional.empty());
                assertThat(e.updatedBy()).contains("ops");
                assertThat(asLaptop.get("cfg/db").orElseThrow().value().get("host").asText()).isEqualTo("db1");
                assertThatThrownBy(() -> asLaptop.writingAs("ops").update("cfg/db", Json.parse("{\"host\":\"evil\"}")))
                        .isInstanceOf(RegistryException.Forbidden.class)
                        .hasMessageContaining("sender 'laptop' (key " + laptop.publicKey().keyIdHex() + ") may not write namespace 'cfg'");
                assertThat(store.get("cfg/db").orElseThrow().value().get("host").asText()).isEqualTo("db1");
            }
        }
    }
}
