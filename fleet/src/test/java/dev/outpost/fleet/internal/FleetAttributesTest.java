package dev.outpost.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class FleetAttributesTest {
    @Test
    void idGroupsKeepEveryIdInOrderAndEachSelectorParses() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ids.add("host-" + "y".repeat(i % 190) + "-" + i);
        }
        List<List<String>> groups = FleetAttributes.idGroups(ids, Function.identity());
        assertThat(groups.stream().flatMap(List::stream).toList()).isEqualTo(ids);
        for (List<String> g : groups) {
            String text = FleetAttributes.idSelector(g);
            assertThat(text.length()).isLessThanOrEqualTo(Lexer.MAX_LENGTH);
            assertThat(Lexer.parse(text).text()).isEqualTo(text);
        }
    }

    @Test
    void aGroupIsFilledExactlyToTheBound() {
        // "id:" + 4093 characters of ids and commas is exactly the bound: one group; one character more: two
        String a = "a".repeat(2046);
        String b = "b".repeat(2046);
        assertThat(FleetAttributes.idSelector(List.of(a, b))).hasSize(Lexer.MAX_LENGTH);
        assertThat(FleetAttributes.idGroups(List.of(a, b), Function.identity())).hasSize(1);
        assertThat(FleetAttributes.idGroups(List.of(a, b + "c"), Function.identity())).containsExactly(List.of(a), List.of(b + "c"));
    }
}
