package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Request;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Registries built and closed again and again on one long-lived client must not pile up work on it. */
class RemoteRegistryListenerTest {
    @Test
    void closedRegistriesLeaveNoListenerOnTheClient() throws Exception {
        AtomicInteger listenerRuns = new AtomicInteger();
        Executor counting = r -> {
            listenerRuns.incrementAndGet();
            r.run();
        };
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry backing = InMemoryRegistry.create()) {
            RegistryService service = RegistryService.builder(backing).namespace("svc", NamespaceAccess.open()).build();
            try (Worker worker = Worker.builder(transport).requests("kv").collectors(service.collectors()).builtins(false)
                    .pollWait(Duration.ofMillis(100)).build().start();
                    Client client = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(100))
                            .callbackExecutor(counting).build().start()) {
                for (int i = 0; i < 100; i++) {
                    RemoteRegistry.builder(client).build().close();
                }
                CountDownLatch heard = new CountDownLatch(1);
                // added last, so it runs after every listener the registries left (the client calls them in order)
                client.onResponse(r -> heard.countDown());
                client.send(Request.builder("kv.revision").build()).join(); // its answer matches no call: it goes to the listeners
                assertThat(heard.await(10, TimeUnit.SECONDS)).isTrue();
                // one run for the marker, at most one for the registries' shared listener: there was one per registry ever built
                assertThat(listenerRuns.get()).isLessThanOrEqualTo(2);
            }
        }
    }
}
