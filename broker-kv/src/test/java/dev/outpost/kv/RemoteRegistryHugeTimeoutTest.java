package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

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

/** A timeout the builder takes (any positive one) must not overflow a nanosecond deadline on every call. */
class RemoteRegistryHugeTimeoutTest {
    private InMemoryTransport transport;
    private InMemoryRegistry backing;
    private Worker worker;
    private Client client;

    @BeforeEach
    void start() {
        transport = InMemoryTransport.create();
        backing = InMemoryRegistry.create();
        RegistryService service = RegistryService.builder(backing).namespace("svc", NamespaceAccess.open()).build();
        worker = Worker.builder(transport).requests("kv").collectors(service.collectors()).builtins(false)
                .pollWait(Duration.ofMillis(100)).build().start();
        client = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(100)).build().start();
    }

    @AfterEach
    void stop() {
        client.close();
        worker.close();
        backing.close();
        transport.close();
    }

    @Test
    void aTimeoutOfAMillionDaysStillCalls() {
        try (RemoteRegistry remote = RemoteRegistry.builder(client).timeout(Duration.ofDays(1_000_000)).build()) {
            remote.register("svc/a", Json.parse("1"), Optional.empty());
            assertThat(remote.get("svc/a")).isPresent();
        }
    }

    @Test
    void aTimeoutOfTheLargestDurationStillCalls() {
        try (RemoteRegistry remote = RemoteRegistry.builder(client).timeout(Duration.ofSeconds(Long.MAX_VALUE)).build()) {
            assertThat(remote.get("svc/a")).isEmpty();
        }
    }
    @Test
    void aResendWaitOfAMillionDaysStillCalls() {
        // the builder takes it; its nanoseconds overflowed in every call, which then failed as 'the client cannot send'
        try (RemoteRegistry remote = RemoteRegistry.builder(client).resendAfter(Duration.ofDays(1_000_000)).build()) {
            remote.register("svc/a", Json.parse("1"), Optional.empty());
            assertThat(remote.get("svc/a")).isPresent();
        }
    }

    @Test
    void waitsOfTheLargestDurationAreTakenByTheBuilder() {
        // both threw ArithmeticException ('long overflow') while checking the 10 ms minimum
        try (RemoteRegistry remote = RemoteRegistry.builder(client).resendAfter(Duration.ofSeconds(Long.MAX_VALUE))
                .pollInterval(Duration.ofSeconds(Long.MAX_VALUE)).build()) {
            assertThat(remote.get("svc/a")).isEmpty();
        }
        software.amazon.awssdk.services.dynamodb.DynamoDbClient unused = new software.amazon.awssdk.services.dynamodb.DynamoDbClient() {
            @Override
            public String serviceName() {
                return "dynamodb";
            }

            @Override
            public void close() {}
        };
        assertThat(DynamoDbRegistry.builder(unused, "t").pollInterval(Duration.ofSeconds(Long.MAX_VALUE))).isNotNull();
    }
}
