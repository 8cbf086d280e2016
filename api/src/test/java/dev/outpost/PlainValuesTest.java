package dev.outpost;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The direct tree of plain values is the tree Jackson builds for them, field order and number kinds included. */
class PlainValuesTest {
    private static final ObjectMapper JACKSON = Json.newMapper();

    @Test
    void plainValuesBecomeTheTreeJacksonBuilds() {
        Map<String, Object> withNull = new HashMap<>();
        withNull.put("gone", null);
        withNull.put("n", 1);
        Map<String, Object> ordered = new LinkedHashMap<>();
        ordered.put("z", 1L);
        ordered.put("a", List.of(1.5, -0.0, Long.MAX_VALUE, Integer.MIN_VALUE));
        ordered.put("m", new TreeMap<>(Map.of("b", true, "a", "x")));
        List<Object> values = List.of(Map.of("ok", true), ordered, withNull, List.of(), Map.of(), "text", 3, 4L, 2.5, false,
                new ArrayList<>(Arrays.asList(null, "a", Map.of("k", List.of(Map.of())))));
        for (Object v : values) {
            assertThat(PlainValues.toTree(v)).as("%s", v).isNotNull();
            assertThat(PlainValues.toTree(v)).as("%s", v).isEqualTo(JACKSON.valueToTree(v));
            assertThat(PlainValues.toTree(v).toString()).isEqualTo(JACKSON.valueToTree(v).toString());
            assertThat(Json.toTree(v)).isEqualTo(JACKSON.valueToTree(v));
        }
    }

    @Test
    void anythingElseGoesToJackson() {
        record Point(int x, int y) {}
        Map<Object, Object> intKeys = new HashMap<>();
        intKeys.put(1, "one");
        for (Object v : List.of(new Point(1, 2), Map.of("p", new Point(1, 2)), intKeys, Double.NaN, 1.5f, (short) 2,
                new java.math.BigDecimal("1.10"), java.util.Optional.of(1), Map.of("n", Json.object()))) {
            assertThat(PlainValues.toTree(v)).as("%s", v).isNull();
            assertThat(Json.toTree(v)).isEqualTo(JACKSON.valueToTree(v));
        }
    }
}
