package dev.outpost.sqs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.outpost.sqs.internal.WireFormat.Decoded;
import dev.outpost.sqs.internal.WireFormat.Frame;
import dev.outpost.sqs.internal.WireFormat.Inline;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuzz targets for {@link WireFormat}. Without {@code JAZZER_FUZZ} they run as ordinary tests on
 * the seed corpus in {@code src/test/resources/dev/outpost/sqs/internal/WireFormatFuzzTestInputs/<method>/}.
 *
 * <p>An input is UTF-8 text (malformed bytes become U+FFFD): its first line is the SQS body, each
 * further line an attribute {@code name=value}. Seeds are therefore readable and easy to add.
 */
class WireFormatFuzzTest {

    /** What SQS would hand the transport: a body and string attributes. */
    private record Received(String body, Map<String, String> attributes) {
        static Received parse(byte[] input) {
            String[] lines = new String(input, StandardCharsets.UTF_8).split("\n", -1);
            Map<String, String> attrs = new LinkedHashMap<>();
            for (int i = 1; i < lines.length && attrs.size() < 16; i++) {
                int eq = lines[i].indexOf('=');
                attrs.put(eq < 0 ? lines[i] : lines[i].substring(0, eq), eq < 0 ? "" : lines[i].substring(eq + 1));
            }
            return new Received(lines[0], attrs);
        }
    }

    /**
     * Decoding anything throws nothing but {@link WireFormatException}; what decodes as an inline
     * body encodes and decodes back to itself.
     */
    @FuzzTest(maxDuration = "3m")
    void decode(byte[] input) {
        Received r = Received.parse(input);
        Decoded decoded;
        try {
            decoded = WireFormat.decode(r.body(), r.attributes());
        } catch (WireFormatException e) {
            assertThat(e.getMessage()).isNotBlank().hasSizeLessThan(200);
            return;
        }
        assertThat(decoded.attributes()).isNotNull();
        if (decoded instanceof Inline inline) {
            Frame again = WireFormat.encode(inline.body(), inline.attributes());
            try {
                Decoded back = WireFormat.decode(again.body(), again.attributes());
                assertThat(back).isInstanceOf(Inline.class);
                assertThat(((Inline) back).body()).isEqualTo(inline.body());
                assertThat(back.attributes()).isEqualTo(inline.attributes());
            } catch (WireFormatException e) {
                throw new AssertionError("what this transport encodes must decode: " + e.getMessage(), e);
            }
        }
    }

    /** Any body and attributes survive encode then decode, and the frame is text SQS accepts. */
    @FuzzTest(maxDuration = "2m")
    void roundTrip(byte[] input) throws WireFormatException {
        int split = input.length == 0 ? 0 : Math.floorMod(input[0], input.length);
        byte[] body = java.util.Arrays.copyOfRange(input, split, input.length);
        Map<String, String> attributes = Received.parse(java.util.Arrays.copyOfRange(input, 0, split)).attributes();
        Frame frame = WireFormat.encode(body, attributes);
        assertThat(WireFormat.isSafeText(frame.body())).isTrue();
        assertThat(frame.attributes().size()).isLessThanOrEqualTo(10);
        frame.attributes().forEach((k, v) -> assertThat(WireFormat.isSafeText(k) && WireFormat.isSafeText(v) && !v.isEmpty()).isTrue());
        Decoded back = WireFormat.decode(frame.body(), frame.attributes());
        assertThat(back).isInstanceOf(Inline.class);
        assertThat(((Inline) back).body()).isEqualTo(body);
        assertThat(back.attributes()).isEqualTo(attributes);
    }
}
