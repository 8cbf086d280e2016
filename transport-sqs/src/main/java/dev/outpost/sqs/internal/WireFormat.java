package dev.outpost.sqs.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How an Outpost message (bytes + string attributes) travels as an SQS message (XML-safe text +
 * at most 10 string attributes), and back. Pure: no I/O, no AWS client; the transport does the
 * calls. Everything that reads what a remote party wrote lives in {@link #decode} and
 * {@link #parsePointer}, which throw nothing but {@link WireFormatException}.
 *
 * <ul>
 *   <li><b>Body.</b> A body that is XML-safe UTF-8 travels as it is (other consumers can read it);
 *       anything else, and text that would be read back as an SNS envelope or an S3 pointer, as
 *       base64 with {@value #BODY_ENCODING}{@code =base64}; an empty body as
 *       {@code "-"} with {@value #BODY_ENCODING}{@code =empty} (SQS refuses empty bodies).
 *   <li><b>Attributes.</b> Up to 8 attributes (7 beside a binary payload's pointer) whose names and
 *       values SQS accepts travel as SQS attributes; otherwise all of them travel in one
 *       {@value #PACKED_ATTRIBUTES} attribute, a
 *       JSON object of strings escaped to ASCII. Attributes with this format's own names are
 *       always packed, so a user's attribute is never mistaken for framing.
 *   <li><b>SNS envelope.</b> A body that is an SNS {@code Notification} (raw delivery off) is
 *       unwrapped: its {@code Message} is the body, its {@code MessageAttributes} the attributes.
 *   <li><b>S3 pointer.</b> The AWS SQS extended client's format:
 *       {@code ["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":..,"s3Key":..}]}
 *       with the payload's size in {@value #EXTENDED_SIZE} (older clients:
 *       {@value #LEGACY_EXTENDED_SIZE}).
 * </ul>
 */
public final class WireFormat {
    /** How the body is encoded, when it is not plain text. */
    public static final String BODY_ENCODING = "outpost-body-encoding";
    /** {@value #BODY_ENCODING} of a body that travels as base64. */
    public static final String BASE64 = "base64";
    /** {@value #BODY_ENCODING} of an empty body (which travels as {@code "-"}). */
    public static final String EMPTY = "empty";
    /**
     * {@value #BODY_ENCODING} of an S3 pointer whose payload is bytes, not UTF-8 text: readers that
     * take payloads for text (the AWS extended client) must not.
     */
    public static final String BINARY = "binary";
    /**
     * With a pointer: a random token the sender also stored in the S3 object's metadata
     * ({@value #TOKEN_METADATA}), which binds the object to this message. A receiver deletes an
     * object on ack only when the two match, so a forged pointer cannot make it delete another
     * message's payload.
     */
    public static final String PAYLOAD_TOKEN = "outpost-payload-token";
    /** The S3 user metadata key that holds {@value #PAYLOAD_TOKEN}'s value. */
    public static final String TOKEN_METADATA = "outpost-token";
    /** All attributes as one JSON object, when they cannot travel as SQS attributes. */
    public static final String PACKED_ATTRIBUTES = "outpost-attributes";
    /** The offloaded payload's size (AWS extended client 2.x). */
    public static final String EXTENDED_SIZE = "ExtendedPayloadSize";
    /** The offloaded payload's size (AWS extended client 1.x). */
    public static final String LEGACY_EXTENDED_SIZE = "SQSLargePayloadSize";
    /** The first element of an extended-client pointer. */
    public static final String POINTER_CLASS = "software.amazon.payloadoffloading.PayloadS3Pointer";
    /** How many attributes travel unpacked: SQS's limit is 10, and framing adds up to two (three on a binary pointer). */
    static final int MAX_PLAIN_ATTRIBUTES = 8;

    private static final Set<String> RESERVED = Set.of(BODY_ENCODING, PACKED_ATTRIBUTES, EXTENDED_SIZE, LEGACY_EXTENDED_SIZE,
            PAYLOAD_TOKEN);
    private static final String POINTER_PREFIX = "[\"" + POINTER_CLASS + "\"";
    private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,256}");
    /** S3's bucket naming rules (the subset every region accepts). */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final int MAX_KEY_BYTES = 1024;
    /** Bounds what a hostile body can make the parser do; SQS bodies are at most 1 MiB anyway (256 KiB before 2025). */
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build())
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature()) // the packed attribute is ASCII, always acceptable to SQS
            .build();

    private WireFormat() {}

    /** A message as SQS carries it. */
    public record Frame(String body, Map<String, String> attributes) {
        public Frame {
            Objects.requireNonNull(body, "body");
            attributes = Map.copyOf(attributes);
        }
    }

    /** Where an offloaded payload is. */
    public record S3Pointer(String bucket, String key) {
        public S3Pointer {
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(key, "key");
        }

        /** For logs: the key is whatever a pointer's writer chose, so kept short and printable (no forged log lines). */
        @Override
        public String toString() {
            return "s3://" + bucket + "/" + clip(key, 200);
        }
    }

    /** What a received message holds once its framing is undone. */
    public sealed interface Decoded permits Inline, Offloaded {
        /** The attributes as the sender set them. */
        Map<String, String> attributes();
    }

    /** The body travelled in the message. */
    public record Inline(byte[] body, Map<String, String> attributes) implements Decoded {}

    /**
     * The body is in S3 at {@code pointer}; {@code token} is what binds the object to this message
     * (absent from other writers' pointers), {@code binary} whether the sender marked it as bytes.
     */
    public record Offloaded(S3Pointer pointer, Map<String, String> attributes, java.util.Optional<String> token, boolean binary)
            implements Decoded {
        public Offloaded(S3Pointer pointer, Map<String, String> attributes) {
            this(pointer, attributes, java.util.Optional.empty(), false);
        }
    }

    // ------------------------------------------------------------------ encoding

    /** Whether {@code name} is one of the attributes the framing sets itself. */
    static boolean isFramingName(String name) {
        return RESERVED.contains(name);
    }

    /** Frames a body and its attributes for SQS (or SNS, which carries the same). */
    public static Frame encode(byte[] body, Map<String, String> attributes) {
        return encode(body, attributes, MAX_PLAIN_ATTRIBUTES);
    }

    /** As {@link #encode(byte[], Map)}, packing the attributes when there are more than {@code maxPlain}. */
    public static Frame encode(byte[] body, Map<String, String> attributes, int maxPlain) {
        Map<String, String> out = packIfNeeded(attributes, maxPlain);
        String text;
        if (body.length == 0) {
            text = "-";
            out.put(BODY_ENCODING, EMPTY);
        } else {
            text = asSafeText(body);
            if (text == null || looksFramed(text)) {
                text = Base64.getEncoder().encodeToString(body);
                out.put(BODY_ENCODING, BASE64);
            }
        }
        return new Frame(text, out);
    }

    /** The frame of a pointer to an offloaded payload of {@code size} bytes. */
    public static Frame encodePointer(S3Pointer pointer, long size, Map<String, String> attributes) {
        Map<String, String> out = packIfNeeded(attributes, MAX_PLAIN_ATTRIBUTES);
        out.put(EXTENDED_SIZE, Long.toString(size));
        return new Frame(formatPointer(pointer), out);
    }

    /**
     * The frame of a pointer to a payload this transport wrote: bound to the object by
     * {@code token}, and marked {@value #BINARY} when the payload is not text.
     */
    public static Frame encodePointer(S3Pointer pointer, long size, Map<String, String> attributes, String token, boolean binary) {
        return encodePointer(pointer, size, attributes, token, binary, MAX_PLAIN_ATTRIBUTES);
    }

    /** As {@link #encodePointer(S3Pointer, long, Map, String, boolean)}, packing the attributes when there are more than {@code maxPlain}. */
    public static Frame encodePointer(S3Pointer pointer, long size, Map<String, String> attributes, String token, boolean binary,
            int maxPlain) {
        // size, token and the binary marker are three framing attributes: one more than the others' room leaves
        Map<String, String> out = packIfNeeded(attributes, binary ? maxPlain - 1 : maxPlain);
        out.put(EXTENDED_SIZE, Long.toString(size));
        out.put(PAYLOAD_TOKEN, token);
        if (binary) {
            out.put(BODY_ENCODING, BINARY);
        }
        return new Frame(formatPointer(pointer), out);
    }

    /** Whether {@code body} would travel inline as text (rather than base64). */
    public static boolean isText(byte[] body) {
        return body.length > 0 && asSafeText(body) != null;
    }

    /** The extended client's pointer text. */
    public static String formatPointer(S3Pointer pointer) {
        ObjectNode where = JSON.createObjectNode().put("s3BucketName", pointer.bucket()).put("s3Key", pointer.key());
        try {
            return JSON.writeValueAsString(JSON.createArrayNode().add(POINTER_CLASS).add(where));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of strings always serialises
        }
    }

    /** Text that {@link #decode} would take for an SNS envelope or an S3 pointer: sent as base64, it comes back as it was. */
    private static boolean looksFramed(String text) {
        return text.startsWith(POINTER_PREFIX) || isSnsCandidate(text);
    }

    private static boolean isSnsCandidate(String text) {
        return text.startsWith("{") && text.contains("\"TopicArn\"");
    }

    private static Map<String, String> packIfNeeded(Map<String, String> attributes, int maxPlain) {
        Map<String, String> out = new LinkedHashMap<>();
        boolean pack = attributes.size() > maxPlain;
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            String name = e.getKey();
            String lower = name.toLowerCase(Locale.ROOT);
            if (e.getValue().isEmpty() || !isSafeText(e.getValue()) || !ATTRIBUTE_NAME.matcher(name).matches()
                    || lower.startsWith("aws.") || lower.startsWith("amazon.") || RESERVED.contains(name)) {
                pack = true;
            }
        }
        if (!pack) {
            out.putAll(attributes);
            return out;
        }
        ObjectNode packed = JSON.createObjectNode();
        attributes.forEach(packed::put);
        try {
            out.put(PACKED_ATTRIBUTES, JSON.writeValueAsString(packed));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    // ------------------------------------------------------------------ decoding

    /**
     * Undoes the framing of a received message.
     *
     * @param body the SQS body as received
     * @param attributes its string attributes as received
     * @throws WireFormatException when the framing is broken: the reason says how
     */
    public static Decoded decode(String body, Map<String, String> attributes) throws WireFormatException {
        Objects.requireNonNull(body, "body");
        Map<String, String> top = new LinkedHashMap<>(attributes);
        String text = body;
        if (isSnsCandidate(text)) {
            text = unwrapSns(text, top);
        }
        String encoding = top.remove(BODY_ENCODING);
        String packed = top.remove(PACKED_ATTRIBUTES);
        String size = top.remove(EXTENDED_SIZE);
        String legacySize = top.remove(LEGACY_EXTENDED_SIZE);
        String token = top.remove(PAYLOAD_TOKEN);
        Map<String, String> user = top;
        if (packed != null) {
            unpack(packed, user);
        }
        if (text.startsWith(POINTER_PREFIX) || size != null || legacySize != null) {
            if (encoding != null && !encoding.equals(BINARY)) {
                throw new WireFormatException("an S3 pointer cannot have a body encoding ('" + clip(encoding) + "')");
            }
            return new Offloaded(parsePointer(text), user, java.util.Optional.ofNullable(token), BINARY.equals(encoding));
        }
        if (token != null) {
            throw new WireFormatException("a payload token without an S3 pointer");
        }
        return new Inline(decodeBody(text, encoding), user);
    }

    /** Parses an extended-client pointer, checking the bucket and key are ones S3 could hold. */
    public static S3Pointer parsePointer(String text) throws WireFormatException {
        JsonNode n = parseJson(text, "S3 pointer");
        if (!n.isArray() || n.size() != 2 || !POINTER_CLASS.equals(n.get(0).textValue()) || !n.get(1).isObject()) {
            throw new WireFormatException("malformed S3 pointer: not [\"" + POINTER_CLASS + "\", {...}]");
        }
        JsonNode bucket = n.get(1).get("s3BucketName");
        JsonNode key = n.get(1).get("s3Key");
        if (bucket == null || !bucket.isTextual() || !BUCKET.matcher(bucket.textValue()).matches()) {
            throw new WireFormatException("malformed S3 pointer: s3BucketName is not a bucket name");
        }
        if (key == null || !key.isTextual() || key.textValue().isEmpty()
                || key.textValue().getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new WireFormatException("malformed S3 pointer: s3Key is not an S3 key");
        }
        return new S3Pointer(bucket.textValue(), key.textValue());
    }

    static byte[] decodeBody(String text, String encoding) throws WireFormatException {
        if (encoding == null) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        switch (encoding) {
            case BASE64:
                try {
                    return Base64.getDecoder().decode(text);
                } catch (IllegalArgumentException e) {
                    throw new WireFormatException("the body is marked base64 but is not base64");
                }
            case EMPTY:
                return new byte[0];
            default:
                throw new WireFormatException("unknown body encoding '" + clip(encoding) + "'");
        }
    }

    private static void unpack(String packed, Map<String, String> into) throws WireFormatException {
        JsonNode n = parseJson(packed, PACKED_ATTRIBUTES + " attribute");
        if (!n.isObject()) {
            throw new WireFormatException("the " + PACKED_ATTRIBUTES + " attribute is not a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new WireFormatException("the " + PACKED_ATTRIBUTES + " attribute has a value that is not a string");
            }
            into.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static String unwrapSns(String text, Map<String, String> attrs) throws WireFormatException {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (JsonProcessingException | RuntimeException e) {
            return text; // a body that merely looks like an envelope
        }
        if (n == null || !"Notification".equals(n.path("Type").textValue()) || !n.has("Message")) {
            return text;
        }
        if (!n.get("Message").isTextual()) {
            throw new WireFormatException("SNS envelope whose Message is not a string");
        }
        JsonNode carried = n.path("MessageAttributes");
        if (!carried.isMissingNode() && !carried.isObject()) {
            throw new WireFormatException("SNS envelope whose MessageAttributes is not an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = carried.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode value = e.getValue().path("Value");
            if (!value.isTextual()) {
                throw new WireFormatException("SNS envelope attribute without a string Value");
            }
            attrs.put(e.getKey(), value.textValue());
        }
        return n.get("Message").textValue();
    }

    private static JsonNode parseJson(String text, String what) throws WireFormatException {
        try {
            JsonNode n = JSON.readTree(text);
            if (n == null || n.isMissingNode()) {
                throw new WireFormatException("the " + what + " is empty");
            }
            return n;
        } catch (JsonProcessingException | RuntimeException e) { // StreamConstraintsException is a JsonProcessingException
            throw new WireFormatException("the " + what + " is not JSON");
        }
    }

    /** Attacker-chosen text in a reason is kept short and printable. */
    private static String clip(String s) {
        return clip(s, 40);
    }

    private static String clip(String s, int max) {
        String t = s.length() > max ? s.substring(0, max) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

    // ------------------------------------------------------------------ text

    private static String asSafeText(byte[] body) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        return isSafeText(s) ? s : null;
    }

    /**
     * Whether every character is one SQS accepts in bodies and attribute values. Characters beyond
     * U+FFFF are accepted by SQS but refused by some compatible servers, so they count as unsafe.
     */
    public static boolean isSafeText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
