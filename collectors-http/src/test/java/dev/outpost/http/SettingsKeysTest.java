package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ConfigException;
import dev.outpost.core.Worker;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import org.junit.jupiter.api.Test;

/** The module declares its settings, so a typo fails when the worker is built and names the right key. */
class SettingsKeysTest {
    @Test
    void aMisspelledSettingFailsAtBuildWithTheNearestKey() {
        OutpostConfig config = OutpostConfig.builder().set("outpost.collectors.http.request.max-body-byte", "1000").build();
        try (InMemoryTransport t = InMemoryTransport.create()) {
            assertThatThrownBy(() -> Worker.builder(t).configure(config).discoverCollectors().allow("http.*").build())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("outpost.collectors.http.request.max-body-byte")
                    .hasMessageContaining("did you mean outpost.collectors.http.request.max-body-bytes?");
        }
    }

    @Test
    void aWorkerWithoutTheseCollectorsIsNotAffectedByTheDeclaration() {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            Worker.builder(t).configure(OutpostConfig.defaults()).build().close();
        }
        assertThat(OutpostConfig.declaredKeys()).containsKey("outpost.collectors.http.html.allow-hosts");
    }
}
