package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A rule's {@code when} read from configuration: conditions split at {@code ;} and {@code and}, never inside quotes. */
class RuleWhenTest {
    final FakeFleet fleet = new FakeFleet().add("web-1", List.of("web"), Map.of());

    List<Rule.Condition> conditions(String when) {
        Map<String, String> c = RulesEngineTest.octobox();
        c.put("outpost.ops.rules.block-ip.when", when);
        RulesEngine e = RulesEngine.builder(fleet).registry(InMemoryRegistry.create()).configure(MapConfig.of(c)).build();
        return e.rules().stream().filter(r -> r.name().equals("block-ip")).findFirst().orElseThrow().conditions();
    }

    ConfigException refused(String when) {
        Map<String, String> c = RulesEngineTest.octobox();
        c.put("outpost.ops.rules.block-ip.when", when);
        ConfigException[] thrown = new ConfigException[1];
        assertThatThrownBy(() -> RulesEngine.builder(fleet).registry(InMemoryRegistry.create()).configure(MapConfig.of(c)).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> thrown[0] = e);
        return thrown[0];
    }

    @Test
    void aQuotedValueKeepsItsAndAndSemicolonAndLosesItsQuotes() {
        // before: split at " and " inside the quotes, the rule was refused ('roll"' is no condition)
        assertThat(conditions("status == \"rock and roll\"")).containsExactly(new Rule.Condition("status", "==", "rock and roll"));
        assertThat(conditions("a == \"x; y\" and b ~ \"say \\\"hi\\\" \\\\o/\"; c == \"\""))
                .containsExactly(new Rule.Condition("a", "==", "x; y"), new Rule.Condition("b", "~", "say \"hi\" \\o/"),
                        new Rule.Condition("c", "==", ""));
        Rule.Condition rock = conditions("status == \"rock and roll\" and count >= 5").get(0);
        assertThat(rock.test(Json.parse("{\"status\":\"rock and roll\"}"))).isTrue();
        assertThat(rock.test(Json.parse("{\"status\":\"rock\"}"))).isFalse();
    }

    @Test
    void andSplitsOnlyAsAWordBetweenSpaces() {
        // before: \band\b split "a-and-b" (a hyphen is a word boundary)
        assertThat(conditions("name == a-and-b and count >= 5"))
                .containsExactly(new Rule.Condition("name", "==", "a-and-b"), new Rule.Condition("count", ">=", "5"));
        assertThat(conditions("brand == sandy")).containsExactly(new Rule.Condition("brand", "==", "sandy"));
    }

    @Test
    void aMalformedQuoteIsRefusedNamingTheRule() {
        ConfigException open = refused("status == \"rock and roll");
        assertThat(open.problems()).extracting(ConfigException.Problem::key).containsExactly("outpost.ops.rules.block-ip.when");
        assertThat(open).hasMessageContaining("unterminated quote").hasMessageContaining("test.yaml");
        assertThat(refused("status == \"rock\" roll")).hasMessageContaining("after the closing quote");
    }

    @Test
    void quotesInsideAnUnquotedValueStayAndStillProtectTheirAnd() {
        assertThat(conditions("cmd ~ echo \"a and b\"")).containsExactly(new Rule.Condition("cmd", "~", "echo \"a and b\""));
        assertThat(Set.copyOf(conditions("cmd ~ 2>&1; url ~ a==b")))
                .containsExactlyInAnyOrder(new Rule.Condition("cmd", "~", "2>&1"), new Rule.Condition("url", "~", "a==b"));
    }
}
