package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A time to live longer than a {@code long} of milliseconds is refused by the client as the
 * caller's mistake ({@link IllegalArgumentException}, as every registry refuses a ttl it cannot
 * hold), not an {@link ArithmeticException} from converting it.
 */
class RemoteRegistryTtlTest {
    private InMemoryTransport transport;
    private InMemoryRegistry backing;
    private Worker worker;
    private Client client;
    private RemoteRegistry remote;

    @BeforeEach
    void start() {
        transport = InMemoryTransport.create();
        backing = InMemoryRegistry.create();
        RegistryService service = RegistryService.builder(backing).namespace("svc", NamespaceAccess.open()).build();
        worker = Worker.builder(transport).requests("kv").collectors(service.collectors()).builtins(false)
                .pollWait(Duration.ofMillis(100)).build().start();
        client = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(100)).build().start();
        remote = RemoteRegistry.builder(client).build();
    }

    @AfterEach
    void stop() {
        remote.close();
        client.close();
        worker.close();
        backing.close();
        transport.close();
    }

    @Test
    void aTimeToLivePastALongOfMillisecondsIsRefusedAsAnArgument() {
        Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
        assertThatThrownBy(() -> remote.register("svc/a", Json.parse("1"), Optional.of(huge)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
        remote.register("svc/a", Json.parse("1"), Optional.empty());
        assertThatThrownBy(() -> remote.replace("svc/a", Json.parse("2"), 1, Optional.of(huge)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
        assertThat(backing.get("svc/a").orElseThrow().version()).isEqualTo(1);
    }
}
