package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ErrorInfo;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Numbers a hostile caller sends the broker: never wrapped into another value, refused with a typed error. */
class BrokerHostileNumbersTest {
    /** 2^64 + 1: a long reading of it is 1. */
    private static final String WRAPS_TO_ONE = "18446744073709551617";

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
        RegistryService service = RegistryService.builder(store).namespace("svc", NamespaceAccess.open()).build();
        broker = Worker.builder(transport).requests("kv").collectors(service.collectors()).builtins(false)
                .pollWait(Duration.ofMillis(50)).build().start();
        client = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(50)).build().start();
    }

    @AfterEach
    void stop() {
        client.close();
        broker.close();
        store.close();
        transport.close();
    }

    private Response call(String collector, String params) throws Exception {
        return client.call(Request.builder(collector).params(Json.parse(params)).build(), Duration.ofSeconds(10)).get();
    }

    @Test
    void aVersionPastALongIsRefusedNotReadAsAnotherVersion() throws Exception {
        store.register("svc/a", Json.parse("{\"x\":1}"), Optional.empty());
        Response replace = call("kv.replace", "{\"key\":\"svc/a\",\"value\":{\"x\":2},\"version\":" + WRAPS_TO_ONE + "}");
        assertThat(replace.error().map(ErrorInfo::code)).contains("invalid-argument");
        Response delete = call("kv.delete", "{\"key\":\"svc/a\",\"version\":" + WRAPS_TO_ONE + "}");
        assertThat(delete.error().map(ErrorInfo::code)).contains("invalid-argument");
        assertThat(store.get("svc/a").orElseThrow().value()).isEqualTo(Json.parse("{\"x\":1}"));
        assertThat(store.get("svc/a").orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void aTimeToLivePastALongIsRefusedNotReadAsOneMillisecond() throws Exception {
        Response r = call("kv.register", "{\"key\":\"svc/c\",\"value\":1,\"ttlMillis\":" + WRAPS_TO_ONE + "}");
        assertThat(r.error().map(ErrorInfo::code)).contains("invalid-argument");
        assertThat(store.get("svc/c")).isEmpty();
    }

    @Test
    void aTimeToLiveTooLongForTheStoreIsTheCallersErrorAndNamesNoFile() throws Exception {
        Response r = call("kv.register", "{\"key\":\"svc/b\",\"value\":1,\"ttlMillis\":" + Long.MAX_VALUE + "}");
        assertThat(r.error().map(ErrorInfo::code)).contains("invalid-argument");
        assertThat(r.error().orElseThrow().message()).doesNotContain(dir.toString());
        assertThat(store.get("svc/b")).isEmpty();
    }

    @Test
    void theStoreRefusesAnExpiryItCannotHoldAsTheCallersMistake() {
        // a refusal, not a failed batch: other writes committed with it are not rolled back
        assertThatThrownBy(() -> store.register("svc/far", Json.parse("1"), Optional.of(Duration.ofMillis(Long.MAX_VALUE))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
        store.register("svc/a", Json.parse("1"), Optional.empty());
        assertThatThrownBy(() -> store.replace("svc/a", Json.parse("2"), 1, Optional.of(Duration.ofMillis(Long.MAX_VALUE))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.get("svc/a").orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void aValueTooDeepForTheBrokersAnswersIsRefusedSoItCannotPoisonEveryListingOfItsPrefix() throws Exception {
        store.register("svc/a", Json.parse("1"), Optional.empty());
        // deep enough to pass the request's depth limit, too deep to travel back inside a kv.list answer
        String deep = "[".repeat(61) + "]".repeat(61);
        Response r = call("kv.register", "{\"key\":\"svc/deep\",\"value\":" + deep + "}");
        assertThat(r.error().map(ErrorInfo::code)).contains("invalid-value");
        Response u = call("kv.update", "{\"key\":\"svc/a\",\"patch\":{\"x\":" + "[".repeat(60) + "]".repeat(60) + "}}");
        assertThat(u.error().map(ErrorInfo::code)).contains("invalid-value");
        Response list = call("kv.list", "{\"prefix\":\"svc/\"}");
        assertThat(list.isOk()).as(list.toString()).isTrue();
        // the deepest value the broker takes is read back by get and list
        String deepest = "[".repeat(60) + "]".repeat(60);
        assertThat(call("kv.register", "{\"key\":\"svc/ok\",\"value\":" + deepest + "}").isOk()).isTrue();
        assertThat(call("kv.get", "{\"key\":\"svc/ok\"}").isOk()).isTrue();
        assertThat(call("kv.list", "{\"prefix\":\"svc/\"}").result().orElseThrow().get("entries")).hasSize(2);
    }
}
