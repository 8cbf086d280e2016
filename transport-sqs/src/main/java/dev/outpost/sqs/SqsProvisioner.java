package dev.outpost.sqs;

import dev.outpost.spi.TransportException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;

/**
 * Creates what a first deployment or a test needs, idempotently: a queue with its dead-letter
 * queue and redrive policy, and an SNS topic whose messages reach the queue (raw delivery, with
 * the queue policy that lets the topic send). Running it again changes nothing, or brings the
 * attributes in line. For production, the same resources are usually declared in your
 * infrastructure code; this is the quick path.
 */
public final class SqsProvisioner {
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
     * the dead-letter queue after {@code maxReceiveCount} receives.
     *
     * @return the queue's URL
     */
    public String queueWithDeadLetter(String name, Duration visibilityTimeout, int maxReceiveCount) {
        if (maxReceiveCount < 1) {
            throw new IllegalArgumentException("maxReceiveCount must be at least 1, was " + maxReceiveCount);
        }
        String dlqUrl = queue(name + "-dead-letter", Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600"));
        String dlqArn = arn(dlqUrl);
        return queue(name, Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(visibilityTimeout.toSeconds()),
                QueueAttributeName.REDRIVE_POLICY,
                "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + maxReceiveCount + "\"}"));
    }

    /** Ensures a queue exists with these attributes; returns its URL. */
    public String queue(String name, Map<QueueAttributeName, String> attributes) {
        try {
            return sqs.createQueue(r -> r.queueName(name).attributes(attributes)).join().queueUrl();
        } catch (CompletionException e) {
            if (e.getCause() instanceof QueueNameExistsException) {
                String url = sqs.getQueueUrl(r -> r.queueName(name)).join().queueUrl();
                sqs.setQueueAttributes(r -> r.queueUrl(url).attributes(attributes)).join();
                return url;
            }
            throw SqsTransport.fail(name, "creating the queue", e);
        }
    }

    /**
     * Ensures topic {@code topicName} exists and delivers raw messages to {@code queueName}
     * (created if needed), with the queue policy that lets the topic send.
     *
     * @return the topic's ARN
     */
    public String topicToQueue(String topicName, String queueName) {
        SnsAsyncClient client = sns.orElseThrow(() -> new TransportException(topicName,
                "topics need an SNS client: use new SqsProvisioner(sqs, sns)"));
        try {
            String topicArn = client.createTopic(r -> r.name(topicName)).join().topicArn();
            String queueUrl = queue(queueName, Map.of());
            String queueArn = arn(queueUrl);
            String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"outpost-" + topicName + "\","
                    + "\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\","
                    + "\"Resource\":\"" + queueArn + "\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"" + topicArn + "\"}}}]}";
            sqs.setQueueAttributes(r -> r.queueUrl(queueUrl).attributes(Map.of(QueueAttributeName.POLICY, policy))).join();
            client.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn)
                    .attributes(Map.of("RawMessageDelivery", "true")).returnSubscriptionArn(true)).join();
            return topicArn;
        } catch (CompletionException e) {
            throw SqsTransport.fail(topicName, "provisioning the topic", e);
        }
    }

    private String arn(String url) {
        return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN)).join()
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }
}
