package dev.outpost.sqs.internal;

import dev.outpost.spi.Message;
import dev.outpost.spi.TransportException;
import dev.outpost.sqs.SqsTransport;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** Sends: to a mapped topic through SNS, else to a queue; framed (or offloaded) by the payload store, then batched. */
public final class Sending {
    private final Optional<SnsAsyncClient> sns;
    private final Map<String, String> topicArns;
    private final QueueUrls urls;
    private final PayloadStore payloads;
    private final Batcher<SendMessageBatchRequestEntry> sends;
    private final Batcher<PublishBatchRequestEntry> publishes;
    /** Sends not yet in their batch: waiting for an S3 upload or a queue URL. */
    private final Set<CompletableFuture<?>> onTheirWay = ConcurrentHashMap.newKeySet();

    public Sending(Optional<SnsAsyncClient> sns, Map<String, String> topicArns, QueueUrls urls, PayloadStore payloads,
            Batcher<SendMessageBatchRequestEntry> sends, Batcher<PublishBatchRequestEntry> publishes) {
        this.sns = sns;
        this.topicArns = topicArns;
        this.urls = urls;
        this.payloads = payloads;
        this.sends = sends;
        this.publishes = publishes;
    }

    public Batcher<SendMessageBatchRequestEntry> sends() {
        return sends;
    }

    public Batcher<PublishBatchRequestEntry> publishes() {
        return publishes;
    }

    public CompletableFuture<Void> send(String destination, Message message) {
        String arn = topicArns.get(destination);
        if (arn != null) {
            if (sns.isEmpty()) {
                throw new TransportException(destination,
                        "'" + destination + "' is a topic but the transport has no SNS client: set snsClient(...)");
            }
            boolean fifo = arn.endsWith(".fifo");
            String group = groupId(message);
            return onItsWay(payloads.wire(destination, message, true).thenApply(o -> {
                PublishBatchRequestEntry.Builder e = PublishBatchRequestEntry.builder().message(o.text())
                        .messageAttributes(o.snsAttributes());
                if (fifo) { // once per send: retries of this send reuse it
                    e.messageGroupId(group).messageDeduplicationId(UUID.randomUUID().toString());
                }
                return publishes.add(arn, e.build(), o.size());
            })).thenCompose(f -> f);
        }
        CompletableFuture<String> url = urls.url(destination);
        return onItsWay(payloads.wire(destination, message, false).thenCombine(url, (o, u) -> {
            SendMessageBatchRequestEntry.Builder e = SendMessageBatchRequestEntry.builder()
                    .messageBody(o.text()).messageAttributes(o.attributes());
            if (u.endsWith(".fifo")) { // once per send: retries of this send reuse it
                e.messageGroupId(groupId(message)).messageDeduplicationId(UUID.randomUUID().toString());
            }
            return sends.add(u, e.build(), o.size());
        })).thenCompose(f -> f);
    }

    /** {@code added} (completes once the send is in its batch) tracked until then: a closing transport waits for it. */
    private <T> CompletableFuture<T> onItsWay(CompletableFuture<T> added) {
        if (!added.isDone()) {
            onTheirWay.add(added);
            added.whenComplete((r, e) -> onTheirWay.remove(added));
        }
        return added;
    }

    /** Whether a send is still on its way to its batch (an S3 upload or a queue URL look-up). */
    public boolean hasSendsOnTheirWay() {
        return !onTheirWay.isEmpty();
    }

    /**
     * Waits (bounded) until every send made so far is in its batch (or failed).
     *
     * @return false when some send had not got there in time
     */
    public boolean awaitSendsOnTheirWay(long timeoutMillis) {
        return Closing.awaitAll(List.copyOf(onTheirWay), timeoutMillis);
    }

    private static String groupId(Message m) {
        String group = m.attributes().get(SqsTransport.GROUP_ID_ATTRIBUTE);
        return group == null || group.isEmpty() ? SqsTransport.DEFAULT_GROUP_ID : group;
    }
}
