package dev.outpost.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.core.Worker;
import dev.outpost.spi.Collector;
import dev.outpost.inmemory.InMemoryTransport;
import org.junit.jupiter.api.Test;

/**
 * A schema whose {@code $ref}s only lead to each other is the operator's error: refused when it is
 * compiled (so at {@code Worker.build()}, naming the collector), not per document on the polling
 * thread, where it refused every request.
 */
class JsonSchemaRefLoopTest {
    private static final String[] LOOPS = {
        "{\"$ref\":\"#\"}",
        "{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/b\"},\"b\":{\"$ref\":\"#/definitions/a\"}},\"$ref\":\"#/definitions/a\"}",
        // through combinators, and only below a property: still every document with that property
        "{\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":\"#/definitions/a\"}},"
                + "\"definitions\":{\"a\":{\"anyOf\":[{\"type\":\"string\"},{\"allOf\":[{\"$ref\":\"#/definitions/a\"}]}]}}}",
        "{\"not\":{\"if\":{\"type\":\"string\"},\"then\":{\"$ref\":\"#\"}}}"};

    @Test
    void aRefLoopIsRefusedWhenTheSchemaIsCompiled() {
        for (String loop : LOOPS) {
            assertThatThrownBy(() -> JsonSchema.of(Json.parse(loop))).as(loop).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("$refs lead to each other");
        }
        // a schema that refers to itself through a property is fine
        JsonSchema tree = JsonSchema.of(Json.parse("{\"type\":\"object\",\"properties\":{\"c\":{\"$ref\":\"#\"}}}"));
        assertThat(tree.violations(Json.parse("{\"c\":{\"c\":{}}}"))).isEmpty();
        assertThat(tree.violations(Json.parse("{\"c\":{\"c\":1}}"))).hasSize(1);
        // so is one whose combinators recurse only below the document node, and a loop no document reaches
        JsonSchema list = JsonSchema.of(Json.parse("{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}],"
                + "\"definitions\":{\"unused\":{\"$ref\":\"#/definitions/unused\"}}}"));
        assertThat(list.violations(Json.parse("[1,[2,[3]]]"))).isEmpty();
        // a malformed ref is everit's to refuse, in its words
        assertThatThrownBy(() -> JsonSchema.of(Json.parse("{\"$ref\":\"#/a%zz\"}"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid JSON Schema");
    }

    @Test
    void workerBuildRefusesARefLoopNamingTheCollector() {
        // before: accepted here, then every request to the collector was refused as invalid params
        assertThatThrownBy(() -> Worker.builder(InMemoryTransport.create())
                .collector(Collector.of("looped", "", Json.parse(LOOPS[1]), (r, c) -> 1)).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> assertThat(p.key()).isEqualTo("collector looped"))
                        .satisfies(p -> assertThat(p.message()).contains("params schema").contains("$refs lead to each other")
                                .contains("#/definitions/")));
    }
}
