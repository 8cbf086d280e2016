package dev.outpost.sqs.internal;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/** A message ready for the wire: its text, SQS attributes and size (after any S3 offload). */
public record Wire(String text, Map<String, MessageAttributeValue> attributes, int size) {

    /** The frame as SQS carries it. */
    public static Wire of(WireFormat.Frame frame) {
        return new Wire(frame.body(), sqsAttributes(frame.attributes()), bytes(frame));
    }

    static Map<String, MessageAttributeValue> sqsAttributes(Map<String, String> attributes) {
        if (attributes.isEmpty()) {
            return Map.of();
        }
        Map<String, MessageAttributeValue> out = new HashMap<>(attributes.size() * 2);
        attributes.forEach((k, v) -> out.put(k, MessageAttributeValue.builder()
                .dataType(k.equals(WireFormat.EXTENDED_SIZE) ? "Number" : "String").stringValue(v).build()));
        return out;
    }

    /** SQS's count: the body, and every attribute's name, type and value. */
    public static int bytes(WireFormat.Frame frame) {
        int n = utf8Length(frame.body());
        for (Map.Entry<String, String> e : frame.attributes().entrySet()) {
            n += e.getKey().length() + "String".length() + utf8Length(e.getValue());
        }
        return n;
    }

    private static int utf8Length(String s) {
        int n = s.length();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length; // rare: count exactly
            }
        }
        return n;
    }

    /** The same attributes as SNS carries them. */
    public Map<String, software.amazon.awssdk.services.sns.model.MessageAttributeValue> snsAttributes() {
        Map<String, software.amazon.awssdk.services.sns.model.MessageAttributeValue> out = new HashMap<>();
        attributes.forEach((k, v) -> out.put(k, software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder()
                .dataType(v.dataType()).stringValue(v.stringValue()).build()));
        return out;
    }
}
