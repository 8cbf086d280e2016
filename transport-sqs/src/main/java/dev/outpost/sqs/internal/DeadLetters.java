package dev.outpost.sqs.internal;

import dev.outpost.Attributes;
import dev.outpost.spi.TransportException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Unreadable messages: moved, exactly as they arrived (body and attributes), to the dead-letter
 * queue with the reason in plain SQS String attributes that any SQS reader sees
 * ({@value Attributes#REJECT_REASON}, {@value Attributes#REJECT_DETAIL}, {@value Attributes#SOURCE}),
 * then deleted from their queue.
 */
public final class DeadLetters {
    /** The {@value Attributes#REJECT_REASON} of messages the transport cannot read. */
    public static final String UNREADABLE = "unreadable";
    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
    private static final Pattern TARGET = Pattern.compile("\"deadLetterTargetArn\"\\s*:\\s*\"([^\"]{1,256})\"");
    private static final java.util.Set<String> REASON_NAMES = java.util.Set.of(Attributes.REJECT_REASON, Attributes.REJECT_DETAIL,
            Attributes.SOURCE);

    private final SqsAsyncClient sqs;
    private final QueueUrls urls;
    private final Optional<String> configured;
    private final Batcher<String> deletes;
    private final Map<String, CompletableFuture<Optional<String>>> redriveTargets = new ConcurrentHashMap<>();

    /**
     * @param configured the dead-letter destination (logical name, queue name, URL or ARN), if any;
     *     without it, the source queue's redrive target
     */
    public DeadLetters(SqsAsyncClient sqs, QueueUrls urls, Optional<String> configured, Batcher<String> deletes) {
        this.sqs = sqs;
        this.urls = urls;
        this.configured = configured;
        this.deletes = deletes;
    }

    /** Moves {@code in} to the dead-letter queue, then deletes it. Asynchronous: the receive does not wait. */
    void setAside(String source, String url, Incoming in) {
        String id = in.raw.messageId();
        // the copy is framed so that an Outpost reader gets the message back as it arrived (a pointer as
        // text, not followed), and the reason travels beside the framing as plain attributes any SQS reader sees
        Map<String, String> original = new LinkedHashMap<>(in.rawAttributes);
        original.keySet().removeAll(REASON_NAMES);
        WireFormat.Frame frame = WireFormat.encode(in.raw.body().getBytes(StandardCharsets.UTF_8), original, 6);
        Map<String, MessageAttributeValue> attrs = new LinkedHashMap<>(Wire.sqsAttributes(frame.attributes()));
        attrs.put(Attributes.REJECT_REASON, string(UNREADABLE));
        attrs.put(Attributes.REJECT_DETAIL, string(in.unreadable));
        attrs.put(Attributes.SOURCE, string(source));
        target(source, url).thenCompose(dlq -> {
            if (dlq.isEmpty()) {
                throw new CompletionException(new TransportException(source, "no dead-letter queue: set outpost.sqs.dead-letter "
                        + "or deadLetter(...) on the transport, or give '" + source + "' a redrive policy"));
            }
            String to = dlq.get();
            return sqs.sendMessage(r -> {
                r.queueUrl(to).messageBody(frame.body()).messageAttributes(attrs);
                if (to.endsWith(".fifo")) {
                    r.messageGroupId(UNREADABLE).messageDeduplicationId(id);
                }
            });
        }).thenCompose(v -> deletes.add(url, in.raw.receiptHandle(), 0)).whenComplete((v, e) -> {
            if (e == null) {
                log.warn("Message {} on '{}' could not be read ({}): moved to the dead-letter queue", id, source, in.unreadable);
            } else {
                log.error("Message {} on '{}' could not be read ({}) nor dead-lettered, it stays on its queue: {}", id, source,
                        in.unreadable, Failures.fail(source, urls.describe(source), "dead-lettering from", e).getMessage());
            }
        });
    }

    private static MessageAttributeValue string(String v) {
        return MessageAttributeValue.builder().dataType("String").stringValue(v.isEmpty() ? "-" : v).build();
    }

    /** The configured destination's URL, else the source queue's redrive target's, looked up once. */
    private CompletableFuture<Optional<String>> target(String source, String url) {
        if (configured.isPresent()) {
            return urls.url(configured.get()).thenApply(Optional::of);
        }
        CompletableFuture<Optional<String>> found = redriveTargets.computeIfAbsent(url, this::redriveTarget);
        found.whenComplete((v, e) -> {
            if (e != null) {
                redriveTargets.remove(url, found); // look again next time
            }
        });
        return found;
    }

    private CompletableFuture<Optional<String>> redriveTarget(String url) {
        try {
            return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.REDRIVE_POLICY)).thenCompose(resp -> {
                String policy = resp.attributes().get(QueueAttributeName.REDRIVE_POLICY);
                Matcher m = policy == null ? null : TARGET.matcher(policy);
                if (m == null || !m.find()) {
                    return CompletableFuture.completedFuture(Optional.<String>empty());
                }
                return urls.url(m.group(1)).thenApply(Optional::of);
            });
        } catch (Throwable e) { // the client is the user's: a failed look-up, not a receive that throws and strands its batch
            return CompletableFuture.failedFuture(e);
        }
    }
}
