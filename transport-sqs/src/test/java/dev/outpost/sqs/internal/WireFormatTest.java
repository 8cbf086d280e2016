package dev.outpost.sqs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.sqs.internal.WireFormat.Decoded;
import dev.outpost.sqs.internal.WireFormat.Frame;
import dev.outpost.sqs.internal.WireFormat.Inline;
import dev.outpost.sqs.internal.WireFormat.Offloaded;
import dev.outpost.sqs.internal.WireFormat.S3Pointer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class WireFormatTest {

    private static Inline roundTrip(byte[] body, Map<String, String> attributes) throws WireFormatException {
        Frame f = WireFormat.encode(body, attributes);
        assertThat(WireFormat.isSafeText(f.body())).isTrue();
        assertThat(f.attributes().size()).isLessThanOrEqualTo(10);
        f.attributes().values().forEach(v -> assertThat(WireFormat.isSafeText(v)).isTrue());
        Decoded d = WireFormat.decode(f.body(), f.attributes());
        assertThat(d).isInstanceOf(Inline.class);
        return (Inline) d;
    }

    @Test
    void textTravelsAsItIsWithItsAttributes() throws Exception {
        Frame f = WireFormat.encode("{\"collector\":\"ping\"}".getBytes(StandardCharsets.UTF_8), Map.of("k", "v"));
        assertThat(f.body()).isEqualTo("{\"collector\":\"ping\"}");
        assertThat(f.attributes()).isEqualTo(Map.of("k", "v"));
        Inline back = roundTrip("{\"collector\":\"ping\"}".getBytes(StandardCharsets.UTF_8), Map.of("k", "v"));
        assertThat(new String(back.body(), StandardCharsets.UTF_8)).isEqualTo("{\"collector\":\"ping\"}");
        assertThat(back.attributes()).isEqualTo(Map.of("k", "v"));
    }

    @Test
    void binaryControlAstralAndEmptyBodiesSurvive() throws Exception {
        for (byte[] body : new byte[][] {{0, 1, 2, (byte) 0xff}, "nul \u0000".getBytes(StandardCharsets.UTF_8),
                "rocket \uD83D\uDE80".getBytes(StandardCharsets.UTF_8), {}, {(byte) 0xc3}}) {
            Frame f = WireFormat.encode(body, Map.of());
            assertThat(f.attributes()).containsKey(WireFormat.BODY_ENCODING);
            assertThat(roundTrip(body, Map.of()).body()).isEqualTo(body);
        }
    }

    @Test
    void manyOddOrReservedAttributesArePackedAndRestored() throws Exception {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            many.put("a" + i, "v" + i);
        }
        for (Map<String, String> attrs : java.util.List.of(many, Map.of("empty", ""), Map.of("ctl", "\u0001"),
                Map.of("AWS.trace", "x"), Map.of("with space", "x"), Map.of("rocket", "\uD83D\uDE80"),
                Map.of(WireFormat.BODY_ENCODING, "rot13"), Map.of(WireFormat.EXTENDED_SIZE, "5"),
                Map.of(WireFormat.PACKED_ATTRIBUTES, "{}"))) {
            Frame f = WireFormat.encode("body".getBytes(StandardCharsets.UTF_8), attrs);
            assertThat(f.attributes()).containsOnlyKeys(WireFormat.PACKED_ATTRIBUTES);
            Inline back = roundTrip("body".getBytes(StandardCharsets.UTF_8), attrs);
            assertThat(back.attributes()).isEqualTo(attrs);
            assertThat(back.body()).isEqualTo("body".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void pointersRoundTripInTheExtendedClientsFormat() throws Exception {
        S3Pointer p = new S3Pointer("my-bucket", "outpost/shared/0b6a\"key");
        Frame f = WireFormat.encodePointer(p, 700_000, Map.of("k", "v"));
        assertThat(f.body()).startsWith("[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"my-bucket\"");
        assertThat(f.attributes()).containsEntry(WireFormat.EXTENDED_SIZE, "700000");
        Decoded d = WireFormat.decode(f.body(), f.attributes());
        assertThat(d).isEqualTo(new Offloaded(p, Map.of("k", "v")));
        assertThat(WireFormat.decode(f.body(), Map.of(WireFormat.LEGACY_EXTENDED_SIZE, "1"))).isInstanceOf(Offloaded.class);
    }

    @Test
    void aPointerToABinaryPayloadWithEightAttributesStaysWithinSqsTenAttributes() throws Exception {
        Map<String, String> eight = new HashMap<>();
        for (int i = 0; i < 8; i++) {
            eight.put("a" + i, "v" + i);
        }
        S3Pointer p = new S3Pointer("my-bucket", "outpost/0b6a");
        for (boolean binary : new boolean[] {false, true}) {
            Frame f = WireFormat.encodePointer(p, 700_000, eight, "token", binary);
            assertThat(f.attributes().size()).as("SQS and SNS refuse more than 10 (binary: " + binary + ")").isLessThanOrEqualTo(10);
            Decoded d = WireFormat.decode(f.body(), f.attributes());
            assertThat(d).isEqualTo(new Offloaded(p, eight, java.util.Optional.of("token"), binary));
        }
    }

    @Test
    void aPointerAsLoggedCannotForgeLogLines() throws Exception {
        S3Pointer p = WireFormat.parsePointer("[\"" + WireFormat.POINTER_CLASS
                + "\",{\"s3BucketName\":\"my-bucket\",\"s3Key\":\"outpost/x\\n2026-12-05 ERROR forged\\u001b[31m" + "k".repeat(900) + "\"}]");
        assertThat(p.key()).contains("\n").hasSizeGreaterThan(900); // read as written: S3 keys are literal
        assertThat(p.toString()).startsWith("s3://my-bucket/outpost/x?2026-12-05 ERROR forged?[31m").matches("[\\x20-\\x7e]{1,240}");
    }

    @Test
    void bodiesThatLookLikeFramingComeBackAsTheyWere() throws Exception {
        for (String text : java.util.List.of(
                "[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"b\",\"s3Key\":\"k\"}]",
                "{\"Type\":\"Notification\",\"TopicArn\":\"t\",\"Message\":\"inner\"}")) {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            assertThat(roundTrip(body, Map.of("k", "v")).body()).isEqualTo(body);
        }
    }

    @Test
    void anSnsEnvelopeIsUnwrappedAndItsAttributesKept() throws Exception {
        Frame inner = WireFormat.encode(new byte[] {0, 1}, Map.of("k", "v"));
        StringBuilder attrs = new StringBuilder();
        inner.attributes().forEach((k, v) -> attrs.append(attrs.length() == 0 ? "" : ",")
                .append("\"").append(k).append("\":{\"Type\":\"String\",\"Value\":\"").append(v).append("\"}"));
        String envelope = "{\"Type\":\"Notification\",\"MessageId\":\"m\",\"TopicArn\":\"arn:aws:sns:us-east-1:1:t\","
                + "\"Message\":\"" + inner.body() + "\",\"MessageAttributes\":{" + attrs + "}}";
        Inline d = (Inline) WireFormat.decode(envelope, Map.of());
        assertThat(d.body()).isEqualTo(new byte[] {0, 1});
        assertThat(d.attributes()).isEqualTo(Map.of("k", "v"));
    }

    @Test
    void somethingThatOnlyLooksLikeAnEnvelopeIsABody() throws Exception {
        String text = "{\"TopicArn\": \"not a notification\"}";
        assertThat(((Inline) WireFormat.decode(text, Map.of())).body()).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
        String broken = "{\"TopicArn\": ";
        assertThat(((Inline) WireFormat.decode(broken, Map.of())).body()).isEqualTo(broken.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "rot13|hello",
        "base64|not base64 at all!",
        "packed|not json",
        "packed|[\"an array\"]",
        "packed|{\"a\":1}",
        "packed|{\"a\":{\"b\":\"c\"}}",
        "body|[\"software.amazon.payloadoffloading.PayloadS3Pointer\"",
        "body|[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{}]",
        "body|[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"b\",\"s3Key\":\"k\"}]",
        "body|[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"Not_A_Bucket\",\"s3Key\":\"k\"}]",
        "body|[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"bucket\",\"s3Key\":\"\"}]",
        "body|[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"bucket\",\"s3Key\":7}]",
        "body|[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"bucket\",\"s3Key\":\"k\"},3]",
        "size|a body that is no pointer",
        "body|{\"Type\":\"Notification\",\"TopicArn\":\"t\",\"Message\":{\"an\":\"object\"}}",
        "body|{\"Type\":\"Notification\",\"TopicArn\":\"t\",\"Message\":\"m\",\"MessageAttributes\":[1]}",
        "body|{\"Type\":\"Notification\",\"TopicArn\":\"t\",\"Message\":\"m\",\"MessageAttributes\":{\"a\":{\"Value\":1}}}",
    })
    void brokenFramingIsATypedErrorWithAReason(String input) {
        String kind = input.substring(0, input.indexOf('|'));
        String value = input.substring(input.indexOf('|') + 1);
        Map<String, String> attrs = switch (kind) {
            case "rot13" -> Map.of(WireFormat.BODY_ENCODING, "rot13");
            case "base64" -> Map.of(WireFormat.BODY_ENCODING, "base64");
            case "packed" -> Map.of(WireFormat.PACKED_ATTRIBUTES, value);
            case "size" -> Map.of(WireFormat.EXTENDED_SIZE, "12");
            default -> Map.of();
        };
        String body = kind.equals("body") ? value : kind.equals("rot13") || kind.equals("base64") || kind.equals("size") ? value : "x";
        assertThatThrownBy(() -> WireFormat.decode(body, attrs)).isInstanceOf(WireFormatException.class)
                .satisfies(e -> assertThat(e.getMessage()).isNotBlank().hasSizeLessThan(200));
    }

    @Test
    void reasonsClipWhatTheSenderChose() {
        String encoding = "x".repeat(10_000) + "\u0007";
        assertThatThrownBy(() -> WireFormat.decode("hello", Map.of(WireFormat.BODY_ENCODING, encoding)))
                .isInstanceOf(WireFormatException.class).satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(120));
    }

    @Test
    void deeplyNestedJsonIsRefusedNotAStackOverflow() {
        String deep = "[".repeat(100_000);
        assertThatThrownBy(() -> WireFormat.decode("x", Map.of(WireFormat.PACKED_ATTRIBUTES, deep)))
                .isInstanceOf(WireFormatException.class);
        assertThatThrownBy(() -> WireFormat.parsePointer(deep)).isInstanceOf(WireFormatException.class);
    }
}
