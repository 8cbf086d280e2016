package dev.outpost.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.outpost.Json;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A params schema is the operator's, but the text it matches is the sender's: a pattern that
 * backtracks ({@code ^(a+)+$}, a careless e-mail pattern) met with a crafted value held the polling
 * thread and a core for hours, and every delivery behind it waited. Matching has a budget that
 * grows with the text; past it the value is refused as not matching.
 */
class JsonSchemaPatternCostTest {
    private static final String HOSTILE = "x".repeat(5000) + "!";
    /** Only to end a run of the old code, which never returned: well-behaved matching takes milliseconds. */
    private static final Duration HUNG = Duration.ofSeconds(60);

    @Test
    void aBacktrackingPatternMetWithACraftedValueIsRefusedNotRunForHours() {
        JsonSchema schema = JsonSchema.of(Json.parse("""
                {"type":"object","properties":{"name":{"type":"string","pattern":"^(x+x+)+y$"}}}"""));
        List<String> violations = assertTimeoutPreemptively(HUNG, () -> schema.violations(Json.parse("{\"name\":\"" + HOSTILE + "\"}")));
        assertThat(violations).singleElement().asString().contains("too much work").contains("pattern ^(x+x+)+y$");
        // the reference validator alone too (what words the refusals)
        assertThat(assertTimeoutPreemptively(HUNG, () -> schema.referenceViolations(Json.parse("{\"name\":\"" + HOSTILE + "\"}"))))
                .hasSize(1);
        // ordinary values still match and still fail as before
        assertThat(schema.violations(Json.parse("{\"name\":\"" + "x".repeat(100_000) + "y" + "\"}"))).isEmpty();
        assertThat(schema.violations(Json.parse("{\"name\":\"ab\"}"))).hasSize(1);
    }

    @Test
    void aBacktrackingPatternPropertyIsBoundedToo() {
        JsonSchema schema = JsonSchema.of(Json.parse("""
                {"type":"object","patternProperties":{"^(x+x+)+y$":{"type":"integer"}}}"""));
        List<String> violations = assertTimeoutPreemptively(HUNG, () -> schema.violations(Json.parse("{\"" + HOSTILE + "\":1}")));
        assertThat(violations).singleElement().asString().contains("too much work");
        assertThat(schema.violations(Json.parse("{\"xxy\":\"x\"}"))).hasSize(1);
    }
}
