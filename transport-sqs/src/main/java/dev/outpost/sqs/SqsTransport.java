package dev.outpost.sqs;

import dev.outpost.internal.Mapper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import dev.outpost.sqs.internal.Batcher;
import dev.outpost.sqs.internal.WireBody;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
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
 *       {@code ChangeMessageVisibilityBatch} calls of up to 10 entries, sent when full or a few
 *       milliseconds after their first entry; entries that fail inside a batch are retried one by one.
 *   <li><b>Bodies.</b> Text bodies travel as they are; bodies SQS cannot carry as text (binary,
 *       empty) travel base64-encoded, flagged by an attribute. Bodies over SQS's 256 KiB go to S3
 *       when a bucket is configured, as a pointer in the format of AWS's SQS extended client
 *       (which this transport also reads); the object is deleted when the message is acked.
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
    static final String PACKED_ATTRIBUTES = "outpost-attributes";
    static final String EXTENDED_SIZE = "ExtendedPayloadSize";
    static final String POINTER_CLASS = "software.amazon.payloadoffloading.PayloadS3Pointer";
    private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,256}");

    private final SqsAsyncClient sqs;
    private final Optional<SnsAsyncClient> sns;
    private final Optional<S3AsyncClient> s3;
    private final Optional<String> bucket;
    private final Map<String, String> queueNames;
    private final Map<String, String> topicArns;
    private final Map<String, String> urls = new ConcurrentHashMap<>();
    private final Map<String, long[]> depthCache = new ConcurrentHashMap<>();
    private final int maxOffloadBytes;
    private final Optional<Duration> visibilityTimeout;
    private final List<AutoCloseable> owned;
    private final ScheduledExecutorService timer;
    private final Batcher<SendMessageBatchRequestEntry> sends;
    private final Batcher<String> deletes;
    private final Batcher<ChangeMessageVisibilityBatchRequestEntry> visibility;
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    private SqsTransport(Builder b) {
        this.sqs = b.sqs;
        this.sns = Optional.ofNullable(b.sns);
        this.s3 = Optional.ofNullable(b.s3);
        this.bucket = Optional.ofNullable(b.bucket);
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
            String arn = topicArns.get(destination);
            Outgoing out = outgoing(destination, message);
            if (arn != null) {
                return out.ready.thenCompose(o -> publish(destination, arn, o));
            }
            String url = url(destination);
            return out.ready.thenCompose(o -> {
                SendMessageBatchRequestEntry.Builder e = SendMessageBatchRequestEntry.builder()
                        .messageBody(o.text).messageAttributes(o.attributes);
                if (url.endsWith(".fifo")) {
                    e.messageGroupId(message.attributes().getOrDefault("outpost-group-id", "outpost"))
                            .messageDeduplicationId(dedupId(message));
                }
                return sends.add(url, e.build(), o.size);
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Void> publish(String destination, String arn, Wire o) {
        SnsAsyncClient client = sns.orElseThrow(() -> new TransportException(destination,
                "'" + destination + "' is a topic but the transport has no SNS client: set snsClient(...)"));
        Map<String, software.amazon.awssdk.services.sns.model.MessageAttributeValue> attrs = new HashMap<>();
        o.attributes.forEach((k, v) -> attrs.put(k, software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder()
                .dataType(v.dataType()).stringValue(v.stringValue()).build()));
        software.amazon.awssdk.services.sns.model.PublishRequest.Builder req = software.amazon.awssdk.services.sns.model
                .PublishRequest.builder().topicArn(arn).message(o.text).messageAttributes(attrs);
        if (arn.endsWith(".fifo")) {
            req.messageGroupId("outpost").messageDeduplicationId(dedupId(o.original));
        }
        return client.publish(req.build()).handle((r, e) -> {
            if (e != null) {
                throw new CompletionException(fail(destination, "publishing to topic", e));
            }
            return null;
        });
    }

    /** A message ready for the wire: its text, attributes and size, after any S3 offload. */
    private record Wire(String text, Map<String, MessageAttributeValue> attributes, int size, Message original) {}

    private record Outgoing(CompletableFuture<Wire> ready) {}

    private Outgoing outgoing(String destination, Message message) {
        String[] encoded = WireBody.encode(message.body());
        Map<String, MessageAttributeValue> attrs = attributes(message.attributes());
        if (encoded[1] != null) {
            attrs.put(WireBody.ENCODING_ATTRIBUTE, stringValue(encoded[1]));
        }
        int size = encoded[0].getBytes(StandardCharsets.UTF_8).length + attributeBytes(attrs);
        if (size <= SQS_MAX_BYTES) {
            return new Outgoing(CompletableFuture.completedFuture(new Wire(encoded[0], attrs, size, message)));
        }
        if (s3.isEmpty() || bucket.isEmpty()) {
            throw new MessageTooLargeException(destination, size, SQS_MAX_BYTES);
        }
        if (message.size() > maxOffloadBytes) {
            throw new MessageTooLargeException(destination, message.size(), maxOffloadBytes);
        }
        String key = "outpost/" + UUID.randomUUID();
        Map<String, MessageAttributeValue> pointerAttrs = attributes(message.attributes());
        pointerAttrs.put(EXTENDED_SIZE, MessageAttributeValue.builder().dataType("Number")
                .stringValue(Integer.toString(message.size())).build());
        String pointer = "[\"" + POINTER_CLASS + "\",{\"s3BucketName\":\"" + bucket.get() + "\",\"s3Key\":\"" + key + "\"}]";
        int pointerSize = pointer.length() + attributeBytes(pointerAttrs);
        CompletableFuture<Wire> put = s3.get().putObject(r -> r.bucket(bucket.get()).key(key),
                AsyncRequestBody.fromBytes(message.body())).handle((r, e) -> {
                    if (e != null) {
                        throw new CompletionException(fail(destination, "offloading a large payload to S3", e));
                    }
                    return new Wire(pointer, pointerAttrs, pointerSize, message);
                });
        return new Outgoing(put);
    }

    private static Map<String, MessageAttributeValue> attributes(Map<String, String> attributes) {
        Map<String, MessageAttributeValue> out = new LinkedHashMap<>();
        boolean pack = attributes.size() > 8;
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            if (e.getValue().isEmpty() || !WireBody.isSafeText(e.getValue()) || !ATTRIBUTE_NAME.matcher(e.getKey()).matches()
                    || e.getKey().toLowerCase(java.util.Locale.ROOT).startsWith("aws.")
                    || e.getKey().toLowerCase(java.util.Locale.ROOT).startsWith("amazon.")) {
                pack = true;
            }
        }
        if (pack) {
            ObjectNode packed = Json.object();
            attributes.forEach(packed::put);
            try {
                // ASCII-escaped, so the packed value itself is always acceptable to SQS
                out.put(PACKED_ATTRIBUTES, stringValue(Mapper.SHARED.writer()
                        .with(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII).writeValueAsString(packed)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            attributes.forEach((k, v) -> out.put(k, stringValue(v)));
        }
        return out;
    }

    private static MessageAttributeValue stringValue(String v) {
        return MessageAttributeValue.builder().dataType("String").stringValue(v).build();
    }

    private static int attributeBytes(Map<String, MessageAttributeValue> attrs) {
        int n = 0;
        for (Map.Entry<String, MessageAttributeValue> e : attrs.entrySet()) {
            n += e.getKey().length() + e.getValue().dataType().length()
                    + e.getValue().stringValue().getBytes(StandardCharsets.UTF_8).length;
        }
        return n;
    }

    private static String dedupId(Message m) {
        String id = m.attributes().get("outpost-request-id");
        if (id != null && !id.isEmpty() && id.length() <= 128) {
            return id;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(m.body()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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

    // ------------------------------------------------------------------ receiving

    /**
     * {@inheritDoc}
     *
     * <p>Long-polls with SQS's wait time (whole seconds, at most 20); the calling thread can be
     * interrupted while it waits.
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
        ReceiveMessageResponse resp;
        try {
            resp = call.get(waitSeconds + 60L, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            call.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw fail(source, "receiving", e.getCause());
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new TransportException(source, "receive from '" + source + "' did not answer in " + (waitSeconds + 60) + " s");
        }
        List<Delivery> out = new ArrayList<>(resp.messages().size());
        for (software.amazon.awssdk.services.sqs.model.Message m : resp.messages()) {
            out.add(toDelivery(source, url, m));
        }
        return out;
    }

    private Delivery toDelivery(String source, String url, software.amazon.awssdk.services.sqs.model.Message m) {
        String text = m.body();
        Map<String, String> attrs = new LinkedHashMap<>();
        m.messageAttributes().forEach((k, v) -> {
            if (v.stringValue() != null) {
                attrs.put(k, v.stringValue());
            }
        });
        if (text.startsWith("{") && text.contains("\"TopicArn\"")) {
            text = unwrapSns(text, attrs);
        }
        String encoding = attrs.remove(WireBody.ENCODING_ATTRIBUTE);
        String packed = attrs.remove(PACKED_ATTRIBUTES);
        if (packed != null) {
            Json.parse(packed).fields().forEachRemaining(e -> attrs.put(e.getKey(), e.getValue().asText()));
        }
        Optional<String[]> pointer = Optional.empty();
        byte[] body;
        if (text.startsWith("[\"" + POINTER_CLASS)) {
            attrs.remove(EXTENDED_SIZE);
            JsonNode p = Json.parse(text).get(1);
            String[] where = {p.path("s3BucketName").asText(), p.path("s3Key").asText()};
            pointer = Optional.of(where);
            S3AsyncClient client = s3.orElseThrow(() -> new TransportException(source,
                    "a message on '" + source + "' points to S3 but the transport has no S3 client: set s3Client(...)"));
            body = client.getObject(r -> r.bucket(where[0]).key(where[1]), AsyncResponseTransformer.toBytes())
                    .join().asByteArray();
        } else {
            body = WireBody.decode(text, encoding);
        }
        int count = Integer.parseInt(m.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1"));
        return new SqsDelivery(source, url, m.messageId(), m.receiptHandle(), count, Message.of(body, attrs), pointer);
    }

    private static String unwrapSns(String text, Map<String, String> attrs) {
        JsonNode n;
        try {
            n = Json.parse(text);
        } catch (IllegalArgumentException e) {
            return text;
        }
        if (!"Notification".equals(n.path("Type").asText()) || !n.has("Message")) {
            return text;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.path("MessageAttributes").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            attrs.put(e.getKey(), e.getValue().path("Value").asText());
        }
        return n.get("Message").asText();
    }

    private final class SqsDelivery implements Delivery {
        private final String source;
        private final String url;
        private final String messageId;
        private final String receipt;
        private final int receiveCount;
        private final Message message;
        private final Optional<String[]> pointer;

        SqsDelivery(String source, String url, String messageId, String receipt, int receiveCount, Message message,
                Optional<String[]> pointer) {
            this.source = source;
            this.url = url;
            this.messageId = messageId;
            this.receipt = receipt;
            this.receiveCount = receiveCount;
            this.message = message;
            this.pointer = pointer;
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
            if (pointer.isEmpty() || s3.isEmpty()) {
                return deleted;
            }
            String[] where = pointer.get();
            return deleted.thenCompose(v -> s3.get().deleteObject(r -> r.bucket(where[0]).key(where[1]))
                    .handle((r, e) -> null));
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

    /** The queue URL a logical name maps to (looked up once). */
    public String url(String logicalName) {
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
                throw new TransportException(logicalName, "SQS queue '" + name + "' (for '" + logicalName
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
        private final List<AutoCloseable> owned = new ArrayList<>();

        private Builder() {}

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

        /** S3 offload: payloads over SQS's 256 KiB go to {@code bucket} and travel as a pointer. */
        public Builder largePayloads(S3AsyncClient client, String bucket) {
            this.s3 = Objects.requireNonNull(client, "client");
            this.bucket = Objects.requireNonNull(bucket, "bucket");
            return this;
        }

        /** An S3 client to read pointers with, without offloading anything this transport sends. */
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
         */
        public SqsTransport build() {
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
