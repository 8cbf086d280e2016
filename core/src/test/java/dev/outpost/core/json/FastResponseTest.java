package dev.outpost.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.ErrorInfo;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.spi.CodecException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The token-level response reader only takes what the tree path (parse, schema, build) takes, and
 * builds the same response; everything else falls through to the tree path and its messages.
 */
class FastResponseTest {
    private static final List<String> REPLACEMENTS = List.of("null", "0", "1", "-1", "1.0", "2147483648", "99999999999999999999",
            "1e999", "\"\"", "\" \"", "\"x\"", "\"ok\"", "\"error\"", "\"rejected\"", "\"OK\"", "\"2026-01-31T12:00:00Z\"",
            "\"2026-01-31T12:00:00+01:00\"", "\"2026-13-01T00:00:00Z\"", "{}", "{\"a\":1}", "{\"a\":1e999}", "{\"k\":\"v\"}",
            "{\"code\":\"c\",\"message\":\"m\"}", "{\"code\":\"c\"}", "{\"code\":\"c\",\"message\":1}",
            "{\"code\":\"c\",\"message\":\"m\",\"more\":\"x\"}", "{\"code\":\"c\",\"code\":\"d\",\"message\":\"m\"}",
            "[]", "[1,{\"b\":null}]", "true", "\"" + "y".repeat(129) + "\"", "\"" + "\uD83D\uDE00".repeat(100) + "\"");
    private static final List<String> FIELDS = List.of("v", "requestId", "collector", "target", "status", "result", "error",
            "worker", "attempt", "startedAt", "finishedAt", "extra");

    @Test
    void whatTheFastReaderTakesTheTreePathTakesTheSameWay() {
        Random random = new Random(11);
        for (JsonCodec codec : List.of(JsonCodec.create(), JsonCodec.withoutSchemaValidation())) {
            int fast = 0;
            int fastFailures = 0;
            for (int i = 0; i < 8_000; i++) {
                String doc = mutate(random);
                byte[] body = doc.getBytes(StandardCharsets.UTF_8);
                Response quick = FastResponse.read(FastRequestTest.mapper(), body);
                Object tree;
                try {
                    tree = codec.decodeResponseTree(body).document();
                } catch (CodecException e) {
                    tree = e.reason() + ": " + e.getMessage();
                }
                if (quick != null) {
                    fast++;
                    fastFailures += quick.isOk() ? 0 : 1;
                    assertThat(quick).as("the fast reader on %s", doc).isEqualTo(tree);
                }
                Object full;
                try {
                    full = codec.decodeResponse(body).document();
                } catch (CodecException e) {
                    full = e.reason() + ": " + e.getMessage();
                }
                assertThat(full).as("decodeResponse on %s", doc).isEqualTo(tree);
            }
            assertThat(fast).isGreaterThan(400);
            assertThat(fastFailures).isGreaterThan(50);
        }
    }

    @Test
    void encodedResponsesTakeTheFastReader() {
        Request r = Request.builder("noop").target("host-1").replyTo("results").build();
        Instant t = Instant.parse("2026-01-31T12:00:00.123456Z");
        JsonCodec codec = JsonCodec.create();
        for (Response answer : List.of(
                Response.ok(r, dev.outpost.Json.toTree(Map.of("ok", true, "list", List.of(1, 2))), "host-1", 1, t, t),
                Response.failed(r, ResponseStatus.REJECTED, new ErrorInfo("cancelled", "by the caller"), "host-1", 2, t, t),
                Response.failed(r, ResponseStatus.ERROR, new ErrorInfo("collector-failed", "boom"), "host-1", 1, t, t))) {
            byte[] body = codec.encodeResponse(answer, Optional.empty());
            assertThat(FastResponse.read(FastRequestTest.mapper(), body)).isEqualTo(answer);
        }
    }

    /** A valid response's text (ok or rejected) with up to two fields replaced, removed or repeated, or text after it. */
    private static String mutate(Random random) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        boolean ok = random.nextBoolean();
        fields.put("v", "1");
        fields.put("requestId", "\"r-1\"");
        fields.put("collector", "\"noop\"");
        fields.put("target", "\"h\"");
        fields.put("status", ok ? "\"ok\"" : "\"rejected\"");
        if (ok) {
            fields.put("result", "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}");
        } else {
            fields.put("error", "{\"code\":\"cancelled\",\"message\":\"by the caller\"}");
        }
        fields.put("worker", "\"host-1\"");
        fields.put("attempt", "1");
        fields.put("startedAt", "\"2026-01-31T12:00:00.5Z\"");
        fields.put("finishedAt", "\"2026-01-31T12:00:01Z\"");
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
