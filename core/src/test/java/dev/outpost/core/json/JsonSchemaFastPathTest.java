package dev.outpost.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import dev.outpost.Request;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The compiled fast path may only say "valid" where everit (the reference, whose messages callers
 * see) says valid too: random documents against schemas using every keyword it models.
 */
class JsonSchemaFastPathTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final List<String> NAMES = List.of("path", "depth", "follow", "tags", "mode", "ratio", "extra", "v", "id",
            "collector", "target", "params", "replyTo", "sentAt", "ttl", "attributes", "opt");

    private static final String KITCHEN_SINK = """
            {"type":"object","required":["path"],"additionalProperties":{"type":["string","integer","object"]},
             "minProperties":1,"maxProperties":14,
             "properties":{
               "path":{"type":"string","minLength":2,"maxLength":5,"pattern":"^[a-z/]+$"},
               "depth":{"type":"integer","minimum":0,"maximum":10,"exclusiveMaximum":9},
               "ratio":{"type":"number","exclusiveMinimum":0.5,"maximum":2},
               "follow":{"type":"boolean"},
               "mode":{"enum":["fast","slow"]},
               "opt":{"type":["string","null"],"maxLength":3},
               "sentAt":{"type":"string","format":"date-time"},
               "tags":{"type":"array","items":{"type":"string","minLength":1},"minItems":1,"maxItems":3}}}""";

    @Test
    void theFastPathOnlyAcceptsWhatEveritAccepts() {
        List<JsonSchema> schemas = List.of(JsonCodec.requestSchema(), JsonSchema.of(Json.parse(KITCHEN_SINK)),
                JsonSchema.of(Json.parse("{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
                        + "\"depth\":{\"type\":\"integer\",\"minimum\":0},\"follow\":{\"type\":\"boolean\"}}}")),
                JsonSchema.of(Json.parse("{\"type\":\"object\",\"additionalProperties\":false,"
                        + "\"properties\":{\"path\":{\"type\":\"number\"},\"v\":{\"type\":[\"integer\",\"number\"]}}}")));
        Random random = new Random(42);
        for (JsonSchema schema : schemas) {
            int fastAccepted = 0;
            for (int i = 0; i < 6_000; i++) {
                JsonNode doc = switch (random.nextInt(4)) {
                    case 0 -> value(random, 0);
                    case 1 -> object(random, 0);
                    default -> mutated(random);
                };
                boolean fast = schema.fastAccepts(doc);
                List<String> reference = schema.referenceViolations(doc);
                if (fast) {
                    fastAccepted++;
                    assertThat(reference).as("everit's verdict on %s against %s", doc, schema.source()).isEmpty();
                }
                assertThat(schema.violations(doc)).isEqualTo(reference);
            }
            assertThat(fastAccepted).as("documents the fast path accepted for %s", schema.source()).isGreaterThan(20);
        }
    }

    @Test
    void theEnvelopeSchemaHasAFastPathAndAValidRequestTakesIt() {
        Request r = Request.builder("noop").target("host-1").params(Map.of("path", "/var", "depth", 2)).replyTo("results")
                .attribute("trace", "t-1").ttl(java.time.Duration.ofSeconds(5)).build();
        JsonNode doc = Json.parse(new String(JsonCodec.create().encodeRequest(r), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(JsonCodec.requestSchema().fastAccepts(doc)).isTrue();
    }

    /** A valid request envelope (and kitchen-sink document) with zero to two fields changed or removed. */
    private static ObjectNode mutated(Random random) {
        ObjectNode o = (ObjectNode) Json.parse("{\"v\":1,\"id\":\"r-1\",\"collector\":\"noop\",\"target\":\"h\","
                + "\"params\":{\"a\":[1,{\"b\":null}]},\"replyTo\":\"results\",\"sentAt\":\"2026-01-31T12:00:00Z\","
                + "\"ttl\":5000,\"attributes\":{\"trace\":\"t\"},\"path\":\"/ab\",\"depth\":3,\"follow\":true}");
        int n = random.nextInt(3);
        for (int i = 0; i < n; i++) {
            String name = NAMES.get(random.nextInt(NAMES.size()));
            if (random.nextInt(4) == 0) {
                o.remove(name);
            } else {
                o.set(name, value(random, 1));
            }
        }
        return o;
    }

    private static ObjectNode object(Random random, int depth) {
        ObjectNode o = F.objectNode();
        int n = random.nextInt(7);
        for (int i = 0; i < n; i++) {
            o.set(NAMES.get(random.nextInt(NAMES.size())), depth > 2 ? scalar(random) : value(random, depth + 1));
        }
        return o;
    }

    private static JsonNode value(Random random, int depth) {
        return switch (random.nextInt(8)) {
            case 0 -> depth > 2 ? scalar(random) : object(random, depth);
            case 1 -> {
                ArrayNode a = F.arrayNode();
                int n = random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    a.add(depth > 2 ? scalar(random) : value(random, depth + 1));
                }
                yield a;
            }
            default -> scalar(random);
        };
    }

    private static JsonNode scalar(Random random) {
        return switch (random.nextInt(16)) {
            case 0 -> F.nullNode();
            case 1 -> F.booleanNode(random.nextBoolean());
            case 2 -> F.numberNode(random.nextInt(14) - 2);
            case 3 -> F.numberNode((long) random.nextInt(14) - 2 + (random.nextBoolean() ? 0 : (1L << 40)));
            case 4 -> F.numberNode(random.nextInt(8) / 2.0 - 1);
            case 5 -> F.numberNode(BigInteger.valueOf(random.nextInt(12)));
            case 6 -> F.numberNode(new BigDecimal(random.nextInt(40)).movePointLeft(1));
            case 7 -> F.numberNode((long) (1L << 53) + random.nextInt(3));
            case 8 -> F.textNode(List.of("fast", "slow", "Fast", "").get(random.nextInt(4)));
            case 9 -> F.textNode(List.of("2026-01-31T12:00:00Z", "2026-01-31T12:00:00.123+01:00", "2026-13-31T12:00:00Z",
                    "2026-01-31 12:00:00Z", "2026-01-31t12:00:60z").get(random.nextInt(5)));
            case 10 -> F.textNode("\uD83D\uDE00".repeat(random.nextInt(4)) + "/a".repeat(random.nextInt(3)));
            case 11 -> F.textNode(List.of("noop", "_x", "a.b-c", "A", "x".repeat(128), "y".repeat(129)).get(random.nextInt(6)));
            case 12 -> F.binaryNode(new byte[] {1, 2});
            default -> {
                StringBuilder b = new StringBuilder();
                int n = random.nextInt(8);
                for (int i = 0; i < n; i++) {
                    b.append("/abcXY 9".charAt(random.nextInt(8)));
                }
                yield F.textNode(b.toString());
            }
        };
    }
}
