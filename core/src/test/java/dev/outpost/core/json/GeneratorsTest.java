package dev.outpost.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A thread's kept generator gives each document alone, whatever the document before it did. */
class GeneratorsTest {
    private static final JsonFactory FACTORY = FastRequestTest.mapper().getFactory();

    private static String encode(Generators.Body body) {
        return new String(Generators.encode(FACTORY, body), StandardCharsets.UTF_8);
    }

    @Test
    void documentsInARowComeOutEachAloneWithNothingBetweenThem() {
        for (int i = 0; i < 1_000; i++) {
            int n = i;
            assertThat(encode(g -> {
                g.writeStartObject();
                g.writeNumberField("n", n);
                g.writeEndObject();
            })).isEqualTo("{\"n\":" + n + "}");
        }
    }

    @Test
    void aDocumentThatFailsHalfWayLeavesNothingInTheNext() {
        assertThatThrownBy(() -> encode(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("open");
            g.writeString("x".repeat(20_000)); // more than the generator's own buffer: some of it reached the output
            throw new IllegalStateException("the body failed");
        })).hasMessage("the body failed");
        assertThat(encode(g -> g.writeString("next"))).isEqualTo("\"next\"");
    }

    @Test
    void aHugeDocumentIsWhole_andTheSmallOneAfterItTooWithoutItsBuffer() {
        String big = "y".repeat(3 * Generators.MAX_KEPT);
        assertThat(encode(g -> g.writeString(big))).isEqualTo("\"" + big + "\"");
        assertThat(encode(g -> g.writeNumber(1))).isEqualTo("1");
    }

    @Test
    void aDocumentEncodedWhileAnotherIsBeingWrittenDoesNotMixWithIt() {
        String outer = encode(g -> {
            g.writeStartObject();
            g.writeStringField("inner", encode(h -> {
                h.writeStartArray();
                h.writeNumber(7);
                h.writeEndArray();
            }));
            g.writeEndObject();
        });
        assertThat(outer).isEqualTo("{\"inner\":\"[7]\"}");
        assertThat(encode(g -> g.writeBoolean(true))).isEqualTo("true");
    }

    @Test
    void aNonFiniteNumberIsNamedByItsPathInsideTheDocumentWhateverCameBeforeOnTheThread() {
        JsonCodec codec = JsonCodec.create();
        Instant t = Instant.parse("2026-12-05T20:00:00Z");
        Request r = Request.builder("c").build();
        for (int i = 0; i < 3; i++) { // documents before it on this thread's generator
            codec.encodeResponse(Response.ok(r, Json.object().put("i", i), "w", 1, t, t), Optional.empty());
        }
        com.fasterxml.jackson.databind.node.ObjectNode bad = Json.object();
        bad.putObject("a").put("limit", Double.NaN);
        assertThatThrownBy(() -> codec.encodeResponse(Response.ok(r, bad, "w", 1, t, t), Optional.empty()))
                .hasMessageContaining("finite").hasMessageContaining("(at /result/a/limit)");
        // and the next document on the thread is whole
        Response ok = Response.ok(r, Json.object().put("after", true), "w", 1, t, t);
        assertThat(codec.decodeResponse(codec.encodeResponse(ok, Optional.empty())).document()).isEqualTo(ok);
    }

    @Test
    void aCodecsResponsesOnOneThreadAreEachAValidDocument() {
        JsonCodec codec = JsonCodec.create();
        Instant t = Instant.parse("2026-12-05T20:00:00.000123Z");
        for (int i = 0; i < 100; i++) {
            Response r = new Response(1, "id-" + i, "c", Optional.empty(), ResponseStatus.OK,
                    Optional.of(Json.object().put("i", i)), Optional.empty(), "w", 1, t, t);
            assertThat(codec.decodeResponse(codec.encodeResponse(r, Optional.empty())).document()).isEqualTo(r);
        }
        assertThat(codec.decodeRequest(codec.encodeRequest(dev.outpost.Request.builder("c").params(Map.of("a", 1)).build()))
                .document().params().get("a").asInt()).isEqualTo(1);
    }
}
