package dev.outpost.sqs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.spi.TransportException;
import dev.outpost.sqs.internal.Failures;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.BucketLifecycleConfiguration;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleExpiration;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.LifecycleRuleFilter;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;

/**
 * Creates what a first deployment or a test needs, idempotently: a queue with its dead-letter
 * queue and redrive policy, and an SNS topic whose messages reach the queue (raw delivery, with
 * the queue policy that lets the topic send), and the lifecycle rule that expires large payloads
 * in S3. Running it again changes nothing, or brings the
 * attributes in line. For production, the same resources are usually declared in your
 * infrastructure code; this is the quick path.
 */
public final class SqsProvisioner {
    private static final ObjectMapper JSON = dev.outpost.Json.newMapper();
    private final SqsAsyncClient sqs;
    private final Optional<SnsAsyncClient> sns;

    /** A provisioner for queues only. */
    public SqsProvisioner(SqsAsyncClient sqs) {
        this(sqs, null);
    }

    /** A provisioner for queues and topics. */
    public SqsProvisioner(SqsAsyncClient sqs, SnsAsyncClient sns) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.sns = Optional.ofNullable(sns);
    }

    /**
     * Ensures {@code name} and {@code name + "-dead-letter"} exist, with the queue's messages moved to
     * the dead-letter queue after {@code maxReceiveCount} receives. For a FIFO queue
     * ({@code orders.fifo}) the dead-letter queue is {@code orders-dead-letter.fifo}. Make
     * {@code maxReceiveCount} above the worker's {@code maxAttempts} and at least the transport's
     * {@link SqsTransport.Builder#payloadReadAttempts}, or SQS moves such messages first, without
     * the reason the worker or the transport would give.
     *
     * @return the queue's URL
     */
    public String queueWithDeadLetter(String name, Duration visibilityTimeout, int maxReceiveCount) {
        if (maxReceiveCount < 1) {
            throw new IllegalArgumentException("maxReceiveCount must be at least 1, was " + maxReceiveCount);
        }
        if (visibilityTimeout.isNegative() || visibilityTimeout.compareTo(Duration.ofHours(12)) > 0) {
            throw new IllegalArgumentException("visibilityTimeout must be 0 to 12 h, was " + visibilityTimeout);
        }
        // whole seconds, a fraction rounded up: 500 ms truncated to 0 would hand every message to every receiver
        long visibilitySeconds = (visibilityTimeout.toMillis() + 999) / 1000;
        // a FIFO queue's dead-letter queue must be FIFO too, and FIFO names end in .fifo
        String dlqName = isFifo(name) ? name.substring(0, name.length() - 5) + "-dead-letter.fifo" : name + "-dead-letter";
        String dlqUrl = queue(dlqName, Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600"));
        String dlqArn = arn(dlqUrl);
        return queue(name, Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(visibilitySeconds),
                QueueAttributeName.REDRIVE_POLICY,
                "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + maxReceiveCount + "\"}"));
    }

    /**
     * Ensures a queue exists with these attributes; returns its URL. A name ending in {@code .fifo}
     * makes a FIFO queue.
     */
    public String queue(String name, Map<QueueAttributeName, String> attributes) {
        Map<QueueAttributeName, String> wanted = new EnumMap<>(QueueAttributeName.class);
        wanted.putAll(attributes);
        if (isFifo(name)) {
            wanted.putIfAbsent(QueueAttributeName.FIFO_QUEUE, "true");
        }
        try {
            return sqs.createQueue(r -> r.queueName(name).attributes(wanted)).join().queueUrl();
        } catch (CompletionException e) {
            if (e.getCause() instanceof QueueNameExistsException) {
                String url = sqs.getQueueUrl(r -> r.queueName(name)).join().queueUrl();
                wanted.remove(QueueAttributeName.FIFO_QUEUE); // fixed at creation: SQS refuses to set it again
                if (!wanted.isEmpty()) {
                    sqs.setQueueAttributes(r -> r.queueUrl(url).attributes(wanted)).join();
                }
                return url;
            }
            throw Failures.fail(name, "'" + name + "'", "creating the queue", e);
        }
    }

    /**
     * Ensures topic {@code topicName} exists and delivers raw messages to {@code queueName}
     * (created if needed), with the queue policy that lets the topic send. A FIFO topic
     * ({@code .fifo}) needs a FIFO queue.
     *
     * @return the topic's ARN
     */
    public String topicToQueue(String topicName, String queueName) {
        SnsAsyncClient client = sns.orElseThrow(() -> new TransportException(topicName,
                "topics need an SNS client: use new SqsProvisioner(sqs, sns)"));
        try {
            Map<String, String> topicAttributes = isFifo(topicName) ? Map.of("FifoTopic", "true") : Map.of();
            String topicArn = client.createTopic(r -> r.name(topicName).attributes(topicAttributes)).join().topicArn();
            String queueUrl = queue(queueName, Map.of());
            String queueArn = arn(queueUrl);
            allowTopic(queueUrl, queueArn, topicArn);
            client.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn)
                    .attributes(Map.of("RawMessageDelivery", "true")).returnSubscriptionArn(true)).join();
            return topicArn;
        } catch (CompletionException e) {
            throw Failures.fail(topicName, "'" + topicName + "'", "provisioning the topic", e);
        }
    }

    /**
     * Adds (or refreshes) the statement that lets {@code topicArn} send to the queue, keeping the
     * statements already there: a queue may be subscribed to several topics.
     */
    private void allowTopic(String queueUrl, String queueArn, String topicArn) {
        String sid = "outpost" + HexFormat.of().formatHex(sha256(topicArn), 0, 8);
        String current = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.POLICY)).join()
                .attributes().getOrDefault(QueueAttributeName.POLICY, "");
        ObjectNode policy;
        try {
            policy = current.isBlank() ? null : (ObjectNode) JSON.readTree(current);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new TransportException(queueArn, "the queue's access policy is not a JSON object: fix or remove it, then run again");
        }
        if (policy == null) {
            policy = JSON.createObjectNode().put("Version", "2012-10-17");
        }
        ArrayNode statements = JSON.createArrayNode();
        JsonNode old = policy.path("Statement"); // an array, or a single statement object
        List<JsonNode> kept = old.isArray() ? toList(old)
                : old.isObject() ? List.of(old) : List.of();
        for (JsonNode st : kept) {
            if (!sid.equals(st.path("Sid").asText())) {
                statements.add(st);
            }
        }
        ObjectNode st = statements.addObject().put("Sid", sid).put("Effect", "Allow");
        st.putObject("Principal").put("Service", "sns.amazonaws.com");
        st.put("Action", "sqs:SendMessage").put("Resource", queueArn);
        st.putObject("Condition").putObject("ArnEquals").put("aws:SourceArn", topicArn);
        policy.set("Statement", statements);
        String text = policy.toString();
        sqs.setQueueAttributes(r -> r.queueUrl(queueUrl).attributes(Map.of(QueueAttributeName.POLICY, text))).join();
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> out = new java.util.ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Ensures {@code bucket} exists and has a lifecycle rule that deletes objects under
     * {@code keyPrefix} (the prefix given to {@link SqsTransport.Builder#largePayloads}) once they
     * are {@code after} old, rounded up to whole days; other rules on the bucket are kept.
     *
     * <p>Payloads sent to topics are read by every subscribed queue, so no ack deletes them; this
     * rule does, as it does payloads of messages that expired unread. Choose {@code after} longer
     * than the longest message retention of the queues that receive them (SQS's default is 4 days,
     * its maximum 14): a payload expired before its message is read makes that message unreadable
     * (the transport dead-letters its pointer).
     */
    public void expirePayloads(S3AsyncClient s3, String bucket, String keyPrefix, Duration after) {
        Objects.requireNonNull(s3, "s3");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(after, "after");
        if (keyPrefix.isEmpty()) {
            throw new IllegalArgumentException("keyPrefix must not be empty: the rule would expire the whole bucket");
        }
        // as largePayloads requires: 'outpost' would also expire 'outpost-archive/...', and '/outpost/' nothing at all
        if (!keyPrefix.endsWith("/") || keyPrefix.startsWith("/")) {
            throw new IllegalArgumentException("keyPrefix must end in '/' and not start with '/', as largePayloads' does, was '"
                    + keyPrefix + "'");
        }
        if (after.isNegative() || after.isZero()) {
            throw new IllegalArgumentException("after must be positive, was " + after);
        }
        int days = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (after.toSeconds() + 86_399) / 86_400));
        try {
            s3.createBucket(r -> r.bucket(bucket)).join();
        } catch (CompletionException e) {
            if (!(e.getCause() instanceof BucketAlreadyOwnedByYouException || e.getCause() instanceof BucketAlreadyExistsException)) {
                throw Failures.fail(bucket, "'" + bucket + "'", "creating the bucket", e);
            }
        }
        String id = "outpost-expire-" + HexFormat.of().formatHex(sha256(keyPrefix), 0, 8);
        List<LifecycleRule> rules = new java.util.ArrayList<>();
        try {
            for (LifecycleRule rule : s3.getBucketLifecycleConfiguration(r -> r.bucket(bucket)).join().rules()) {
                if (!id.equals(rule.id())) {
                    rules.add(rule);
                }
            }
        } catch (CompletionException e) {
            if (!(e.getCause() instanceof S3Exception s && s.statusCode() == 404)) { // NoSuchLifecycleConfiguration: none yet
                throw Failures.fail(bucket, "'" + bucket + "'", "reading the bucket's lifecycle rules", e);
            }
        }
        rules.add(LifecycleRule.builder().id(id).status(ExpirationStatus.ENABLED)
                .filter(LifecycleRuleFilter.builder().prefix(keyPrefix).build())
                .expiration(LifecycleExpiration.builder().days(days).build()).build());
        try {
            s3.putBucketLifecycleConfiguration(r -> r.bucket(bucket)
                    .lifecycleConfiguration(BucketLifecycleConfiguration.builder().rules(rules).build())).join();
        } catch (CompletionException e) {
            throw Failures.fail(bucket, "'" + bucket + "'", "setting the bucket's lifecycle rules", e);
        }
    }

    private static boolean isFifo(String name) {
        return name.endsWith(".fifo");
    }

    private String arn(String url) {
        return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN)).join()
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }
}
