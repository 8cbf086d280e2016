package dev.outpost.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Request;
import dev.outpost.spi.CodecException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The token-level request reader only takes what the tree path (parse, schema, build) takes, and
 * builds the same request; everything else falls through to the tree path and its messages.
 */
class FastRequestTest {
    private static final List<String> REPLACEMENTS = List.of("null", "0", "1", "-1", "1.0", "2147483648", "99999999999999999999",
            "1e999", "\"\"", "\" \"", "\"x\"", "\"noop\\n\"", "\"Noop\"", "\"_x\"", "\"a.b-c\"", "\"2026-01-31T12:00:00Z\"",
            "\"2026-01-31T12:00:00+01:00\"", "\"2026-13-01T00:00:00Z\"", "{}", "{\"a\":1}", "{\"a\":1e999}", "{\"k\":\"v\"}",
            "{\"k\":1}", "[]", "true", "\"" + "y".repeat(129) + "\"", "\"" + "\uD83D\uDE00".repeat(100) + "\"");
    private static final List<String> FIELDS = List.of("v", "id", "collector", "target", "params", "replyTo", "sentAt", "ttl",
            "attributes", "extra");

    @Test
    void whatTheFastReaderTakesTheTreePathTakesTheSameWay() {
        Random random = new Random(7);
        for (JsonCodec codec : List.of(JsonCodec.create(), JsonCodec.withoutSchemaValidation())) {
            int fast = 0;
            for (int i = 0; i < 6_000; i++) {
                String doc = mutate(random);
                byte[] body = doc.getBytes(StandardCharsets.UTF_8);
                Request quick = FastRequest.read(mapper(), body);
                Object tree;
                try {
                    tree = codec.decodeRequestTree(body).document();
                } catch (CodecException e) {
                    tree = e.reason() + ": " + e.getMessage();
                }
                if (quick != null) {
                    fast++;
                    assertThat(quick).as("the fast reader on %s", doc).isEqualTo(tree);
                }
                Object full;
                try {
                    full = codec.decodeRequest(body).document();
                } catch (CodecException e) {
                    full = e.reason() + ": " + e.getMessage();
                }
                assertThat(full).as("decodeRequest on %s", doc).isEqualTo(tree);
            }
            assertThat(fast).isGreaterThan(300);
        }
    }

    @Test
    void anEncodedRequestTakesTheFastReader() {
        Request r = Request.builder("noop").target("host-1").params(Map.of("path", "/var", "depth", 2)).replyTo("results")
                .attribute("trace", "t-1").ttl(Duration.ofSeconds(5)).build();
        assertThat(FastRequest.read(mapper(), JsonCodec.create().encodeRequest(r))).isEqualTo(r);
    }

    static com.fasterxml.jackson.databind.ObjectMapper mapper() {
        try {
            var f = JsonCodec.class.getDeclaredField("MAPPER");
            f.setAccessible(true);
            return (com.fasterxml.jackson.databind.ObjectMapper) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** A valid request's text with up to two fields replaced, removed or repeated, or extra text after it. */
    private static String mutate(Random random) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("v", "1");
        fields.put("id", "\"r-1\"");
        fields.put("collector", "\"noop\"");
        fields.put("target", "\"h\"");
        fields.put("params", "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}");
        fields.put("replyTo", "\"results\"");
        fields.put("sentAt", "\"2026-01-31T12:00:00.5Z\"");
        fields.put("ttl", "5000");
        fields.put("attributes", "{\"trace\":\"t\"}");
        StringBuilder extra = new StringBuilder();
        int n = random.nextInt(3);
        for (int i = 0; i < n; i++) {
            String f = FIELDS.get(random.nextInt(FIELDS.size()));
            switch (random.nextInt(4)) {
                case 0 -> fields.remove(f);
                case 1 -> extra.append(",\"").append(f).append("\":").append(REPLACEMENTS.get(random.nextInt(REPLACEMENTS.size())));
                default -> fields.put(f, REPLACEMENTS.get(random.nextInt(REPLACEMENTS.size())));
            }
        }
        StringBuilder b = new StringBuilder("{");
        fields.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        b.append(b.length() > 1 ? extra : extra.length() > 0 ? extra.substring(1) : "").append('}');
        if (random.nextInt(20) == 0) {
            b.append(random.nextBoolean() ? " {}" : " x");
        }
        return b.toString();
    }
}
