package dev.outpost.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The registry contract runs in testkit; these cover the key rules every implementation shares. */
class InMemoryRegistryTest {
    private final InMemoryRegistry registry = InMemoryRegistry.create();

    @Test
    void keysNeedANamespaceAndNoEmptySegments() {
        for (String bad : new String[] {"k", "/a", "Svc/a", "svc/", "svc//a", "svc/a/", "svc/a\nb", "-x/a"}) {
            assertThatThrownBy(() -> registry.register(bad, Json.parse("1"), Optional.empty()))
                    .as(bad).isInstanceOf(RegistryException.InvalidKey.class).hasMessageContaining("invalid key");
        }
        assertThat(registry.register("svc/a/b c:1", Json.parse("1"), Optional.empty()).version()).isEqualTo(1);
        assertThatThrownBy(() -> registry.list("svc")).isInstanceOf(RegistryException.InvalidKey.class);
    }

    @Test
    void valuesOverTheLimitAreRefusedWithTheirSize() {
        String big = "\"" + "x".repeat(RegistryKeys.DEFAULT_MAX_VALUE_BYTES) + "\"";
        assertThatThrownBy(() -> registry.register("svc/a", Json.parse(big), Optional.empty()))
                .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("the limit is 65536");
        assertThat(registry.get("svc/a")).isEmpty();
    }

    @Test
    void pageTokensAreBoundToTheirPrefix() {
        String token = RegistryKeys.pageToken("svc/a");
        assertThat(RegistryKeys.pageTokenStart("svc/", token)).isEqualTo("svc/a");
        assertThatThrownBy(() -> RegistryKeys.pageTokenStart("other/", token)).isInstanceOf(RegistryException.InvalidKey.class);
        assertThatThrownBy(() -> RegistryKeys.pageTokenStart("svc/", "%%%")).isInstanceOf(RegistryException.InvalidKey.class);
    }

    @Test
    void valuesHandedOutAreCopiesSoTheStoreCannotBeChangedBehindItsBack() {
        com.fasterxml.jackson.databind.node.ObjectNode given = Json.object().put("n", 1);
        registry.register("svc/a", given, Optional.empty());
        given.put("n", 99); // the caller's tree after the write
        com.fasterxml.jackson.databind.node.ObjectNode got =
                (com.fasterxml.jackson.databind.node.ObjectNode) registry.get("svc/a").orElseThrow().value();
        got.put("n", 42);
        got.put("extra", true);
        var now = registry.get("svc/a").orElseThrow();
        assertThat(now.value()).isEqualTo(Json.object().put("n", 1));
        assertThat(now.version()).isEqualTo(1);
    }
}
