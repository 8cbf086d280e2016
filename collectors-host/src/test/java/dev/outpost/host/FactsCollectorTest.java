package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Request;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FactsCollectorTest {
    private final FactsCollector collector = new FactsCollector();

    @Test
    void reportsTheHostWithTagsFromSettings() throws Exception {
        JsonNode facts = (JsonNode) collector.collect(Request.builder(FactsCollector.NAME).build(),
                TestContext.of(Map.of("tags", "role=web, env=prod")));
        assertThat(facts.path("hostname").asText()).isNotBlank();
        assertThat(facts.path("tags").path("role").asText()).isEqualTo("web");
        assertThat(facts.path("tags").path("env").asText()).isEqualTo("prod");
        assertThat(facts.path("os").path("kernel").asText()).isEqualTo(System.getProperty("os.version"));
        assertThat(facts.path("os").path("uptimeSeconds").asLong()).isPositive();
        assertThat(facts.path("cpu").path("logical").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(facts.path("memory").path("totalBytes").asLong()).isPositive();
        assertThat(facts.path("fileSystems").size()).isPositive();
        assertThat(facts.path("network").isArray()).isTrue();
        assertThat(facts.path("jvm").path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void sectionsLimitWhatIsCollected() throws Exception {
        JsonNode facts = (JsonNode) collector.collect(
                Request.builder(FactsCollector.NAME).param("sections", List.of("memory")).build(), TestContext.empty());
        assertThat(facts.has("memory")).isTrue();
        assertThat(facts.has("disks")).isFalse();
        assertThat(facts.has("network")).isFalse();
    }
}
