package dev.outpost.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MeteredRegistryTest {
    @Test
    void timesEachOperationByOutcome() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Registry registry = MeteredRegistry.wrap(InMemoryRegistry.create(), meters)) {
            registry.register("svc/a", Json.parse("{\"port\":1}"), Optional.empty());
            assertThatThrownBy(() -> registry.register("svc/a", Json.parse("{}"), Optional.empty()))
                    .isInstanceOf(RegistryException.KeyExists.class);
            assertThatThrownBy(() -> registry.replace("svc/a", Json.parse("{}"), 9))
                    .isInstanceOf(RegistryException.VersionConflict.class);
            registry.writingAs("ops").get("svc/a");
            registry.list("svc/");

            assertThat(meters.get("outpost.registry.operations").tags("operation", "register", "outcome", "ok").timer()
                    .count()).isEqualTo(1);
            assertThat(meters.get("outpost.registry.operations").tags("operation", "register", "outcome", "key-exists")
                    .timer().count()).isEqualTo(1);
            assertThat(meters.get("outpost.registry.operations").tags("operation", "replace", "outcome", "version-conflict")
                    .timer().count()).isEqualTo(1);
            assertThat(meters.get("outpost.registry.operations").tags("operation", "get").timer().count()).isEqualTo(1);
            assertThat(meters.get("outpost.registry.operations").tags("operation", "list").timer().count()).isEqualTo(1);
        }
    }
}
