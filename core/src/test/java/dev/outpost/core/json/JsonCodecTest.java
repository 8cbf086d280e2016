package dev.outpost.core.json;

import dev.outpost.Json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ErrorInfo;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.spi.CodecException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonCodecTest {
    private final JsonCodec codec = JsonCodec.create();

    @Test
    void requestRoundTripsEveryField() {
        Request r = Request.builder("http.request")
                .target("https://example.org/")
                .params(Map.of("method", "GET", "headers", Map.of("a", "b"), "n", 3))
                .replyTo("client-1")
                .ttl(Duration.ofSeconds(90))
                .attribute("trace", "abc")
                .build();
        Request back = codec.decodeRequest(codec.encodeRequest(r)).document();
        assertThat(back).isEqualTo(r);
        assertThat(back.params().get("headers").get("a").asText()).isEqualTo("b");
    }

    @Test
    void responseRoundTripsOkAndError() {
        Request r = Request.builder("disk").build();
        Instant t = Instant.parse("2026-01-02T03:04:05.123Z");
        Response ok = Response.ok(r, Json.toTree(List.of(1, "two")), "w1", 2, t, t.plusMillis(5));
        assertThat(codec.decodeResponse(codec.encodeResponse(ok, Optional.empty())).document()).isEqualTo(ok);
        Response err = Response.failed(r, ResponseStatus.ERROR, new ErrorInfo("boom", "it broke"), "w1", 3, t, t);
        Response back = codec.decodeResponse(codec.encodeResponse(err, Optional.empty())).document();
        assertThat(back).isEqualTo(err);
        assertThat(back.error()).contains(new ErrorInfo("boom", "it broke"));
    }

    @Test
    void unknownFieldsAreToleratedForForwardCompatibility() {
        String json = "{\"v\":2,\"id\":\"x1\",\"collector\":\"ping\",\"params\":{},\"sentAt\":\"2026-01-01T00:00:00Z\","
                + "\"newField\":{\"a\":[1,2]}}";
        Request r = codec.decodeRequest(json.getBytes(StandardCharsets.UTF_8)).document();
        assertThat(r.v()).isEqualTo(2);
        assertThat(r.collector()).isEqualTo("ping");
    }

    @Test
    void aTtlTooLongForMillisecondsIsSentAsTheLongestTheWireCarriesNotAnOverflow() {
        Request r = Request.builder("ping").ttl(Duration.ofSeconds(Long.MAX_VALUE)).build();
        Request back = codec.decodeRequest(codec.encodeRequest(r)).document();
        // for ever all the same: about 292 million years
        assertThat(back.ttl()).contains(Duration.ofMillis(Long.MAX_VALUE));
        assertThat(back.isExpired(Instant.now())).isFalse();
        assertThat(back.expiresAt().orElseThrow()).isAfter(Instant.parse("+100000000-01-01T00:00:00Z"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775807", "9223372036854775808", "1e400", "-9223372036854775808", "0", "1.5"})
    void aHostileTtlOnTheWireIsReadOrRefusedAsACodecError(String ttl) {
        byte[] body = ("{\"v\":1,\"id\":\"a\",\"collector\":\"ping\",\"params\":{},"
                + "\"sentAt\":\"2026-01-01T00:00:00Z\",\"ttl\":" + ttl + "}").getBytes(StandardCharsets.UTF_8);
        try {
            Request r = codec.decodeRequest(body).document();
            assertThat(r.ttl()).contains(Duration.ofMillis(Long.MAX_VALUE));
            assertThat(r.isExpired(Instant.now())).isFalse();
        } catch (CodecException e) {
            assertThat(e.reason()).isIn(RejectReason.UNDECODABLE, RejectReason.SCHEMA_INVALID);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "not json", "{", "[1,2", "\u0000\u0001"})
    void garbageIsUndecodable(String body) {
        assertThatThrownBy(() -> codec.decodeRequest(body.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(CodecException.class,
                        e -> assertThat(e.reason()).isIn(RejectReason.UNDECODABLE, RejectReason.SCHEMA_INVALID));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[]", "42", "\"text\"", "null",
        "{}",
        "{\"v\":1,\"id\":\"a\",\"collector\":\"Ping!\",\"params\":{},\"sentAt\":\"2026-01-01T00:00:00Z\"}",
        "{\"v\":0,\"id\":\"a\",\"collector\":\"ping\",\"params\":{},\"sentAt\":\"2026-01-01T00:00:00Z\"}",
        "{\"v\":1,\"id\":\"a\",\"collector\":\"ping\",\"params\":[],\"sentAt\":\"2026-01-01T00:00:00Z\"}",
        "{\"v\":1,\"id\":\"a\",\"collector\":\"ping\",\"params\":{},\"sentAt\":\"yesterday\"}",
        "{\"v\":1,\"id\":\"a\",\"collector\":\"ping\",\"params\":{},\"sentAt\":\"2026-01-01T00:00:00Z\",\"ttl\":-5}",
        "{\"v\":1,\"id\":\"a\",\"collector\":\"ping\",\"params\":{},\"sentAt\":\"2026-01-01T00:00:00Z\",\"attributes\":{\"k\":1}}",
        "{\"v\":1,\"id\":\"\",\"collector\":\"ping\",\"params\":{},\"sentAt\":\"2026-01-01T00:00:00Z\"}"
    })
    void schemaViolationsAreTypedAndSayWhat(String body) {
        assertThatThrownBy(() -> codec.decodeRequest(body.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(CodecException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RejectReason.SCHEMA_INVALID);
                    assertThat(e.getMessage()).startsWith("request ");
                });
    }

    @Test
    void randomBytesNeverEscapeAsAnythingButCodecException() {
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            byte[] body = new byte[random.nextInt(200)];
            random.nextBytes(body);
            assertThatThrownBy(() -> codec.decodeRequest(body)).isInstanceOf(CodecException.class);
        }
    }

    @Test
    void largeParamsAndResultsKeepTheirContentAndTheEnvelopeIsStillChecked() {
        java.util.Map<String, Object> big = new java.util.HashMap<>();
        for (int i = 0; i < 2_000; i++) {
            big.put("k" + i, java.util.List.of(i, "v" + i, java.util.Map.of("deep", i)));
        }
        Request r = Request.builder("bulk").params(big).build();
        Request back = codec.decodeRequest(codec.encodeRequest(r)).document();
        assertThat(back.params()).isEqualTo(r.params());
        String badAttributes = new String(codec.encodeRequest(r), StandardCharsets.UTF_8)
                .replace("\"sentAt\"", "\"attributes\":{\"n\":1},\"sentAt\"");
        assertThatThrownBy(() -> codec.decodeRequest(badAttributes.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.SCHEMA_INVALID));
        Response ok = Response.ok(r, Json.toTree(big), "w", 1, Instant.now(), Instant.now());
        assertThat(codec.decodeResponse(codec.encodeResponse(ok, Optional.empty())).document().result()).isEqualTo(ok.result());
    }

    @Test
    void idsWithControlCharactersAreRefusedAsInvalidSoThatNoLogLineQuotesThem() {
        Request r = Request.builder("disk.usage").build();
        String json = new String(codec.encodeRequest(r), StandardCharsets.UTF_8);
        for (String forged : List.of("\\n2026-12-05 ERROR forged", "\\u001b[2J", "a\\u0085b", "\\u007f")) {
            byte[] request = json.replace("\"" + r.id() + "\"", "\"" + forged + "\"").getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> codec.decodeRequest(request)).isInstanceOfSatisfying(CodecException.class, e -> {
                assertThat(e.reason()).isEqualTo(RejectReason.SCHEMA_INVALID);
                assertThat(e.getMessage()).contains("id must not contain control characters");
            });
            Response ok = Response.ok(r, Json.object(), "w", 1, Instant.now(), Instant.now());
            String answer = new String(codec.encodeResponse(ok, Optional.empty()), StandardCharsets.UTF_8);
            for (String field : List.of("\"" + r.id() + "\"", "\"w\"")) {
                byte[] response = answer.replace(field, "\"" + forged + "\"").getBytes(StandardCharsets.UTF_8);
                assertThatThrownBy(() -> codec.decodeResponse(response)).isInstanceOf(CodecException.class)
                        .hasMessageContaining("must not contain control characters");
            }
        }
        assertThatThrownBy(() -> Response.ok(r, Json.object(), "host\r\n", 1, Instant.now(), Instant.now()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("worker must not contain control characters");
    }

    @Test
    void withoutSchemaValidationStillRefusesWhatCannotBeARequest() {
        JsonCodec lax = JsonCodec.withoutSchemaValidation();
        assertThatThrownBy(() -> lax.decodeRequest("{\"v\":1}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.SCHEMA_INVALID));
    }

    @Test
    void schemasRefuseRemoteReferences() {
        assertThatThrownBy(() -> JsonSchema.of(Json.parse("{\"$ref\":\"http://127.0.0.1:1/x.json\"}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("self-contained");
    }

    @Test
    void schemaViolationsNameThePointer() {
        JsonSchema s = JsonSchema.of(Json.parse("{\"type\":\"object\",\"required\":[\"url\"],"
                + "\"properties\":{\"url\":{\"type\":\"string\"},\"n\":{\"type\":\"integer\",\"maximum\":3}}}"));
        assertThat(s.violations(Json.parse("{\"url\":\"x\",\"n\":2}"))).isEmpty();
        assertThat(s.violations(Json.parse("{\"n\":9}"))).hasSize(2)
                .anySatisfy(v -> assertThat(v).contains("url"))
                .anySatisfy(v -> assertThat(v).contains("#/n"));
    }
}
