package dev.outpost.kv;

import dev.outpost.spi.Registry;
import dev.outpost.testkit.RegistryContract;
import dev.outpost.testkit.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

class SqliteRegistryContractTest extends RegistryContract {
    @TempDir
    Path dir;
    private final AtomicInteger n = new AtomicInteger();

    @Override
    protected Registry createRegistry(TestClock clock) {
        return SqliteRegistry.builder(dir.resolve("kv-" + n.incrementAndGet() + ".db")).clock(clock)
                .expirySweep(Duration.ofMillis(20)).build().start();
    }

    @Override
    protected Optional<Registry> createRegistryWithWatchBuffer(TestClock clock, int buffer) {
        return Optional.of(SqliteRegistry.builder(dir.resolve("kv-" + n.incrementAndGet() + ".db")).clock(clock)
                .expirySweep(Duration.ofMillis(20)).watchBuffer(buffer).build().start());
    }
}
