package dev.outpost.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.outpost.Json;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A params schema is the operator's, the document a sender's: a recursive schema whose
 * {@code anyOf}/{@code oneOf} branches both recurse checks a document of depth 40 in 2^40 steps,
 * on the polling thread. Checking has a budget that grows with the document; past it the document
 * is refused with a violation saying why.
 */
class JsonSchemaCombinatorCostTest {
    /** Only to end a run of the old code, which took hours: a bounded check takes well under a second. */
    private static final Duration HUNG = Duration.ofSeconds(60);

    private static String nested(int depth, String inner) {
        return "[".repeat(depth) + inner + "]".repeat(depth);
    }

    @Test
    void branchesThatBothRecurseAreRefusedPastTheBudgetNotRunForHours() {
        for (String combinator : List.of("anyOf", "oneOf")) {
            JsonSchema schema = JsonSchema.of(Json.parse("{\"" + combinator + "\":[{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}},"
                    + "{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}]}"));
            // the innermost 1 fits neither branch, so every level tries both: 2^40 steps before the budget
            List<String> violations = assertTimeoutPreemptively(HUNG, () -> schema.violations(Json.parse(nested(40, "1"))));
            assertThat(violations).as(combinator).singleElement().asString().startsWith("#: ").contains("too much work");
        }
    }

    @Test
    void ordinaryRecursiveSchemasStillDecide() {
        // one recursing branch per level: linear, within the budget however deep the document is
        JsonSchema tree = JsonSchema.of(Json.parse("{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}]}"));
        assertThat(tree.violations(Json.parse(nested(100, "1")))).isEmpty();
        assertThat(tree.violations(Json.parse(nested(100, "\"x\"")))).isNotEmpty().allSatisfy(v -> assertThat(v).doesNotContain("too much work"));
        // both branches recurse, but a shallow document is checked in full
        JsonSchema both = JsonSchema.of(Json.parse("{\"anyOf\":[{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}},"
                + "{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}},{\"type\":\"integer\"}]}"));
        assertThat(both.violations(Json.parse(nested(8, "1")))).isEmpty();
        assertThat(both.violations(Json.parse(nested(8, "\"x\"")))).isNotEmpty().allSatisfy(v -> assertThat(v).doesNotContain("too much work"));
        // a wider document is not refused for its size
        StringBuilder wide = new StringBuilder("[");
        for (int i = 0; i < 2_000; i++) {
            wide.append(i == 0 ? "" : ",").append("[1,[2,3]]");
        }
        assertThat(both.violations(Json.parse(wide.append(']').toString()))).isEmpty();
    }

    @Test
    void aLargeOrdinaryDocumentFitsTheBudget() {
        // a result as large as a message may be (1 MiB), checked through a $ref by the reference validator
        JsonSchema processes = JsonSchema.of(Json.parse("""
                {"type":"array","items":{"$ref":"#/definitions/p"},"definitions":{"p":{"type":"object","required":["pid","name"],
                 "properties":{"pid":{"type":"integer"},"name":{"type":"string"},"args":{"type":"array","items":{"type":"string"}}}}}}"""));
        StringBuilder doc = new StringBuilder("[");
        for (int i = 0; doc.length() < 1024 * 1024 - 100; i++) {
            doc.append(i == 0 ? "" : ",").append("{\"pid\":").append(i).append(",\"name\":\"java\",\"args\":[\"-jar\",\"x\"]}");
        }
        assertThat(processes.violations(Json.parse(doc.append(']').toString()))).isEmpty();
    }
}
