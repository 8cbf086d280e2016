package dev.outpost.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.spi.CodecException;
import java.util.Iterator;
import java.util.Optional;

/**
 * The JSON codec's decode side is total on hostile bytes: it returns a document or throws
 * {@link CodecException}, nothing else; what it returns has finite numbers only, nests within the
 * documented depth, and encodes again. The default build replays the seeds under
 * {@code JsonCodecFuzzTestInputs/}; {@code -Pfuzz} fuzzes.
 */
class JsonCodecFuzzTest {
    private static final JsonCodec CODEC = JsonCodec.create();
    private static final JsonCodec LENIENT = JsonCodec.withoutSchemaValidation();

    @FuzzTest(maxDuration = "2m")
    void decodeIsTotal(byte[] body) {
        for (JsonCodec codec : new JsonCodec[] {CODEC, LENIENT}) {
            try {
                Request r = codec.decodeRequest(body).document();
                assertThat(depth(r.params())).isLessThan(JsonCodec.MAX_DEPTH);
                assertFinite(r.params());
                r.isExpired(java.time.Instant.now());
                assertThat(codec.decodeRequest(codec.encodeRequest(r)).document().id()).isEqualTo(r.id());
            } catch (CodecException expected) {
                // refused with a reason: what the worker dead-letters
            }
            try {
                Response r = codec.decodeResponse(body).document();
                r.result().ifPresent(JsonCodecFuzzTest::assertFinite);
                codec.encodeResponse(r, Optional.empty());
            } catch (CodecException expected) {
                // refused with a reason: what the client drops and counts
            }
        }
    }

    private static int depth(JsonNode n) {
        int max = 0;
        for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
            max = Math.max(max, depth(it.next()));
        }
        return max + 1;
    }

    private static void assertFinite(JsonNode n) {
        if (n.isNumber()) {
            assertThat(Double.isFinite(n.asDouble()) || n.isBigDecimal() || n.isBigInteger()).isTrue();
        }
        n.elements().forEachRemaining(JsonCodecFuzzTest::assertFinite);
    }
}
