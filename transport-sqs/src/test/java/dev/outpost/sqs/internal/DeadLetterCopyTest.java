package dev.outpost.sqs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Attributes;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A dead-letter copy just over SQS's limit with its whole detail is sent with the detail cut short, when that fits. */
class DeadLetterCopyTest {
    static final String DETAIL = "d".repeat(200);
    static final Map<String, String> ORIGINAL = Map.of("outpost-body-encoding", "rot13");

    private static byte[] body(int length) {
        return "x".repeat(length).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aCopyOverTheLimitByLessThanTheDetailCutGoesWithAShortDetail() {
        int base = DeadLetterCopy.inline(body(1000), ORIGINAL, DETAIL, "requests", PayloadStore.SQS_MAX_BYTES).size();
        int length = 1000 + PayloadStore.SQS_MAX_BYTES - base + 50; // the whole detail: 50 bytes over
        DeadLetterCopy.Copy copy = DeadLetterCopy.inline(body(length), ORIGINAL, DETAIL, "requests", PayloadStore.SQS_MAX_BYTES);
        assertThat(copy.fits()).isTrue();
        assertThat(copy.attributes().get(Attributes.REJECT_DETAIL).stringValue())
                .hasSize(DeadLetterCopy.SHORT_DETAIL).startsWith("ddd").endsWith("...");
        assertThat(copy.size()).isLessThanOrEqualTo(PayloadStore.SQS_MAX_BYTES);

        DeadLetterCopy.Copy fitting = DeadLetterCopy.inline(body(length - 50), ORIGINAL, DETAIL, "requests",
                PayloadStore.SQS_MAX_BYTES);
        assertThat(fitting.attributes().get(Attributes.REJECT_DETAIL).stringValue()).as("the whole detail when it fits")
                .isEqualTo(DETAIL);
        assertThat(DeadLetterCopy.inline(body(length + 200), ORIGINAL, DETAIL, "requests", PayloadStore.SQS_MAX_BYTES).fits())
                .isFalse();
    }

    @Test
    void aCopyFitsTheQueueLimitItIsGiven() {
        byte[] body = body(600 * 1024);
        assertThat(DeadLetterCopy.inline(body, ORIGINAL, DETAIL, "requests", PayloadStore.SQS_MAX_BYTES).fits()).isFalse();
        DeadLetterCopy.Copy raised = DeadLetterCopy.inline(body, ORIGINAL, DETAIL, "requests", PayloadStore.AWS_SQS_MAX_BYTES);
        assertThat(raised.fits()).isTrue();
        assertThat(raised.attributes().get(Attributes.REJECT_DETAIL).stringValue()).isEqualTo(DETAIL);
    }

    /** A copy's binary attributes count as SQS counts them (name, type, bytes): a copy they take over the limit does not fit. */
    @Test
    void binaryAttributesCountTowardsTheCopysSize() {
        Map<String, software.amazon.awssdk.services.sqs.model.MessageAttributeValue> binary = Map.of("blob",
                software.amazon.awssdk.services.sqs.model.MessageAttributeValue.builder().dataType("Binary")
                        .binaryValue(software.amazon.awssdk.core.SdkBytes.fromByteArray(new byte[1000])).build());
        DeadLetterCopy.Copy without = DeadLetterCopy.inline(body(1000), ORIGINAL, DETAIL, "requests", PayloadStore.SQS_MAX_BYTES);
        DeadLetterCopy.Copy with = DeadLetterCopy.inline(body(1000), ORIGINAL, binary, DETAIL, "requests", PayloadStore.SQS_MAX_BYTES);
        assertThat(with.size() - without.size()).isEqualTo("blob".length() + "Binary".length() + 1000);
        assertThat(with.attributes().get("blob").binaryValue().asByteArray()).hasSize(1000);
        int nearLimit = PayloadStore.SQS_MAX_BYTES - without.size() + 1000 - 500;
        assertThat(DeadLetterCopy.inline(body(nearLimit), ORIGINAL, DETAIL, "requests", PayloadStore.SQS_MAX_BYTES).fits()).isTrue();
        assertThat(DeadLetterCopy.inline(body(nearLimit), ORIGINAL, binary, DETAIL, "requests", PayloadStore.SQS_MAX_BYTES).fits())
                .as("the binary attribute takes it over, even with the detail cut").isFalse();
    }
}
