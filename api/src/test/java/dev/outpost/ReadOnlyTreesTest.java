package dev.outpost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Trees built read-only from the start (parsed token by token, or converted from a collector's
 * value) are the trees Jackson builds, cannot be changed at any depth, and are kept by the
 * documents as they are.
 */
class ReadOnlyTreesTest {
    private static final ObjectMapper JACKSON = Json.newMapper();

    @Test
    void aParsedTreeIsJacksonsTreeReadOnlyAtEveryDepth() throws Exception {
        String json = "{\"a\":[1,{\"b\":2.5,\"c\":[true,null,\"x\"]}],\"big\":123456789012345678901234567890,\"l\":-2147483649}";
        try (JsonParser p = JACKSON.getFactory().createParser(json)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            ObjectNode tree = (ObjectNode) Json.readReadOnlyTree(p).orElseThrow();
            assertThat(p.currentToken()).isEqualTo(JsonToken.END_OBJECT);
            assertThat(tree).isEqualTo(JACKSON.readTree(json));
            assertThat(tree.toString()).isEqualTo(JACKSON.readTree(json).toString());
            assertThatThrownBy(() -> tree.put("z", 1)).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> ((ArrayNode) tree.get("a")).add(3)).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> ((ObjectNode) tree.get("a").get(1)).remove("b")).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> ((ArrayNode) tree.at("/a/1/c")).removeAll()).isInstanceOf(UnsupportedOperationException.class);
            ObjectNode copy = tree.deepCopy();
            copy.put("z", 1);
            assertThat(copy.get("z").asInt()).isEqualTo(1);
        }
    }

    @Test
    void whatIsNotPlainJsonDataIsLeftToTheCaller() throws Exception {
        for (String json : List.of("{\"a\":1,\"a\":2}", "{\"a\":{\"b\":[1e999]}}", "[1,2")) {
            try (JsonParser p = JACKSON.getFactory().createParser(json)) {
                p.nextToken();
                try {
                    assertThat(Json.readReadOnlyTree(p)).as(json).isEmpty();
                } catch (java.io.IOException truncated) {
                    assertThat(json).isEqualTo("[1,2"); // the parser's own error
                }
            }
        }
    }

    @Test
    void documentsKeepReadOnlyTreesWithoutCopying() throws Exception {
        ObjectNode params;
        try (JsonParser p = JACKSON.getFactory().createParser("{\"path\":\"/var/log\",\"depth\":2}")) {
            p.nextToken();
            params = (ObjectNode) Json.readReadOnlyTree(p).orElseThrow();
        }
        Request request = new Request(1, "r-1", "files.list", Optional.empty(), params, Optional.empty(), Instant.EPOCH,
                Optional.empty(), Map.of());
        assertThat(request.params()).isSameAs(params);

        JsonNode result = Json.toReadOnlyTree(Map.of("files", List.of(Map.of("name", "a.log", "size", 12L))));
        assertThat(Response.ok(request, result, "w-1", 1, Instant.EPOCH, Instant.EPOCH).result()).containsSame(result);
        assertThatThrownBy(() -> ((ArrayNode) result.get("files")).add(1)).isInstanceOf(UnsupportedOperationException.class);

        // a tree somebody else may still hold is copied, as before
        ObjectNode mutable = Json.object().put("n", 1);
        Response copied = Response.ok(request, mutable, "w-1", 1, Instant.EPOCH, Instant.EPOCH);
        mutable.put("n", 2);
        assertThat(copied.result().orElseThrow().get("n").asInt()).isEqualTo(1);
    }

    @Test
    void convertedValuesAreJacksonsTreesReadOnly() {
        record Point(int x, int y) {}
        for (Object v : List.of(Map.of("ok", true), List.of(1, "a", List.of()), new Point(1, 2), Map.of("p", new Point(3, 4)), "text", 7)) {
            JsonNode tree = Json.toReadOnlyTree(v);
            assertThat(tree).as("%s", v).isEqualTo(JACKSON.valueToTree(v));
            if (tree instanceof ObjectNode o) {
                assertThatThrownBy(() -> o.put("z", 1)).isInstanceOf(UnsupportedOperationException.class);
            }
        }
        assertThat(Json.toReadOnlyTree(null).isNull()).isTrue();
        // the ordinary conversion still gives a tree the caller may change
        ((ObjectNode) Json.toTree(Map.of("ok", true))).put("more", 1);
    }
}
