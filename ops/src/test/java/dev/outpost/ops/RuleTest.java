package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RuleTest {
    static Rule withSeverity(String severity) {
        return new Rule("page", "auth.failures", List.of(), Set.of(), Optional.of(severity),
                new Rule.Action(Rule.Kind.NOTIFY, "", "self", Map.of(), "", "page the on-call"),
                Optional.empty(), 10, Duration.ofHours(1), false);
    }

    @Test
    void aSeverityThatIsNoneOfTheFourIsRefusedInsteadOfMatchingEveryResult() {
        // before: "High" (or a typo) ranked below "low", so the rule fired on results with no severity at all
        assertThatThrownBy(() -> withSeverity("High")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("High").hasMessageContaining("critical");
        Rule high = withSeverity("high");
        assertThat(high.matches(new Observation("web-1", "auth.failures", Set.of(), Json.parse("{\"severity\":\"low\"}"))))
                .isFalse();
        assertThat(high.matches(new Observation("web-1", "auth.failures", Set.of(), Json.parse("{}")))).isFalse();
        assertThat(high.matches(new Observation("web-1", "auth.failures", Set.of(), Json.parse("{\"severity\":\"critical\"}"))))
                .isTrue();
    }

    @Test
    void aNumberOfManyDigitsComparesAsANumberAndOneTooLongToReadNeverMatches() {
        Rule.Condition above = new Rule.Condition("bytes", ">", "100");
        String big = "1" + "0".repeat(80); // 10^80: it compared as text, so "9" was above it and it was not above "2"
        assertThat(above.test(Json.parse("{\"bytes\": \"" + big + "\"}"))).isTrue();
        assertThat(new Rule.Condition("bytes", "<", big).test(Json.parse("{\"bytes\": 9}"))).isTrue();
        assertThat(new Rule.Condition("bytes", ">", "2").test(Json.parse("{\"bytes\": \"" + big + "\"}"))).isTrue();
        // a host's number longer than the store reads: no match, whichever way it is asked
        String huge = "9".repeat(5000);
        assertThat(above.test(Json.parse("{\"bytes\": \"" + huge + "\"}"))).isFalse();
        assertThat(new Rule.Condition("bytes", "<", "100").test(Json.parse("{\"bytes\": \"" + huge + "\"}"))).isFalse();
        assertThat(new Rule.Condition("bytes", "!=", "100").test(Json.parse("{\"bytes\": \"" + huge + "\"}"))).isFalse();
        assertThat(new Rule.Condition("v", ">", "100").test(Json.parse("{\"v\": \"1e99999999999\"}"))).isFalse();
        // a million digits and a letter is text, read in one pass
        String notANumber = "9".repeat(1_000_000) + "x";
        assertThat(new Rule.Condition("v", "~", "x").test(Json.parse("{\"v\": \"" + notANumber + "\"}"))).isTrue();
        assertThat(new Rule.Condition("v", ">", "100").test(Json.parse("{\"v\": \"" + notANumber + "\"}"))).isTrue();
        // text still compares as text
        assertThat(new Rule.Condition("state", "==", "down").test(Json.parse("{\"state\": \"down\"}"))).isTrue();
    }
}
