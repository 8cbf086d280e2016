package dev.outpost.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import org.junit.jupiter.api.Test;

/** A schema whose {@code $ref}s only lead to each other: a violation naming it, not a StackOverflowError. */
class JsonSchemaRefLoopTest {
    private static final String[] LOOPS = {
        "{\"$ref\":\"#\"}",
        "{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/b\"},\"b\":{\"$ref\":\"#/definitions/a\"}},\"$ref\":\"#/definitions/a\"}"};

    @Test
    void aRefLoopRefusesEveryDocumentWithAViolation() {
        for (String loop : LOOPS) {
            // checked when a document is: before, a StackOverflowError on the polling thread for every request,
            // retried as an internal error; now the params are refused as invalid, saying why
            assertThat(JsonSchema.of(Json.parse(loop)).violations(Json.parse("{}"))).singleElement().asString()
                    .contains("$refs lead to each other");
        }
        // a schema that refers to itself through a property is fine
        JsonSchema tree = JsonSchema.of(Json.parse("{\"type\":\"object\",\"properties\":{\"c\":{\"$ref\":\"#\"}}}"));
        assertThat(tree.violations(Json.parse("{\"c\":{\"c\":{}}}"))).isEmpty();
        assertThat(tree.violations(Json.parse("{\"c\":{\"c\":1}}"))).hasSize(1);
    }
}
