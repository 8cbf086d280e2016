package dev.outpost.sqs.internal;

import dev.outpost.Attributes;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * The copy of an unreadable message that goes to the dead-letter queue, as SQS will carry it: the
 * message's framing (so that an Outpost reader gets it back as it arrived), and beside it the
 * reason as plain String attributes. Pure: sizes are SQS's count, so whether a copy fits is known
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
    static Copy inline(byte[] body, Map<String, String> original, String detail, String source, int limit) {
        WireFormat.Frame frame = WireFormat.encode(body, original, INLINE_PLAIN);
        Copy whole = of(frame, detail, MAX_DETAIL, source, limit);
        return whole.fits() ? whole : of(frame, detail, SHORT_DETAIL, source, limit);
    }

    /** The copy whose framing is {@code frame} (a pointer's, say), with the whole detail. */
    static Copy of(WireFormat.Frame frame, String detail, String source, int limit) {
        return of(frame, detail, MAX_DETAIL, source, limit);
    }

    private static Copy of(WireFormat.Frame frame, String detail, int maxDetail, String source, int limit) {
        Map<String, String> all = new LinkedHashMap<>(frame.attributes());
        all.put(Attributes.REJECT_REASON, DeadLetters.UNREADABLE);
        String cut = detail.length() > maxDetail ? detail.substring(0, maxDetail - 3) + "..." : detail;
        all.put(Attributes.REJECT_DETAIL, cut.isEmpty() ? "-" : cut);
        all.put(Attributes.SOURCE, source.isEmpty() ? "-" : source);
        WireFormat.Frame whole = new WireFormat.Frame(frame.body(), all);
        return new Copy(whole.body(), Wire.sqsAttributes(whole.attributes()), Wire.bytes(whole), limit);
    }
}
