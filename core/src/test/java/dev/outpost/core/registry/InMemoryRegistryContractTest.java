package dev.outpost.core.registry;

import dev.outpost.spi.Registry;
import dev.outpost.testkit.RegistryContract;
import dev.outpost.testkit.TestClock;
import java.util.Optional;

/** The registry contract on the in-memory registry. */
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
