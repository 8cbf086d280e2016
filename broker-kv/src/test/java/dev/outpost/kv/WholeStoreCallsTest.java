package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ErrorInfo;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.nacl.KnownSender;
import dev.outpost.nacl.KnownSenders;
import dev.outpost.nacl.NaclKeyPair;
import dev.outpost.nacl.SealedCodec;
import dev.outpost.spi.RegistryException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code kv.revision} and {@code kv.ping} are about the whole store, not one namespace: they answer
 * only a caller who may read at least one namespace (by access key or as an authenticated sender),
 * where they used to answer anyone who could put a message on the queue.
 */
class WholeStoreCallsTest {
    private static final String SVC_READ = "svc-read-key-0123456789";
    private static final String SVC_WRITE = "svc-write-key-0123456789";
    private static final String CFG_WRITE = "cfg-write-key-0123456789";

    private static Response call(Client client, String collector, String params) throws Exception {
        return client.call(Request.builder(collector).params(Json.parse(params)).build(), Duration.ofSeconds(10)).get();
    }

    @Test
    void withAccessKeysOnlyACallerHoldingAKeyThatReadsSomeNamespaceGetsAnAnswer() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry store = InMemoryRegistry.create()) {
            RegistryService service = RegistryService.builder(store)
                    .namespace("svc", NamespaceAccess.builder().readKey(SVC_READ).writeKey(SVC_WRITE).build())
                    .namespace("cfg", NamespaceAccess.builder().writeKey(CFG_WRITE).build()).build();
            try (Worker w = Worker.builder(transport).requests("kv").collectors(service.collectors()).builtins(false)
                            .pollWait(Duration.ofMillis(50)).build().start();
                    Client client = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(50)).build().start()) {
                for (String collector : new String[] {"kv.revision", "kv.ping"}) {
                    Response none = call(client, collector, "{}");
                    assertThat(none.error().map(ErrorInfo::code)).as(collector + " without a key").contains("forbidden");
                    assertThat(none.error().orElseThrow().message()).contains("may read no namespace").contains(collector)
                            .contains("give a namespace's access key");
                    Response wrong = call(client, collector, "{\"accessKey\":\"not-a-key-of-this-broker\"}");
                    assertThat(wrong.error().map(ErrorInfo::code)).as(collector + " with a wrong key").contains("forbidden");
                    assertThat(wrong.error().orElseThrow().message()).doesNotContain("not-a-key-of-this-broker");
                    for (String key : new String[] {SVC_READ, SVC_WRITE, CFG_WRITE}) {
                        assertThat(call(client, collector, "{\"accessKey\":\"" + key + "\"}").isOk()).as(collector).isTrue();
                    }
                }
                try (RemoteRegistry anonymous = RemoteRegistry.builder(client).build();
                        RemoteRegistry reader = RemoteRegistry.builder(client).accessKey("svc", SVC_READ).build()) {
                    assertThatThrownBy(anonymous::revision).isInstanceOf(RegistryException.Forbidden.class);
                    assertThatThrownBy(() -> anonymous.ping(Json.parse("1"))).isInstanceOf(RegistryException.Forbidden.class);
                    assertThat(reader.revision()).isZero();
                    assertThat(reader.ping(Json.parse("{\"a\":1}"))).isEqualTo(Json.parse("{\"a\":1}"));
                }
            }
        }
    }

    @Test
    void aNamespaceAnyoneMayReadLetsAnyoneAsk() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry store = InMemoryRegistry.create()) {
            RegistryService service = RegistryService.builder(store)
                    .namespace("svc", NamespaceAccess.builder().readers("*").writeKey(SVC_WRITE).build()).build();
            try (Worker w = Worker.builder(transport).requests("kv").collectors(service.collectors()).builtins(false)
                            .pollWait(Duration.ofMillis(50)).build().start();
                    Client client = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(50)).build().start();
                    RemoteRegistry anonymous = RemoteRegistry.builder(client).build()) {
                assertThat(anonymous.revision()).isZero();
                assertThat(anonymous.ping(Json.parse("7"))).isEqualTo(Json.parse("7"));
            }
        }
    }

    @Test
    void withTheSealedCodecOnlyASenderListedAsAReaderOrWriterSomewhereGetsAnAnswer() throws Exception {
        NaclKeyPair broker = NaclKeyPair.generate();
        NaclKeyPair ops = NaclKeyPair.generate();
        NaclKeyPair laptop = NaclKeyPair.generate();
        SealedCodec codec = SealedCodec.builder().identity(broker)
                .knownSenders(KnownSenders.of(KnownSender.of(ops.publicKey(), "ops"), KnownSender.of(laptop.publicKey(), "laptop")))
                .build();
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry store = InMemoryRegistry.create()) {
            RegistryService service = RegistryService.builder(store)
                    .namespace("cfg", NamespaceAccess.builder().readers("ops").build()).build();
            try (Worker w = Worker.builder(transport).requests("kv").codec(codec).collectors(service.collectors()).builtins(false)
                            .pollWait(Duration.ofMillis(50)).build().start();
                    Client asOps = sealed(transport, ops, broker);
                    Client asLaptop = sealed(transport, laptop, broker)) {
                for (String collector : new String[] {"kv.revision", "kv.ping"}) {
                    assertThat(call(asOps, collector, "{}").isOk()).as(collector + " by a reader").isTrue();
                    Response refused = call(asLaptop, collector, "{}");
                    assertThat(refused.error().map(ErrorInfo::code)).as(collector + " by a known sender who reads nothing")
                            .contains("forbidden");
                    assertThat(refused.error().orElseThrow().message()).contains("sender 'laptop'").contains("may read no namespace");
                }
            }
        }
    }

    private static Client sealed(InMemoryTransport transport, NaclKeyPair me, NaclKeyPair to) {
        return Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(50))
                .codec(SealedCodec.builder().identity(me).recipient(to.publicKey()).build()).build().start();
    }
}
