package dev.outpost.kv;

import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.Registry;
import dev.outpost.testkit.RegistryContract;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** The contract through the broker: RemoteRegistry → Client → in-memory transport → Worker → RegistryService. */
class RemoteRegistryContractTest extends RegistryContract {
    private final List<AutoCloseable> resources = new ArrayList<>();

    @Override
    protected Registry createRegistry(TestClock clock) {
        InMemoryTransport transport = InMemoryTransport.create();
        InMemoryRegistry backing = InMemoryRegistry.create(clock);
        RegistryService service = RegistryService.builder(backing)
                .namespace("svc", NamespaceAccess.open()).namespace("svd", NamespaceAccess.open())
                .namespace("sv", NamespaceAccess.open()).build();
        Worker worker = Worker.builder(transport).requests("kv").collectors(service.collectors()).builtins(false)
                .concurrency(16).pollWait(Duration.ofMillis(200)).build().start();
        Client client = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(200)).build().start();
        resources.add(client);
        resources.add(worker);
        resources.add(backing);
        resources.add(transport);
        return RemoteRegistry.builder(client).pollInterval(Duration.ofMillis(50)).fullPollEvery(5).build();
    }

    @Override
    protected boolean watchMayCoalesce() {
        return true;
    }

    @AfterEach
    void closeResources() throws Exception {
        for (AutoCloseable c : resources) {
            c.close();
        }
    }
}
