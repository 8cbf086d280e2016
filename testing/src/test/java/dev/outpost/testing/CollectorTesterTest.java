package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.CollectorException;
import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Sender;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CollectorTesterTest {
    record Greeting(String text, String to) {}

    static final class Greeter implements Collector {
        @Override
        public String name() {
            return "greet";
        }

        @Override
        public com.fasterxml.jackson.databind.JsonNode paramsSchema() {
            return Json.parse("""
                    {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10}},
                     "required": ["name"], "additionalProperties": false}""");
        }

        @Override
        public void validateSettings(Map<String, String> settings) {
            if (settings.containsKey("greeting") && settings.get("greeting").isBlank()) {
                throw ConfigException.of("greeting", "must not be blank");
            }
        }

        @Override
        public Object collect(Request request, CollectorContext context) {
            String name = request.params().path("name").asText();
            if (name.equals("nobody")) {
                throw CollectorException.permanent("no-such-person", "nobody is not a person");
            }
            context.progress("greeting " + name);
            String who = context.sender().map(Sender::name).orElse("anonymous");
            return new Greeting(context.settings().getOrDefault("greeting", "hello") + " " + name, who);
        }
    }

    @Test
    void runsACollectorAsAWorkerWould() throws Exception {
        CollectorTester t = CollectorTester.of(new Greeter()).settings(Map.of("greeting", "hi")).sender(Sender.of("k", "ops"));
        Greeting g = t.run(Map.of("name", "ada"), Greeting.class);
        assertThat(g).isEqualTo(new Greeting("hi ada", "ops"));
        assertThat(t.progress()).containsExactly("greeting ada");
    }

    @Test
    void refusesWhatTheWorkerWouldRefuse() {
        CollectorTester t = CollectorTester.of(new Greeter());
        assertThat(t.violations(Map.of("name", "a-very-long-name"))).isNotEmpty();
        assertThatThrownBy(() -> t.run(Map.of("nom", "x"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid");
        assertThatThrownBy(() -> t.settings(Map.of("greeting", " "))).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> t.run(Map.of("name", "nobody")))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("no-such-person");
                    assertThat(e.isRetryable()).isFalse();
                });
    }
}
