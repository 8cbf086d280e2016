package dev.outpost.sqs.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** A received message on its way to becoming a delivery, or to the dead-letter queue. */
public final class Incoming {
    final Message raw;
    /** The body as received; a message without one (SQS sends none such, a broken server might) has "" here. */
    final String rawBody;
    /** The string attributes as received, framing included (a Number attribute's too, as its text). */
    final Map<String, String> rawAttributes;
    /**
     * The binary attributes as received (only a foreign sender sets them), by name: not handed on (a message's
     * attributes are strings), kept in a dead-letter copy.
     */
    final Map<String, MessageAttributeValue> binaryAttributes;
    /** SQS's {@code ApproximateReceiveCount}: 1 on the first receive (and when SQS did not say); past int, the most an int holds. */
    final int receiveCount;
    Map<String, String> attributes = Map.of();
    byte[] body;
    Optional<WireFormat.S3Pointer> pointer = Optional.empty();
    Optional<String> token = Optional.empty();
    /** The payload to delete on ack: set only once S3 confirmed this transport wrote it for this message. */
    Optional<WireFormat.S3Pointer> deleteOnAck = Optional.empty();
    /** The payload's read, once started: set by the receive's thread, cancelled by a close's. */
    volatile CompletableFuture<CappedRead.Result> fetch;
    String unreadable;

    Incoming(Message raw) {
        this.raw = raw;
        this.rawBody = raw.body() == null ? "" : raw.body();
        this.receiveCount = receiveCount(raw);
        Map<String, software.amazon.awssdk.services.sqs.model.MessageAttributeValue> attrs = raw.messageAttributes();
        if (attrs.isEmpty()) {
            rawAttributes = Map.of();
            binaryAttributes = Map.of();
        } else {
            rawAttributes = new LinkedHashMap<>();
            Map<String, MessageAttributeValue> binary = new TreeMap<>();
            attrs.forEach((k, v) -> {
                if (v.stringValue() != null) {
                    rawAttributes.put(k, v.stringValue());
                } else if (v.binaryValue() != null) {
                    binary.put(k, v);
                }
            });
            binaryAttributes = binary.isEmpty() ? Map.of() : binary;
        }
    }

    private static int receiveCount(Message m) {
        String n = m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
        if (n == null) {
            return 1;
        }
        try {
            return Math.max(1, Integer.parseInt(n));
        } catch (NumberFormatException e) {
            // digits past int are a count past every limit: taken for a first receive, the message would never run out
            return !n.isEmpty() && n.chars().allMatch(c -> c >= '0' && c <= '9') ? Integer.MAX_VALUE : 1;
        }
    }

    void unreadable(String reason) {
        unreadable = reason;
        body = null;
    }
}
