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
}
