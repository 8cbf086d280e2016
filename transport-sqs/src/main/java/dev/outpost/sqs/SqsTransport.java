package dev.outpost.sqs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.Attributes;
import dev.outpost.RejectReason;
import dev.outpost.ConfigException;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.Transport;
import dev.outpost.spi.NoSuchDestinationException;
import dev.outpost.spi.TransportException;
import dev.outpost.sqs.internal.Batcher;
import dev.outpost.sqs.internal.WireFormat;
import dev.outpost.sqs.internal.WireFormat.S3Pointer;
import dev.outpost.sqs.internal.WireFormatException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;
import software.amazon.awssdk.services.sns.model.PublishBatchResultEntry;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * A {@link Transport} on Amazon SQS (and SNS for topics, S3 for payloads over SQS's limit), on
 * the AWS SDK for Java v2's async clients.
 *
 * <ul>
 *   <li><b>Names.</b> Logical destinations map to queues (by name or URL) and topics (by ARN)
 *       through {@link Builder#queue} and {@link Builder#topic}; an unmapped name is taken as a
 *       queue name. Queues given to the builder are looked up when it builds: a missing one fails
 *       at start with a message naming it.
 *   <li><b>Batching.</b> Sends, acks (deletes) and visibility changes are grouped per queue into
 *       {@code SendMessageBatch}, {@code DeleteMessageBatch} and
 *       {@code ChangeMessageVisibilityBatch} calls of up to 10 entries, and topic sends per topic
 *       into SNS {@code PublishBatch} calls, sent when full (10 entries or 256 KiB) or a few
 *       milliseconds after their first entry; entries that fail inside a batch are retried one by one.
 *   <li><b>FIFO.</b> On FIFO queues and topics a message's group is its {@value #GROUP_ID_ATTRIBUTE}
 *       attribute (default {@value #DEFAULT_GROUP_ID}). Its deduplication id is random, drawn once
 *       per {@link #send} call: the transport's own retries of that send are deduplicated, two
 *       sends are always two messages (a broadcast's responses carry the same request id and must
 *       all arrive). Suppressing repeated requests is the worker's job, not the transport's.
 *   <li><b>Bodies.</b> Text bodies travel as they are; bodies SQS cannot carry as text (binary,
 *       empty) travel base64-encoded, flagged by an attribute (see {@code internal.WireFormat}).
 *   <li><b>Large payloads.</b> Bodies over SQS's 256 KiB go to S3 when a bucket is configured
 *       ({@link Builder#largePayloads}), as a pointer in the format of AWS's SQS extended client.
 *       A payload sent to a queue ({@code <prefix><uuid>}) is deleted when its message is acked;
 *       a payload sent to a topic ({@code <prefix>shared/<uuid>}) is one object that every
 *       subscribed queue points to, so no ack deletes it: expire it with a lifecycle rule
 *       ({@link SqsProvisioner#expirePayloads}). Only pointers into the transport's own bucket and
 *       prefix, or into locations given to {@link Builder#acceptPayloadsFrom}, are followed;
 *       objects in the latter are never deleted.
 *   <li><b>Unreadable messages.</b> A message whose framing cannot be undone (an unknown body
 *       encoding, bad base64, a broken packed attribute or SNS envelope, a malformed, refused or
 *       dangling S3 pointer) never fails a receive: the transport moves it, exactly as it arrived,
 *       to a dead-letter queue with the reason ({@link #UNREADABLE}, in the attributes a worker's
 *       dead-letter copies carry), and deletes it.
 *       The dead-letter queue is {@link Builder#deadLetter}'s, or else the source queue's own
 *       (its redrive policy, as {@link SqsProvisioner#queueWithDeadLetter} sets). With neither,
 *       the message stays on its queue (logged), and SQS's redrive or retention ends it.
 *   <li><b>SNS.</b> Deliveries wrapped in an SNS envelope (raw delivery off) are unwrapped.
 *   <li><b>Faults.</b> Throttling and 5xx answers are retried by the SDK's standard retry policy;
 *       other failures complete the returned futures with a {@link TransportException}.
 *   <li><b>Credentials</b> come only from the SDK clients you pass (by default the SDK's default
 *       provider chain: environment, profile, instance profile); Outpost holds no key material.
 * </ul>
 */
public final class SqsTransport implements Transport {
    /** SQS's largest message, body and attributes together. */
    public static final int SQS_MAX_BYTES = 256 * 1024;
    /** Default wait between a batch's first entry and its sending. */
    public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);
    /** The attribute that chooses a message's group on FIFO queues and topics. */
    public static final String GROUP_ID_ATTRIBUTE = "outpost-group-id";
    /** The group of messages sent to a FIFO queue or topic without {@value #GROUP_ID_ATTRIBUTE}. */
    public static final String DEFAULT_GROUP_ID = "outpost";
    /** Default key prefix of offloaded payloads. */
    public static final String DEFAULT_PAYLOAD_PREFIX = "outpost/";
    /**
     * The reason on messages the transport dead-letters itself because it cannot read their framing
     * ({@value Attributes#REJECT_REASON} {@code = unreadable}; {@value Attributes#REJECT_DETAIL} says
     * what is wrong, {@value Attributes#SOURCE} where it was received).
     */
    public static final RejectReason UNREADABLE = RejectReason.of("unreadable", false);
    /** The key segment of payloads sent to topics, which no ack deletes. */
    static final String SHARED_SEGMENT = "shared/";
    private static final Logger log = LoggerFactory.getLogger(SqsTransport.class);
    private static final ObjectMapper JSON = dev.outpost.Json.newMapper();
    private static final Pattern UUID_KEY = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final SqsAsyncClient sqs;
    private final Optional<SnsAsyncClient> sns;
    private final Optional<S3AsyncClient> s3;
    private final Optional<String> bucket;
    private final String payloadPrefix;
    private final List<PayloadLocation> accepted;
    private final Optional<String> deadLetter;
    private final Map<String, String> queueNames;
    private final Map<String, String> topicArns;
    private final Map<String, String> urls = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Optional<String>>> deadLetterUrls = new ConcurrentHashMap<>();
    private final Map<String, long[]> depthCache = new ConcurrentHashMap<>();
    private final int maxOffloadBytes;
    private final Optional<Duration> visibilityTimeout;
    private final List<AutoCloseable> owned;
    private final ScheduledExecutorService timer;
    private final Batcher<SendMessageBatchRequestEntry> sends;
    private final Batcher<PublishBatchRequestEntry> publishes;
    private final Batcher<String> deletes;
    private final Batcher<ChangeMessageVisibilityBatchRequestEntry> visibility;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A bucket and key prefix whose objects pointers may name. */
    private record PayloadLocation(String bucket, String prefix) {
        boolean holds(S3Pointer p) {
            return bucket.equals(p.bucket()) && p.key().startsWith(prefix);
        }
    }

    private SqsTransport(Builder b) {
        this.sqs = b.sqs;
        this.sns = Optional.ofNullable(b.sns);
        this.s3 = Optional.ofNullable(b.s3);
        this.bucket = Optional.ofNullable(b.bucket);
        this.payloadPrefix = b.payloadPrefix;
        List<PayloadLocation> locations = new ArrayList<>(b.accepted);
        bucket.ifPresent(own -> locations.add(0, new PayloadLocation(own, payloadPrefix)));
        this.accepted = List.copyOf(locations);
        this.deadLetter = Optional.ofNullable(b.deadLetter);
        this.queueNames = Map.copyOf(b.queues);
        this.topicArns = Map.copyOf(b.topics);
        this.maxOffloadBytes = b.maxOffloadBytes;
        this.visibilityTimeout = Optional.ofNullable(b.visibilityTimeout);
        this.owned = List.copyOf(b.owned);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outpost-sqs-batcher");
            t.setDaemon(true);
            return t;
        });
        this.sends = new Batcher<>(10, SQS_MAX_BYTES, b.linger, timer, this::flushSends);
        this.publishes = new Batcher<>(10, SQS_MAX_BYTES, b.linger, timer, this::flushPublishes);
        this.deletes = new Batcher<>(10, Integer.MAX_VALUE, b.linger, timer, this::flushDeletes);
        this.visibility = new Batcher<>(10, Integer.MAX_VALUE, b.linger, timer, this::flushVisibility);
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ sending

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        try {
            ensureOpen(destination);
            String group = groupId(message);
            String dedup = UUID.randomUUID().toString(); // once per send: retries of this send reuse it
            String arn = topicArns.get(destination);
            if (arn != null) {
                if (sns.isEmpty()) {
                    throw new TransportException(destination,
                            "'" + destination + "' is a topic but the transport has no SNS client: set snsClient(...)");
                }
                return wire(destination, message, true).thenCompose(o -> {
                    PublishBatchRequestEntry.Builder e = PublishBatchRequestEntry.builder().message(o.text)
                            .messageAttributes(snsAttributes(o.attributes));
                    if (arn.endsWith(".fifo")) {
                        e.messageGroupId(group).messageDeduplicationId(dedup);
                    }
                    return publishes.add(arn, e.build(), o.size);
                });
            }
            String url = url(destination);
            return wire(destination, message, false).thenCompose(o -> {
                SendMessageBatchRequestEntry.Builder e = SendMessageBatchRequestEntry.builder()
                        .messageBody(o.text).messageAttributes(o.attributes);
                if (url.endsWith(".fifo")) {
                    e.messageGroupId(group).messageDeduplicationId(dedup);
                }
                return sends.add(url, e.build(), o.size);
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Map<String, software.amazon.awssdk.services.sns.model.MessageAttributeValue> snsAttributes(
            Map<String, MessageAttributeValue> sqsAttributes) {
        Map<String, software.amazon.awssdk.services.sns.model.MessageAttributeValue> out = new HashMap<>();
        sqsAttributes.forEach((k, v) -> out.put(k, software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder()
                .dataType(v.dataType()).stringValue(v.stringValue()).build()));
        return out;
    }

    /** A message ready for the wire: its text, attributes and size, after any S3 offload. */
    private record Wire(String text, Map<String, MessageAttributeValue> attributes, int size) {}

    /**
     * The message as SQS or SNS will carry it; completes after the S3 upload when the body is
     * offloaded. Throws (rather than completing exceptionally) when it cannot be sent at all.
     */
    private CompletableFuture<Wire> wire(String destination, Message message, boolean topic) {
        WireFormat.Frame frame = WireFormat.encode(message.body(), message.attributes());
        int size = frameBytes(frame);
        if (size <= SQS_MAX_BYTES) {
            return CompletableFuture.completedFuture(new Wire(frame.body(), sqsAttributes(frame), size));
        }
        if (s3.isEmpty() || bucket.isEmpty()) {
            throw new MessageTooLargeException(destination, size, SQS_MAX_BYTES);
        }
        if (message.size() > maxOffloadBytes) {
            throw new MessageTooLargeException(destination, message.size(), maxOffloadBytes);
        }
        // a topic's payload is one object every subscribed queue points to: its own segment, which no ack deletes
        S3Pointer where = new S3Pointer(bucket.get(), payloadPrefix + (topic ? SHARED_SEGMENT : "") + UUID.randomUUID());
        WireFormat.Frame pointer = WireFormat.encodePointer(where, message.size(), message.attributes());
        int pointerSize = frameBytes(pointer);
        if (pointerSize > SQS_MAX_BYTES) { // the attributes alone are too large
            throw new MessageTooLargeException(destination, pointerSize, SQS_MAX_BYTES);
        }
        return s3.get().putObject(r -> r.bucket(where.bucket()).key(where.key()), AsyncRequestBody.fromBytes(message.body()))
                .handle((r, e) -> {
                    if (e != null) {
                        throw new CompletionException(fail(destination, "offloading a large payload to S3", e));
                    }
                    return new Wire(pointer.body(), sqsAttributes(pointer), pointerSize);
                });
    }

    private static Map<String, MessageAttributeValue> sqsAttributes(WireFormat.Frame frame) {
        Map<String, MessageAttributeValue> out = new LinkedHashMap<>();
        frame.attributes().forEach((k, v) -> out.put(k, MessageAttributeValue.builder()
                .dataType(k.equals(WireFormat.EXTENDED_SIZE) ? "Number" : "String").stringValue(v).build()));
        return out;
    }

    /** SQS's count: the body, and every attribute's name, type and value. */
    private static int frameBytes(WireFormat.Frame frame) {
        int n = frame.body().getBytes(StandardCharsets.UTF_8).length;
        for (Map.Entry<String, String> e : frame.attributes().entrySet()) {
            n += e.getKey().length() + "String".length() + e.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        return n;
    }

    private static String groupId(Message m) {
        String group = m.attributes().get(GROUP_ID_ATTRIBUTE);
        return group == null || group.isEmpty() ? DEFAULT_GROUP_ID : group;
    }

    private void flushSends(String url, List<Batcher.Item<SendMessageBatchRequestEntry>> items) {
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            entries.add(items.get(i).value().toBuilder().id(Integer.toString(i)).build());
        }
        sqs.sendMessageBatch(r -> r.queueUrl(url).entries(entries)).whenComplete((resp, e) -> {
            if (e != null) {
                TransportException failure = fail(url, "sending", e);
                items.forEach(it -> it.done().completeExceptionally(failure));
                return;
            }
            resp.successful().forEach(ok -> items.get(Integer.parseInt(ok.id())).done().complete(null));
            for (BatchResultErrorEntry err : resp.failed()) {
                Batcher.Item<SendMessageBatchRequestEntry> it = items.get(Integer.parseInt(err.id()));
                SendMessageBatchRequestEntry en = it.value();
                sqs.sendMessage(r -> r.queueUrl(url).messageBody(en.messageBody()).messageAttributes(en.messageAttributes())
                        .messageGroupId(en.messageGroupId()).messageDeduplicationId(en.messageDeduplicationId()))
                        .whenComplete((r2, e2) -> complete(it, url, "sending", e2));
            }
        });
    }

    private void flushPublishes(String arn, List<Batcher.Item<PublishBatchRequestEntry>> items) {
        SnsAsyncClient client = sns.orElseThrow(); // send() refuses topics without an SNS client
        List<PublishBatchRequestEntry> entries = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            entries.add(items.get(i).value().toBuilder().id(Integer.toString(i)).build());
        }
        client.publishBatch(r -> r.topicArn(arn).publishBatchRequestEntries(entries)).whenComplete((resp, e) -> {
            if (e != null) {
                TransportException failure = fail(arn, "publishing to topic", e);
                items.forEach(it -> it.done().completeExceptionally(failure));
                return;
            }
            for (PublishBatchResultEntry ok : resp.successful()) {
                items.get(Integer.parseInt(ok.id())).done().complete(null);
            }
            for (software.amazon.awssdk.services.sns.model.BatchResultErrorEntry err : resp.failed()) {
                Batcher.Item<PublishBatchRequestEntry> it = items.get(Integer.parseInt(err.id()));
                PublishBatchRequestEntry en = it.value();
                client.publish(r -> r.topicArn(arn).message(en.message()).messageAttributes(en.messageAttributes())
                        .messageGroupId(en.messageGroupId()).messageDeduplicationId(en.messageDeduplicationId()))
                        .whenComplete((r2, e2) -> complete(it, arn, "publishing to topic", e2));
            }
        });
    }


    // ------------------------------------------------------------------ receiving

    /**
     * {@inheritDoc}
     *
     * <p>Long-polls with SQS's wait time (whole seconds, at most 20); the calling thread can be
     * interrupted while it waits, for the messages and for payloads fetched from S3. Each message
     * is read on its own: one that cannot be read is dead-lettered by the transport (see the class
     * documentation) and left out, and the others are returned. A message whose payload S3 cannot
     * serve right now (other than "no such key") is left out too: it comes back after its
     * visibility timeout.
     */
    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        if (maxMessages < 1 || maxMessages > 10) {
            throw new IllegalArgumentException("maxMessages must be 1 to 10, was " + maxMessages);
        }
        ensureOpen(source);
        String url = url(source);
        int waitSeconds = (int) Math.min(20, (wait.toMillis() + 999) / 1000);
        CompletableFuture<ReceiveMessageResponse> call = sqs.receiveMessage(r -> {
            r.queueUrl(url).maxNumberOfMessages(maxMessages).waitTimeSeconds(waitSeconds)
                    .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
            visibilityTimeout.ifPresent(v -> r.visibilityTimeout((int) v.toSeconds()));
        });
        ReceiveMessageResponse resp = await(call, source, "receive from", waitSeconds + 60L);
        List<Incoming> got = new ArrayList<>(resp.messages().size());
        for (software.amazon.awssdk.services.sqs.model.Message m : resp.messages()) {
            Incoming in = new Incoming(m);
            try {
                read(in);
            } catch (RuntimeException e) { // a bug here must not strand the rest of the batch
                log.error("Message {} on '{}' could not be read", m.messageId(), source, e);
                in.unreadable("internal-error: " + e.getClass().getSimpleName());
            }
            got.add(in);
        }
        fetchOffloaded(source, got);
        List<Delivery> out = new ArrayList<>(got.size());
        for (Incoming in : got) {
            if (in.unreadable != null) {
                setAside(source, url, in);
            } else if (in.body != null) {
                int count = receiveCount(in.raw);
                Optional<S3Pointer> deletable = in.pointer.filter(this::deletableOnAck);
                out.add(new SqsDelivery(source, url, in.raw.messageId(), in.raw.receiptHandle(), count,
                        Message.of(in.body, in.attributes), deletable));
            }
        }
        return out;
    }

    private static int receiveCount(software.amazon.awssdk.services.sqs.model.Message m) {
        try {
            return Math.max(1, Integer.parseInt(m.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1")));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** Waits for {@code call}, interruptibly, cancelling it when interrupted or out of time. */
    private static <T> T await(CompletableFuture<T> call, String source, String what, long seconds) throws InterruptedException {
        try {
            return call.get(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            call.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw fail(source, what, e.getCause());
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new TransportException(source, what + " '" + source + "' did not answer in " + seconds + " s");
        }
    }

    /** A received message on its way to becoming a delivery, or to the dead-letter queue. */
    private static final class Incoming {
        final software.amazon.awssdk.services.sqs.model.Message raw;
        /** The string attributes as received, framing included. */
        final Map<String, String> rawAttributes = new LinkedHashMap<>();
        Map<String, String> attributes = Map.of();
        byte[] body;
        Optional<S3Pointer> pointer = Optional.empty();
        CompletableFuture<ResponseBytes<GetObjectResponse>> fetch;
        String unreadable;

        Incoming(software.amazon.awssdk.services.sqs.model.Message raw) {
            this.raw = raw;
            raw.messageAttributes().forEach((k, v) -> {
                if (v.stringValue() != null) {
                    rawAttributes.put(k, v.stringValue());
                }
            });
        }

        void unreadable(String reason) {
            unreadable = reason;
            body = null;
        }
    }

    /** Undoes the framing; an offloaded body is fetched later, with the batch's other ones. */
    private void read(Incoming in) {
        WireFormat.Decoded decoded;
        try {
            decoded = WireFormat.decode(in.raw.body(), in.rawAttributes);
        } catch (WireFormatException e) {
            in.unreadable(e.getMessage());
            return;
        }
        in.attributes = decoded.attributes();
        if (decoded instanceof WireFormat.Inline inline) {
            in.body = inline.body();
            return;
        }
        S3Pointer p = ((WireFormat.Offloaded) decoded).pointer();
        if (!accepted(p)) {
            // a forged pointer would make this transport read, dead-letter a copy of and delete whatever its role reaches
            in.unreadable("S3 pointer outside the payload locations this transport accepts");
        } else if (s3.isEmpty()) {
            in.unreadable("S3 pointer, but the transport has no S3 client: set largePayloads(...) or s3Client(...)");
        } else {
            in.pointer = Optional.of(p);
        }
    }

    private boolean accepted(S3Pointer p) {
        // S3 keys are literal, but ".." segments are where URL handling could differ between S3 and a proxy
        for (String segment : p.key().split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return accepted.stream().anyMatch(l -> l.holds(p));
    }

    /** Only objects this transport wrote for one queue: a shared (topic) payload or another writer's object stays. */
    private boolean deletableOnAck(S3Pointer p) {
        return bucket.isPresent() && bucket.get().equals(p.bucket()) && p.key().startsWith(payloadPrefix)
                && UUID_KEY.matcher(p.key().substring(payloadPrefix.length())).matches();
    }

    /** Reads the payloads of a receive's offloaded messages from S3, all at once, each bounded by the offload limit. */
    private void fetchOffloaded(String source, List<Incoming> got) throws InterruptedException {
        List<CompletableFuture<?>> fetches = new ArrayList<>();
        for (Incoming in : got) {
            if (in.pointer.isPresent() && in.unreadable == null) {
                S3Pointer p = in.pointer.get();
                in.fetch = s3.orElseThrow().getObject(r -> r.bucket(p.bucket()).key(p.key()).range("bytes=0-" + maxOffloadBytes),
                        AsyncResponseTransformer.toBytes());
                fetches.add(in.fetch);
            }
        }
        if (fetches.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            fetches.forEach(f -> f.cancel(true));
            throw e;
        } catch (ExecutionException | TimeoutException e) {
            // judged one by one below
        }
        for (Incoming in : got) {
            if (in.fetch == null) {
                continue;
            }
            in.fetch.cancel(true); // no effect on those that completed
            S3Pointer p = in.pointer.orElseThrow();
            try {
                byte[] body = in.fetch.join().asByteArray();
                if (body.length > maxOffloadBytes) {
                    in.unreadable("S3 payload over the transport's limit of " + maxOffloadBytes + " bytes");
                } else {
                    in.body = body;
                }
            } catch (CompletionException | CancellationException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (cause instanceof S3Exception s && s.statusCode() == 404) {
                    in.unreadable("dangling S3 pointer: the payload does not exist");
                } else if (cause instanceof S3Exception s && s.statusCode() == 416) {
                    in.body = new byte[0]; // a range of an empty object
                } else {
                    log.warn("Message {} on '{}' comes back after its visibility timeout: its payload {} could not be read: {}",
                            in.raw.messageId(), source, p, cause.toString());
                }
            }
        }
    }

    /**
     * Moves an unreadable message, as it arrived, to the dead-letter queue with the reason, then
     * deletes it. Asynchronous: the receive that found it does not wait.
     */
    private void setAside(String source, String url, Incoming in) {
        String id = in.raw.messageId();
        Map<String, String> attrs = new LinkedHashMap<>(in.rawAttributes);
        attrs.put(Attributes.REJECT_REASON, UNREADABLE.code());
        attrs.put(Attributes.REJECT_DETAIL, in.unreadable);
        attrs.put(Attributes.SOURCE, source);
        Message copy = Message.of(in.raw.body().getBytes(StandardCharsets.UTF_8), attrs);
        deadLetterFor(source, url).thenCompose(dlq -> {
            if (dlq.isEmpty()) {
                throw new CompletionException(new TransportException(source, "no dead-letter queue: set deadLetter(...) on the "
                        + "transport or give '" + source + "' a redrive policy"));
            }
            return send(dlq.get(), copy);
        }).thenCompose(v -> deletes.add(url, in.raw.receiptHandle(), 0)).whenComplete((v, e) -> {
            if (e == null) {
                log.warn("Message {} on '{}' could not be read ({}): moved to the dead-letter queue", id, source, in.unreadable);
            } else {
                log.error("Message {} on '{}' could not be read ({}) nor dead-lettered, it stays on its queue: {}", id, source,
                        in.unreadable, fail(source, "dead-lettering", e).getMessage());
            }
        });
    }

    /** The builder's dead-letter destination, else the URL of the source queue's redrive target, looked up once. */
    private CompletableFuture<Optional<String>> deadLetterFor(String source, String url) {
        if (deadLetter.isPresent()) {
            return CompletableFuture.completedFuture(deadLetter);
        }
        CompletableFuture<Optional<String>> found = deadLetterUrls.computeIfAbsent(url, u -> sqs.getQueueAttributes(r -> r.queueUrl(u)
                .attributeNames(QueueAttributeName.REDRIVE_POLICY)).thenCompose(resp -> {
                    String policy = resp.attributes().get(QueueAttributeName.REDRIVE_POLICY);
                    String arn = null;
                    try {
                        arn = policy == null ? null : JSON.readTree(policy).path("deadLetterTargetArn").textValue();
                    } catch (java.io.IOException e) {
                        // not JSON: no redrive target
                    }
                    if (arn == null || arn.lastIndexOf(':') < 0) {
                        return CompletableFuture.completedFuture(Optional.<String>empty());
                    }
                    String name = arn.substring(arn.lastIndexOf(':') + 1);
                    return sqs.getQueueUrl(r -> r.queueName(name)).thenApply(q -> Optional.of(q.queueUrl()));
                }));
        found.whenComplete((v, e) -> {
            if (e != null) {
                deadLetterUrls.remove(url, found); // look again next time
            }
        });
        return found;
    }

    private final class SqsDelivery implements Delivery {
        private final String source;
        private final String url;
        private final String messageId;
        private final String receipt;
        private final int receiveCount;
        private final Message message;
        private final Optional<S3Pointer> deleteOnAck;

        SqsDelivery(String source, String url, String messageId, String receipt, int receiveCount, Message message,
                Optional<S3Pointer> deleteOnAck) {
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
            CompletableFuture<Void> deleted = deletes.add(url, receipt, 0);
            if (deleteOnAck.isEmpty()) {
                return deleted;
            }
            S3Pointer p = deleteOnAck.get();
            return deleted.thenCompose(v -> s3.orElseThrow().deleteObject(r -> r.bucket(p.bucket()).key(p.key()))
                    .handle((r, e) -> {
                        if (e != null) {
                            log.warn("Message {} on '{}' was acked but its payload {} could not be deleted: {}",
                                    messageId, source, p, e.toString());
                        }
                        return null;
                    }));
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
            int seconds = (int) Math.min(43_200, (d.toMillis() + 999) / 1000);
            return visibility.add(url, ChangeMessageVisibilityBatchRequestEntry.builder().receiptHandle(receipt)
                    .visibilityTimeout(seconds).build(), 0);
        }

        @Override
        public String toString() {
            return "SqsDelivery[" + source + " " + messageId + ", receiveCount=" + receiveCount + "]";
        }
    }

    private void flushDeletes(String url, List<Batcher.Item<String>> items) {
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i)).receiptHandle(items.get(i).value()).build());
        }
        sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(entries)).whenComplete((resp, e) -> {
            if (e != null) {
                TransportException failure = fail(url, "acknowledging", e);
                items.forEach(it -> it.done().completeExceptionally(failure));
                return;
            }
            resp.successful().forEach(ok -> items.get(Integer.parseInt(ok.id())).done().complete(null));
            for (BatchResultErrorEntry err : resp.failed()) {
                Batcher.Item<String> it = items.get(Integer.parseInt(err.id()));
                sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(it.value()))
                        .whenComplete((r2, e2) -> complete(it, url, "acknowledging", e2));
            }
        });
    }

    private void flushVisibility(String url, List<Batcher.Item<ChangeMessageVisibilityBatchRequestEntry>> items) {
        List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            entries.add(items.get(i).value().toBuilder().id(Integer.toString(i)).build());
        }
        sqs.changeMessageVisibilityBatch(r -> r.queueUrl(url).entries(entries)).whenComplete((resp, e) -> {
            if (e != null) {
                TransportException failure = fail(url, "changing visibility", e);
                items.forEach(it -> it.done().completeExceptionally(failure));
                return;
            }
            resp.successful().forEach(ok -> items.get(Integer.parseInt(ok.id())).done().complete(null));
            for (BatchResultErrorEntry err : resp.failed()) {
                Batcher.Item<ChangeMessageVisibilityBatchRequestEntry> it = items.get(Integer.parseInt(err.id()));
                sqs.changeMessageVisibility(r -> r.queueUrl(url).receiptHandle(it.value().receiptHandle())
                        .visibilityTimeout(it.value().visibilityTimeout()))
                        .whenComplete((r2, e2) -> complete(it, url, "changing visibility", e2));
            }
        });
    }

    private static void complete(Batcher.Item<?> it, String url, String what, Throwable e) {
        if (e == null) {
            it.done().complete(null);
        } else {
            it.done().completeExceptionally(fail(url, what, e));
        }
    }

    // ------------------------------------------------------------------ the rest

    /** {@inheritDoc} Approximate (SQS's {@code ApproximateNumberOfMessages}), cached for a second. */
    @Override
    public OptionalLong depth(String source) {
        long now = System.nanoTime();
        long[] cached = depthCache.get(source);
        if (cached != null && now - cached[1] < 1_000_000_000L) {
            return OptionalLong.of(cached[0]);
        }
        try {
            String url = url(source);
            String n = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                    .get(5, TimeUnit.SECONDS).attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
            long depth = Long.parseLong(n);
            depthCache.put(source, new long[] {depth, now});
            return OptionalLong.of(depth);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (Exception e) {
            return OptionalLong.empty();
        }
    }

    /** {@inheritDoc} 256 KiB, or the offload limit when an S3 bucket is configured. */
    @Override
    public int maxMessageBytes() {
        return s3.isPresent() && bucket.isPresent() ? maxOffloadBytes : SQS_MAX_BYTES;
    }

    /**
     * {@inheritDoc}
     *
     * <p>A topic must be mapped; a queue name is looked up (and its URL remembered); a queue URL is
     * asked for its attributes.
     */
    @Override
    public void verify(String destination) {
        ensureOpen(destination);
        if (topicArns.containsKey(destination)) {
            return;
        }
        String url = url(destination);
        String name = queueNames.getOrDefault(destination, destination);
        if (name.startsWith("http://") || name.startsWith("https://")) {
            try {
                sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN)).get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw fail(destination, "checking the queue", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransportException(destination, "interrupted while checking '" + destination + "'");
            } catch (TimeoutException e) {
                throw new TransportException(destination, "SQS did not answer while checking '" + destination + "'");
            }
        }
    }

    /** The queue URL a logical name maps to (looked up once). */
    String url(String logicalName) {
        String known = urls.get(logicalName);
        if (known != null) {
            return known;
        }
        String name = queueNames.getOrDefault(logicalName, logicalName);
        if (name.startsWith("http://") || name.startsWith("https://")) {
            urls.put(logicalName, name);
            return name;
        }
        try {
            String url = sqs.getQueueUrl(r -> r.queueName(name)).get(30, TimeUnit.SECONDS).queueUrl();
            urls.put(logicalName, url);
            return url;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof QueueDoesNotExistException) {
                throw new NoSuchDestinationException(logicalName, "SQS queue '" + name + "' (for '" + logicalName
                        + "') does not exist: create it, for example with SqsProvisioner");
            }
            throw fail(logicalName, "looking up the queue URL", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(logicalName, "interrupted while looking up '" + name + "'");
        } catch (TimeoutException e) {
            throw new TransportException(logicalName, "SQS did not answer while looking up '" + name + "'");
        }
    }

    /** Sends what waits in the batches, stops the batching thread, and closes clients the builder created. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        sends.flushAll();
        publishes.flushAll();
        deletes.flushAll();
        visibility.flushAll();
        timer.shutdown();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                // closing: nothing more to do
            }
        }
    }

    private void ensureOpen(String destination) {
        if (closed.get()) {
            throw new TransportException(destination, "SQS transport is closed");
        }
    }

    static TransportException fail(String destination, String what, Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof TransportException t) {
            return t;
        }
        if (e instanceof QueueDoesNotExistException) {
            return new NoSuchDestinationException(destination, "SQS queue '" + destination + "' does not exist (" + what + ")");
        }
        return new TransportException(destination, what + " '" + destination + "' failed: " + e.getMessage(), e);
    }

    /** Builds an {@link SqsTransport}. */
    public static final class Builder {
        private SqsAsyncClient sqs;
        private SnsAsyncClient sns;
        private S3AsyncClient s3;
        private String bucket;
        private final Map<String, String> queues = new HashMap<>();
        private final Map<String, String> topics = new HashMap<>();
        private Duration linger = DEFAULT_LINGER;
        private Duration visibilityTimeout;
        private int maxOffloadBytes = 64 * 1024 * 1024;
        private String payloadPrefix = DEFAULT_PAYLOAD_PREFIX;
        private final List<PayloadLocation> accepted = new ArrayList<>();
        private String deadLetter;
        private final List<AutoCloseable> owned = new ArrayList<>();
        private Optional<ConfigSource> config = Optional.empty();

        private Builder() {}

        /**
         * Takes {@code outpost.sqs.*} from configuration for what no method of this builder set:
         * {@code region} and {@code endpoint} (for an SQS client this transport creates and closes),
         * and the queues behind the logical names {@code requests}, {@code dead-letter} and
         * {@code responses}. Credentials come from the SDK's default chain
         * ({@code AWS_ACCESS_KEY_ID}… for an emulator).
         */
        public Builder configure(ConfigSource source) {
            this.config = Optional.of(Objects.requireNonNull(source, "config"));
            return this;
        }

        private void applyConfiguration(ConfigSource c) {
            if (sqs == null && (c.string("outpost.sqs.region").isPresent() || c.string("outpost.sqs.endpoint").isPresent())) {
                var b = SqsAsyncClient.builder();
                c.string("outpost.sqs.region").filter(v -> !v.isBlank())
                        .ifPresent(r -> b.region(software.amazon.awssdk.regions.Region.of(r)));
                c.string("outpost.sqs.endpoint").filter(v -> !v.isBlank()).ifPresent(e -> {
                    try {
                        b.endpointOverride(java.net.URI.create(e));
                    } catch (IllegalArgumentException bad) {
                        throw ConfigException.of("outpost.sqs.endpoint", "'" + e + "' is not a URI" + c.from("outpost.sqs.endpoint"));
                    }
                });
                sqs = b.build();
                owned.add(sqs);
            }
            for (String logical : List.of("requests", "dead-letter", "responses")) {
                c.string("outpost.sqs." + logical).filter(v -> !v.isBlank()).ifPresent(q -> queues.putIfAbsent(logical, q));
            }
        }

        /** The SQS client (endpoint, region and credentials are its own). Default: {@code SqsAsyncClient.create()}. */
        public Builder sqsClient(SqsAsyncClient client) {
            this.sqs = Objects.requireNonNull(client, "client");
            return this;
        }

        /** The SNS client, needed to send to topics. */
        public Builder snsClient(SnsAsyncClient client) {
            this.sns = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * S3 offload: payloads over SQS's 256 KiB go to {@code bucket} under
         * {@value #DEFAULT_PAYLOAD_PREFIX} and travel as a pointer; pointers into that bucket and
         * prefix are read.
         */
        public Builder largePayloads(S3AsyncClient client, String bucket) {
            return largePayloads(client, bucket, DEFAULT_PAYLOAD_PREFIX);
        }

        /**
         * S3 offload under a key prefix of your choice (non-empty, ending in {@code /}). Give the
         * prefix a lifecycle expiration rule ({@link SqsProvisioner#expirePayloads}): payloads sent
         * to topics, and those of messages that expire unread, are deleted by it alone.
         */
        public Builder largePayloads(S3AsyncClient client, String bucket, String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (keyPrefix.isEmpty() || !keyPrefix.endsWith("/") || keyPrefix.startsWith("/")) {
                throw new IllegalArgumentException("keyPrefix must be non-empty, end in '/' and not start with '/', was '" + keyPrefix + "'");
            }
            this.s3 = Objects.requireNonNull(client, "client");
            this.bucket = requireBucket(bucket);
            this.payloadPrefix = keyPrefix;
            return this;
        }

        /**
         * Also follows pointers into {@code bucket} under {@code keyPrefix} ({@code ""}: the whole
         * bucket), for example those the AWS SQS extended client writes. Objects there are read,
         * never deleted. Pointers anywhere else are dead-lettered unread.
         */
        public Builder acceptPayloadsFrom(String bucket, String keyPrefix) {
            accepted.add(new PayloadLocation(requireBucket(bucket), Objects.requireNonNull(keyPrefix, "keyPrefix")));
            return this;
        }

        /**
         * Where the transport moves messages it cannot read (see {@link #UNREADABLE}): a logical
         * destination (or queue name or URL). By default,
         * the dead-letter queue of the source queue's redrive policy.
         */
        public Builder deadLetter(String destination) {
            Objects.requireNonNull(destination, "destination");
            if (destination.isBlank()) {
                throw new IllegalArgumentException("destination must not be blank");
            }
            this.deadLetter = destination;
            return this;
        }

        private static String requireBucket(String bucket) {
            Objects.requireNonNull(bucket, "bucket");
            if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException("not an S3 bucket name: '" + bucket + "'");
            }
            return bucket;
        }

        /** An S3 client to read pointers with (see {@link #acceptPayloadsFrom}), without offloading anything this transport sends. */
        public Builder s3Client(S3AsyncClient client) {
            this.s3 = Objects.requireNonNull(client, "client");
            return this;
        }

        /** The largest payload offloaded to S3; default 64 MiB. */
        public Builder maxOffloadBytes(int bytes) {
            if (bytes < SQS_MAX_BYTES) {
                throw new IllegalArgumentException("bytes must be at least " + SQS_MAX_BYTES + ", was " + bytes);
            }
            this.maxOffloadBytes = bytes;
            return this;
        }

        /** Maps a logical destination to an SQS queue name or URL. */
        public Builder queue(String logicalName, String queueNameOrUrl) {
            queues.put(Objects.requireNonNull(logicalName, "logicalName"), Objects.requireNonNull(queueNameOrUrl, "queueNameOrUrl"));
            return this;
        }

        /** Maps a logical destination to an SNS topic ARN. */
        public Builder topic(String logicalName, String topicArn) {
            topics.put(Objects.requireNonNull(logicalName, "logicalName"), Objects.requireNonNull(topicArn, "topicArn"));
            return this;
        }

        /** How long a batch waits for more entries after its first; default 5 ms. */
        public Builder linger(Duration linger) {
            Objects.requireNonNull(linger, "linger");
            if (linger.isNegative() || linger.toMillis() > 1000) {
                throw new IllegalArgumentException("linger must be 0 to 1 s, was " + linger);
            }
            this.linger = linger;
            return this;
        }

        /** The visibility timeout asked for on every receive; by default the queue's own. */
        public Builder visibilityTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.toSeconds() > 43_200) {
                throw new IllegalArgumentException("timeout must be 0 to 12 h, was " + timeout);
            }
            this.visibilityTimeout = timeout;
            return this;
        }

        /**
         * Builds the transport and looks up every queue given to {@link #queue}.
         *
         * @throws TransportException naming the first queue that does not exist or cannot be reached
         * @throws IllegalStateException when payload locations are accepted without an S3 client
         */
        public SqsTransport build() {
            if (!accepted.isEmpty() && s3 == null) {
                throw ConfigException.of("acceptPayloadsFrom",
                        "needs an S3 client to read with: set s3Client(...) or largePayloads(...)");
            }
            config.ifPresent(this::applyConfiguration);
            if (sqs == null) {
                sqs = SqsAsyncClient.create();
                owned.add(sqs);
            }
            SqsTransport t = new SqsTransport(this);
            try {
                for (String logical : queues.keySet()) {
                    t.url(logical);
                }
            } catch (RuntimeException e) {
                t.close();
                throw e;
            }
            return t;
        }
    }
}
