package dev.outpost.kv;

import dev.outpost.registry.InMemoryRegistry;
import dev.outpost.spi.Registry;
import dev.outpost.testkit.RegistryContract;
import dev.outpost.testkit.TestClock;
import java.util.Optional;

/** The in-memory registry lives in api, which testkit depends on: its contract runs here. */
class InMemoryRegistryContractTest extends RegistryContract {
    @Override
    protected Registry createRegistry(TestClock clock) {
        return InMemoryRegistry.create(clock);
    }

    @Override
    protected Optional<Registry> createRegistryWithWatchBuffer(TestClock clock, int buffer) {
        return Optional.of(InMemoryRegistry.create(clock, buffer));
    }
}
