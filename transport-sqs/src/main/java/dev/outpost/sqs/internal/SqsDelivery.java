package dev.outpost.sqs.internal;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.sqs.internal.WireFormat.S3Pointer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;

/** A received SQS message: ack deletes it (and the payload this transport wrote for it), retry and extend change its visibility. */
final class SqsDelivery implements Delivery {
    /** What deliveries do through their transport: batched deletes and visibility changes, payload deletion. */
    record Actions(Batcher<String> deletes, Batcher<ChangeMessageVisibilityBatchRequestEntry> visibility, PayloadStore payloads) {}

    private final Actions actions;
    private final String source;
    private final String url;
    private final String messageId;
    private final String receipt;
    private final int receiveCount;
    private final Message message;
    private final Optional<S3Pointer> deleteOnAck;

    SqsDelivery(Actions actions, String source, String url, String messageId, String receipt, int receiveCount, Message message,
            Optional<S3Pointer> deleteOnAck) {
        this.actions = actions;
        this.source = source;
        this.url = url;
        this.messageId = messageId;
        this.receipt = receipt;
        this.receiveCount = receiveCount;
        this.message = message;
        this.deleteOnAck = deleteOnAck;
    }

    @Override
    public String id() {
        return messageId + "#" + receiveCount;
    }

    @Override
    public String messageId() {
        return messageId;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public Message message() {
        return message;
    }

    @Override
    public int receiveCount() {
        return receiveCount;
    }

    @Override
    public CompletableFuture<Void> ack() {
        CompletableFuture<Void> deleted = actions.deletes().add(url, receipt, 0);
        if (deleteOnAck.isEmpty()) {
            return deleted;
        }
        S3Pointer p = deleteOnAck.get();
        return deleted.thenCompose(v -> actions.payloads().delete(p, messageId, source));
    }

    @Override
    public CompletableFuture<Void> retry(Duration delay) {
        return changeVisibility(delay);
    }

    @Override
    public CompletableFuture<Void> extend(Duration visibilityTimeout) {
        return changeVisibility(visibilityTimeout);
    }

    private CompletableFuture<Void> changeVisibility(Duration d) {
        if (d.isNegative()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("must not be negative: " + d));
        }
        // SQS's longest is 12 h; compared first, since a huge Duration has no long of milliseconds
        int seconds = d.compareTo(Duration.ofHours(12)) >= 0 ? 43_200 : (int) ((d.toMillis() + 999) / 1000);
        return actions.visibility().add(url, ChangeMessageVisibilityBatchRequestEntry.builder().receiptHandle(receipt)
                .visibilityTimeout(seconds).build(), 0);
    }

    @Override
    public String toString() {
        return "SqsDelivery[" + source + " " + messageId + ", receiveCount=" + receiveCount + "]";
    }
}
