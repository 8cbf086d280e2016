package dev.outpost.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hand-written tree writer and params reader do what the mapper's {@code writeTree} and
 * {@code readTree} do, for every node type a tree can hold.
 */
class TreeWriterTest {
    private static final List<String> OBJECTS = List.of("{}", "{\"a\":1}", "{\"a\":-2147483649,\"b\":2147483647}",
            "{\"big\":99999999999999999999999,\"neg\":-99999999999999999999999}", "{\"f\":1.5,\"g\":-0.0,\"h\":1e300,\"i\":1E-7}",
            "{\"s\":\"x\\n\\\"\\u0000\\u00e9\\uD83D\\uDE00/\"}", "{\"t\":true,\"u\":false,\"n\":null}",
            "{\"arr\":[1,[2,[3,{}]],\"x\",null,true,1.25,[]],\"o\":{\"p\":{\"q\":{}}}}", "{\"a\":{\"a\":{\"a\":[[[[]]]]}}}",
            "{\"\":\"\",\"k y\":\"v\"}");

    @Test
    void writesWhatTheMapperWrites() throws Exception {
        ObjectMapper mapper = FastRequestTest.mapper();
        JsonNodeFactory f = JsonNodeFactory.instance;
        List<JsonNode> trees = new java.util.ArrayList<>();
        for (String s : OBJECTS) {
            trees.add(mapper.readTree(s));
        }
        ObjectNode odd = f.objectNode();
        odd.put("decimal", new BigDecimal("1.50"));
        odd.put("float", 2.5f);
        odd.put("short", (short) 7);
        odd.put("long", Long.MIN_VALUE);
        odd.put("bigint", new BigInteger("123456789012345678901234567890"));
        odd.put("binary", new byte[] {1, 2, 3});
        odd.putPOJO("pojo", java.util.Map.of("k", 1));
        odd.set("missing", com.fasterxml.jackson.databind.node.MissingNode.getInstance());
        odd.putArray("arr").add(new BigDecimal("1e3")).add(3.25f);
        trees.add(odd);
        for (JsonNode tree : trees) {
            assertThat(write(mapper, tree)).as("%s", tree).isEqualTo(new String(mapper.writeValueAsBytes(tree), StandardCharsets.UTF_8));
        }
    }

    @Test
    void refusesNonFiniteNumbersNamingWhere() {
        ObjectNode tree = JsonNodeFactory.instance.objectNode();
        tree.putObject("a").put("limit", Double.NaN);
        assertThatThrownBy(() -> write(FastRequestTest.mapper(), tree)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finite").hasMessageContaining("/a/limit");
        ObjectNode floats = JsonNodeFactory.instance.objectNode().put("x", Float.POSITIVE_INFINITY);
        assertThatThrownBy(() -> write(FastRequestTest.mapper(), floats)).hasMessageContaining("/x");
    }

    @Test
    void instantsAreWrittenAsInstantToString() throws Exception {
        for (Instant t : List.of(Instant.EPOCH, Instant.parse("2026-12-05T00:20:00.123Z"), Instant.parse("2026-12-05T00:20:00.123456Z"),
                Instant.parse("2026-12-05T00:20:00.123456789Z"), Instant.parse("9999-12-31T23:59:59Z"), Instant.MAX, Instant.MIN,
                Instant.parse("-0001-01-01T00:00:00Z"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (JsonGenerator g = FastRequestTest.mapper().getFactory().createGenerator(out)) {
                TreeWriter.writeInstant(g, t);
            }
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("\"" + t + "\"");
        }
    }

    @Test
    void readsParamsAsTheMapperReadsThem() throws Exception {
        ObjectMapper mapper = FastRequestTest.mapper();
        for (String s : OBJECTS) {
            try (JsonParser p = mapper.getFactory().createParser(s)) {
                assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
                JsonNode mine = Json.readReadOnlyTree(p).orElseThrow();
                JsonNode theirs = mapper.readTree(s);
                assertThat(p.currentToken()).isEqualTo(JsonToken.END_OBJECT);
                assertThat(mine).as(s).isEqualTo(theirs);
                assertThat(mapper.writeValueAsString(mine)).isEqualTo(mapper.writeValueAsString(theirs));
            }
        }
        // left to the tree path: a repeated key, a number too large for a double
        for (String s : List.of("{\"a\":1,\"a\":2}", "{\"a\":[1e999]}")) {
            try (JsonParser p = mapper.getFactory().createParser(s)) {
                p.nextToken();
                assertThat(Json.readReadOnlyTree(p)).as(s).isEmpty();
            }
        }
    }

    private static String write(ObjectMapper mapper, JsonNode tree) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            TreeWriter.write(g, tree);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
