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

    /** A copy: its SQS body and attributes, and their size as SQS counts it. */
    record Copy(String body, Map<String, MessageAttributeValue> attributes, int size) {
        boolean fits() {
            return size <= PayloadStore.SQS_MAX_BYTES;
        }
    }

    private DeadLetterCopy() {}

    /**
     * The copy with the body in it: with the whole detail (up to {@value #MAX_DETAIL} characters) when that fits,
     * else with the detail cut to {@value #SHORT_DETAIL}; {@link Copy#fits()} says whether even that does.
     */
    static Copy inline(byte[] body, Map<String, String> original, String detail, String source) {
        WireFormat.Frame frame = WireFormat.encode(body, original, INLINE_PLAIN);
        Copy whole = of(frame, detail, MAX_DETAIL, source);
        return whole.fits() ? whole : of(frame, detail, SHORT_DETAIL, source);
    }

    /** The copy whose framing is {@code frame} (a pointer's, say), with the whole detail. */
    static Copy of(WireFormat.Frame frame, String detail, String source) {
        return of(frame, detail, MAX_DETAIL, source);
    }

    private static Copy of(WireFormat.Frame frame, String detail, int maxDetail, String source) {
        Map<String, String> all = new LinkedHashMap<>(frame.attributes());
        all.put(Attributes.REJECT_REASON, DeadLetters.UNREADABLE);
        String cut = detail.length() > maxDetail ? detail.substring(0, maxDetail - 3) + "..." : detail;
        all.put(Attributes.REJECT_DETAIL, cut.isEmpty() ? "-" : cut);
        all.put(Attributes.SOURCE, source.isEmpty() ? "-" : source);
        WireFormat.Frame whole = new WireFormat.Frame(frame.body(), all);
        return new Copy(whole.body(), Wire.sqsAttributes(whole.attributes()), Wire.bytes(whole));
    }
}
