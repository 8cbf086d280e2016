package dev.outpost.sqs.internal;

import dev.outpost.Attributes;
import dev.outpost.spi.TransportException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Unreadable messages: moved, exactly as they arrived (body and attributes, binary ones too), to the dead-letter
 * queue with the reason in plain SQS String attributes that any SQS reader sees
 * ({@value Attributes#REJECT_REASON}, {@value Attributes#REJECT_DETAIL}, {@value Attributes#SOURCE}),
 * then deleted from their queue.
 *
 * <p>A copy that would pass the queue limit ({@code maxQueueMessageBytes}: a body near it, plus the
 * reason) is sent with its detail cut short, else with its body in S3 as a large payload is (when a
 * bucket is configured). When
 * nothing makes it fit, the message stays where it is and is reported once: with a redrive policy
 * on its queue, SQS moves it unchanged after {@code maxReceiveCount} receives (its visibility is
 * left alone, so that happens soon); without one, each receive hides it for SQS's longest
 * visibility (12 h), until the queue's retention ends it.
 */
public final class DeadLetters {
    /** The {@value Attributes#REJECT_REASON} of messages the transport cannot read. */
    public static final String UNREADABLE = "unreadable";
    /** SQS's longest visibility timeout, for a message that cannot be dead-lettered nor read. */
    static final int PARKED_SECONDS = 43_200;
    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
    private static final Pattern TARGET = Pattern.compile("\"deadLetterTargetArn\"\\s*:\\s*\"([^\"]{1,256})\"");
    private static final Set<String> REASON_NAMES = Set.of(Attributes.REJECT_REASON, Attributes.REJECT_DETAIL, Attributes.SOURCE);
    private static final int REPORTED = 1024;

    private final SqsAsyncClient sqs;
    private final QueueUrls urls;
    private final Optional<String> configured;
    private final PayloadStore payloads;
    private final Batcher<String> deletes;
    private final Batcher<ChangeMessageVisibilityBatchRequestEntry> visibility;
    private final Map<String, CompletableFuture<Optional<String>>> redriveTargets = new ConcurrentHashMap<>();
    /**
     * Messages already reported as not dead-lettered (too large, or the send failed): each is logged once (the most
     * recent {@value #REPORTED}).
     */
    private final Set<String> reported = Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REPORTED;
        }
    }));

    /**
     * @param configured the dead-letter destination (logical name, queue name, URL or ARN), if any;
     *     without it, the source queue's redrive target
     */
    public DeadLetters(SqsAsyncClient sqs, QueueUrls urls, Optional<String> configured, PayloadStore payloads, Batcher<String> deletes,
            Batcher<ChangeMessageVisibilityBatchRequestEntry> visibility) {
        this.sqs = sqs;
        this.urls = urls;
        this.configured = configured;
        this.payloads = payloads;
        this.deletes = deletes;
        this.visibility = visibility;
    }

    /**
     * Moves {@code in} to the dead-letter queue, then deletes it. Asynchronous: the receive does not wait. Completes
     * once the delete is in its batch (or the move failed, or the message is kept): a closing transport waits for that.
     */
    CompletableFuture<?> setAside(String source, String url, Incoming in) {
        String id = in.raw.messageId();
        String shown = Failures.printable(id, 100); // the server's: not quoted as it is in a log line
        // the copy is framed so that an Outpost reader gets the message back as it arrived (a pointer as
        // text, not followed), and the reason travels beside the framing as plain attributes any SQS reader sees
        Map<String, String> original = new LinkedHashMap<>(in.rawAttributes);
        original.keySet().removeAll(REASON_NAMES);
        byte[] body = in.rawBody.getBytes(StandardCharsets.UTF_8);
        Map<String, MessageAttributeValue> binary = DeadLetterCopy.keptBinary(in.binaryAttributes, REASON_NAMES);
        if (binary.size() < in.binaryAttributes.size()) {
            log.warn("Message {} on '{}': {} of its {} binary attributes are left out of its dead-letter copy (it carries {}, "
                    + "the first by name, none named as the reason's or the framing's attributes)", shown, source,
                    in.binaryAttributes.size() - binary.size(), in.binaryAttributes.size(), DeadLetterCopy.MAX_BINARY);
        }
        DeadLetterCopy.Copy inline = DeadLetterCopy.inline(body, original, binary, in.unreadable, source, payloads.maxQueueBytes());
        Supplier<CompletableFuture<DeadLetterCopy.Copy>> copy = () -> CompletableFuture.completedFuture(inline);
        if (!inline.fits()) {
            // the body in S3, as a large payload goes: deleted when an Outpost reader acks the copy, else by the lifecycle rule
            Optional<PayloadStore.Offload> offload = payloads.plan(body, original, false,
                    DeadLetterCopy.plain(DeadLetterCopy.POINTER_PLAIN, binary));
            Optional<DeadLetterCopy.Copy> pointer = offload
                    .map(o -> DeadLetterCopy.of(o.pointer(), binary, in.unreadable, source, payloads.maxQueueBytes()))
                    .filter(DeadLetterCopy.Copy::fits);
            if (pointer.isEmpty()) {
                return keep(source, url, in, inline.size(), offload.isPresent() ? "even with its body in S3 (the attributes alone "
                        + "are too large)" : "and the transport has no S3 bucket to put its body in");
            }
            copy = () -> payloads.upload(source, offload.get(), body).thenApply(v -> pointer.get());
        }
        Supplier<CompletableFuture<DeadLetterCopy.Copy>> ready = copy;
        CompletableFuture<CompletableFuture<Void>> inItsBatch = target(source, url).thenCompose(dlq -> {
            if (dlq.isEmpty()) {
                throw new CompletionException(new TransportException(source, "no dead-letter queue: set outpost.sqs.dead-letter "
                        + "or deadLetter(...) on the transport, or give '" + source + "' a redrive policy"));
            }
            String to = dlq.get();
            return ready.get().thenCompose(c -> sqs.sendMessage(r -> {
                r.queueUrl(to).messageBody(c.body()).messageAttributes(c.attributes());
                if (to.endsWith(".fifo")) {
                    r.messageGroupId(UNREADABLE).messageDeduplicationId(id);
                }
            }));
        }).thenApply(v -> deletes.add(url, in.raw.receiptHandle(), 0));
        inItsBatch.thenCompose(f -> f).whenComplete((v, e) -> {
            if (e == null) {
                log.warn("Message {} on '{}' could not be read ({}): moved to the dead-letter queue{}", shown, source, in.unreadable,
                        inline.fits() ? "" : " (its body in S3: the copy with the reason is over the queue limit)");
            } else {
                // it comes back at each receive: an error once per message, not once per receive
                String why = Failures.fail(source, urls.describe(source), "dead-lettering from", e).getMessage();
                if (reported.add(id)) {
                    log.error("Message {} on '{}' could not be read ({}) nor dead-lettered, it stays on its queue: {}", shown,
                            source, in.unreadable, why);
                } else {
                    log.debug("Message {} on '{}' could not be read ({}) nor dead-lettered again (reported before): {}", shown,
                            source, in.unreadable, why);
                }
            }
        });
        return inItsBatch;
    }

    /**
     * A message whose copy fits in no way: left on its queue, reported once. Its queue's redrive policy, if any, ends
     * it soonest (SQS moves it unchanged); without one, it is hidden for the longest SQS allows at each receive.
     */
    private CompletableFuture<?> keep(String source, String url, Incoming in, int size, String why) {
        String id = in.raw.messageId();
        String shown = Failures.printable(id, 100);
        boolean first = reported.add(id);
        return redrive(url).whenComplete((dlq, e) -> {
            if (e != null) { // not known: left as it is, and looked up again at its next receive
                log.debug("Message {} on '{}': redrive policy look-up failed: {}", shown, source, Failures.printable(e, Failures.MAX_REMOTE));
                return;
            }
            if (dlq.isEmpty()) {
                visibility.add(url, ChangeMessageVisibilityBatchRequestEntry.builder().receiptHandle(in.raw.receiptHandle())
                        .visibilityTimeout(PARKED_SECONDS).build(), 0);
            }
            String what = "Message {} on '{}' could not be read ({}) nor dead-lettered: its copy with the reason would be {} bytes, "
                    + "over the transport's " + payloads.maxQueueBytes() + " (maxQueueMessageBytes), " + why + ". ";
            if (!first) {
                log.debug(what + "Left on its queue (reported before).", shown, source, in.unreadable, size);
            } else if (dlq.isPresent()) {
                log.warn(what + "Left to the queue's redrive policy, which moves it unchanged (without the reason) to its "
                        + "dead-letter queue after maxReceiveCount receives. To dead-letter such messages with their reason, "
                        + "configure largePayloads(...) on the transport.", shown, source, in.unreadable, size);
            } else {
                log.error(what + "It stays on '{}', hidden for 12 h at each receive, until the queue's retention period deletes "
                        + "it: give the queue a redrive policy (SQS then moves it unchanged), or configure largePayloads(...) on "
                        + "the transport, or move it yourself.", shown, source, in.unreadable, size, source);
            }
        });
    }

    /** The configured destination's URL, else the source queue's redrive target's, looked up once. */
    private CompletableFuture<Optional<String>> target(String source, String url) {
        if (configured.isPresent()) {
            return urls.url(configured.get()).thenApply(Optional::of);
        }
        return redrive(url);
    }

    /** The URL of the source queue's redrive target (empty: no redrive policy), looked up once. */
    private CompletableFuture<Optional<String>> redrive(String url) {
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
