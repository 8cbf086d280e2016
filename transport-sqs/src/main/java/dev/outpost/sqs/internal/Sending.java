package dev.outpost.sqs.internal;

import dev.outpost.spi.Message;
import dev.outpost.spi.TransportException;
import dev.outpost.sqs.SqsTransport;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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
            return payloads.wire(destination, message, true).thenCompose(o -> {
                PublishBatchRequestEntry.Builder e = PublishBatchRequestEntry.builder().message(o.text())
                        .messageAttributes(o.snsAttributes());
                if (fifo) { // once per send: retries of this send reuse it
                    e.messageGroupId(group).messageDeduplicationId(UUID.randomUUID().toString());
                }
                return publishes.add(arn, e.build(), o.size());
            });
        }
        CompletableFuture<String> url = urls.url(destination);
        return payloads.wire(destination, message, false).thenCombine(url, (o, u) -> {
            SendMessageBatchRequestEntry.Builder e = SendMessageBatchRequestEntry.builder()
                    .messageBody(o.text()).messageAttributes(o.attributes());
            if (u.endsWith(".fifo")) { // once per send: retries of this send reuse it
                e.messageGroupId(groupId(message)).messageDeduplicationId(UUID.randomUUID().toString());
            }
            return sends.add(u, e.build(), o.size());
        }).thenCompose(f -> f);
    }

    private static String groupId(Message m) {
        String group = m.attributes().get(SqsTransport.GROUP_ID_ATTRIBUTE);
        return group == null || group.isEmpty() ? SqsTransport.DEFAULT_GROUP_ID : group;
    }
}
