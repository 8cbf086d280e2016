package dev.outpost.sqs.internal;

import dev.outpost.Attributes;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * The copy of an unreadable message that goes to the dead-letter queue, as SQS will carry it: the
 * message's framing (so that an Outpost reader gets it back as it arrived), and beside it the
 * reason as plain String attributes. The message's binary attributes (a foreign sender's) travel as
 * they arrived, as many as fit ({@value #MAX_BINARY}). Pure: sizes are SQS's count, so whether a copy fits is known
 * before anything is sent.
 */
final class DeadLetterCopy {
    /** The longest detail a copy carries. */
    static final int MAX_DETAIL = 256;
    /** The detail of a copy that does not fit with the whole of it. */
    static final int SHORT_DETAIL = 40;
    /** Plain attributes beside an inline copy's framing: 10, less the 3 of the reason and a body encoding. */
    static final int INLINE_PLAIN = 6;
    /** Plain attributes beside a pointer copy's framing: 10, less the 3 of the reason, the size and the token (a binary marker takes one more). */
    static final int POINTER_PLAIN = 5;

    /**
     * Binary attributes a copy keeps, the first by name: SQS carries 10 attributes, and beside them a copy needs the
     * reason (3), its framing (1 to 3) and one for the string attributes (packed when there are more than fit).
     */
    static final int MAX_BINARY = 4;

    /** A copy: its SQS body and attributes, their size as SQS counts it, and the dead-letter queue's inline limit. */
    record Copy(String body, Map<String, MessageAttributeValue> attributes, int size, int limit) {
        boolean fits() {
            return size <= limit;
        }
    }

    private DeadLetterCopy() {}

    /**
     * The copy with the body in it: with the whole detail (up to {@value #MAX_DETAIL} characters) when that fits,
     * else with the detail cut to {@value #SHORT_DETAIL}; {@link Copy#fits()} says whether even that does.
     *
     * @param limit the largest message sent to a queue inline (the transport's {@code maxQueueMessageBytes})
     */
    static Copy inline(byte[] body, Map<String, String> original, Map<String, MessageAttributeValue> binary, String detail,
            String source, int limit) {
        WireFormat.Frame frame = WireFormat.encode(body, original, plain(INLINE_PLAIN, binary));
        Copy whole = of(frame, binary, detail, MAX_DETAIL, source, limit);
        return whole.fits() ? whole : of(frame, binary, detail, SHORT_DETAIL, source, limit);
    }

    /** As {@link #inline(byte[], Map, Map, String, String, int)} for a message without binary attributes. */
    static Copy inline(byte[] body, Map<String, String> original, String detail, String source, int limit) {
        return inline(body, original, Map.of(), detail, source, limit);
    }

    /** The copy whose framing is {@code frame} (a pointer's, say), with the whole detail. */
    static Copy of(WireFormat.Frame frame, Map<String, MessageAttributeValue> binary, String detail, String source, int limit) {
        return of(frame, binary, detail, MAX_DETAIL, source, limit);
    }

    /** The plain string attributes beside {@code binary}: the string attributes are packed into one past it. */
    static int plain(int plain, Map<String, MessageAttributeValue> binary) {
        return Math.max(1, plain - binary.size());
    }

    /**
     * The binary attributes a copy keeps: at most {@value #MAX_BINARY}, the first by name, none named as one a copy
     * sets itself (the reason's, the framing's: those are strings).
     */
    static Map<String, MessageAttributeValue> keptBinary(Map<String, MessageAttributeValue> binary, Set<String> reserved) {
        Map<String, MessageAttributeValue> kept = new TreeMap<>();
        for (Map.Entry<String, MessageAttributeValue> e : new TreeMap<>(binary).entrySet()) {
            if (kept.size() < MAX_BINARY && !reserved.contains(e.getKey()) && !WireFormat.isFramingName(e.getKey())) {
                kept.put(e.getKey(), e.getValue());
            }
        }
        return kept;
    }

    private static Copy of(WireFormat.Frame frame, Map<String, MessageAttributeValue> binary, String detail, int maxDetail,
            String source, int limit) {
        Map<String, String> all = new LinkedHashMap<>(frame.attributes());
        all.put(Attributes.REJECT_REASON, DeadLetters.UNREADABLE);
        String cut = detail.length() > maxDetail ? detail.substring(0, maxDetail - 3) + "..." : detail;
        all.put(Attributes.REJECT_DETAIL, cut.isEmpty() ? "-" : cut);
        all.put(Attributes.SOURCE, source.isEmpty() ? "-" : source);
        WireFormat.Frame whole = new WireFormat.Frame(frame.body(), all);
        if (binary.isEmpty()) {
            return new Copy(whole.body(), Wire.sqsAttributes(whole.attributes()), Wire.bytes(whole), limit);
        }
        Map<String, MessageAttributeValue> attributes = new HashMap<>(Wire.sqsAttributes(whole.attributes()));
        int size = Wire.bytes(whole);
        for (Map.Entry<String, MessageAttributeValue> e : binary.entrySet()) {
            if (!attributes.containsKey(e.getKey())) {
                // as SQS counts it: the name, the type, the bytes; the type as it arrived ("Binary.png" keeps its label)
                MessageAttributeValue v = MessageAttributeValue.builder().dataType(e.getValue().dataType())
                        .binaryValue(e.getValue().binaryValue()).build();
                attributes.put(e.getKey(), v);
                size += e.getKey().length() + v.dataType().length() + v.binaryValue().asByteArrayUnsafe().length;
            }
        }
        return new Copy(whole.body(), attributes, size, limit);
    }
}
