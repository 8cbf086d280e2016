package dev.outpost.sqs.internal;

import dev.outpost.ConfigException;
import dev.outpost.spi.ConfigSource;
import dev.outpost.sqs.SqsTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ThreadFactory;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;

/**
 * What an {@link SqsTransport.Builder} was given, and the assembly of a transport's running parts from it: the
 * {@code outpost.sqs.*} configuration for what no setter set, the problems reported together, the defaults, the SQS
 * client made (and owned) when none was passed (and an SNS client beside it when topics are mapped), and the batchers,
 * receiver, dead letters and closing wired together.
 * Separate from the transport, which keeps its operations and the builder's documented, argument-checking setters, so
 * that how a transport is put together is read in one place.
 */
public final class SqsSetup {
    /** The running parts of one transport. */
    public record Parts(Map<String, String> topicArns, QueueUrls urls, PayloadStore payloads, Sending sending,
            Receiver receiver, QueueChecks queues, Closing lifecycle) {}

    private SqsAsyncClient sqs;
    private SnsAsyncClient sns;
    private S3AsyncClient s3;
    private String bucket;
    private final Map<String, String> queues = new HashMap<>();
    private final Map<String, String> topics = new HashMap<>();
    private Duration linger;
    private Duration ackLinger;
    private Optional<ThreadFactory> threadFactory = Optional.empty();
    private Duration visibilityTimeout;
    private Duration closeWait;
    private int maxOffloadBytes = 64 * 1024 * 1024;
    private Integer maxQueueMessageBytes;
    private Integer payloadReadAttempts;
    private Duration payloadReadTimeout;
    private String payloadPrefix = SqsTransport.DEFAULT_PAYLOAD_PREFIX;
    private final List<PayloadStore.Location> accepted = new ArrayList<>();
    private String deadLetter;
    private Optional<ConfigSource> config = Optional.empty();

    // The setters take values the builder has checked.
    public void configure(ConfigSource source) {
        config = Optional.of(source);
    }

    public void threadFactory(ThreadFactory threads) {
        threadFactory = Optional.of(threads);
    }

    public void sqs(SqsAsyncClient client) {
        sqs = client;
    }

    public void sns(SnsAsyncClient client) {
        sns = client;
    }

    public void s3(S3AsyncClient client) {
        s3 = client;
    }

    public void offload(S3AsyncClient client, String bucket, String prefix) {
        this.payloadPrefix = prefix;
        this.s3 = client;
        this.bucket = bucket;
    }

    public void accept(PayloadStore.Location location) {
        accepted.add(location);
    }

    public void deadLetter(String destination) {
        deadLetter = destination;
    }

    public void maxOffloadBytes(int bytes) {
        maxOffloadBytes = bytes;
    }

    public void maxQueueMessageBytes(int bytes) {
        maxQueueMessageBytes = bytes;
    }

    public void payloadReadAttempts(int receives) {
        payloadReadAttempts = receives;
    }

    public void payloadReadTimeout(Duration timeout) {
        payloadReadTimeout = timeout;
    }

    public void queue(String logicalName, String queueNameOrUrl) {
        queues.put(logicalName, queueNameOrUrl);
    }

    public void topic(String logicalName, String topicArn) {
        topics.put(logicalName, topicArn);
    }

    public void linger(Duration d) {
        linger = d;
    }

    public void ackLinger(Duration d) {
        ackLinger = d;
    }

    public void visibilityTimeout(Duration d) {
        visibilityTimeout = d;
    }

    public void closeWait(Duration d) {
        closeWait = d;
    }

    /**
     * Checks what was given, applies the configuration and the defaults, and wires a transport's parts.
     *
     * @throws ConfigException listing every problem in the configuration
     */
    public Parts build() {
        List<ConfigException.Problem> problems = new ArrayList<>();
        if (!accepted.isEmpty() && s3 == null) {
            problems.add(new ConfigException.Problem("acceptPayloadsFrom",
                    "needs an S3 client to read with: set s3Client(...) or largePayloads(...)"));
        }
        Map<String, String> keyTopics = new HashMap<>();
        Optional<ClientSettings> settings = config.map(c -> applyConfiguration(c, keyTopics, problems));
        int queueBytes = maxQueueMessageBytes == null ? SqsTransport.SQS_MAX_BYTES : maxQueueMessageBytes;
        PayloadStore.checkOffload(maxOffloadBytes, queueBytes, problems);
        Map<String, String> topicArns = new HashMap<>(keyTopics);
        topicArns.putAll(topics); // a builder call wins
        if (!topicArns.isEmpty() && sns == null && sqs != null) {
            // the client keys describe only the clients the transport creates: an SNS client made from them beside
            // a passed SQS client could reach another endpoint, region or account than it
            String key = keyTopics.isEmpty() ? "snsClient" : TopicArns.KEY;
            problems.add(new ConfigException.Problem(key, "maps " + new TreeSet<>(topicArns.keySet())
                    + " to SNS topics, but an SQS client was passed without an SNS client: pass snsClient(...) too"
                    + " (the transport creates an SNS client only beside the SQS client it creates)"
                    + (keyTopics.isEmpty() ? "" : config.get().from(TopicArns.KEY))));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        linger = linger == null ? SqsTransport.DEFAULT_LINGER : linger;
        ackLinger = ackLinger == null ? SqsTransport.DEFAULT_ACK_LINGER : ackLinger;
        payloadReadAttempts = payloadReadAttempts == null ? SqsTransport.DEFAULT_PAYLOAD_READ_ATTEMPTS : payloadReadAttempts;
        closeWait = closeWait == null ? Duration.ofSeconds(SqsTransport.CLOSE_WAIT_SECONDS) : closeWait;
        payloadReadTimeout = payloadReadTimeout == null ? SqsTransport.DEFAULT_PAYLOAD_READ_TIMEOUT : payloadReadTimeout;
        maxQueueMessageBytes = queueBytes;
        // only now: a failed build leaves none open; a second build() creates its own
        ClientSettings made = settings.filter(ClientSettings::any).orElse(ClientSettings.NONE);
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            SqsAsyncClient sqsClient = sqs != null ? sqs : made.client(owned, threadFactory);
            SnsAsyncClient snsClient = sns != null || topicArns.isEmpty() ? sns : made.snsClient(owned, threadFactory);
            return wire(sqsClient, snsClient, topicArns, owned);
        } catch (RuntimeException | Error e) {
            closeAll(owned);
            throw e;
        }
    }

    private static void closeAll(List<AutoCloseable> owned) {
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Throwable e) { // an Error too: the other clients are still closed
                // the build's own failure is the one to report
            }
        }
    }

    private ClientSettings applyConfiguration(ConfigSource c, Map<String, String> topicArns, List<ConfigException.Problem> problems) {
        ClientSettings settings = ClientSettings.read(c, problems);
        topicArns.putAll(TopicArns.read(c, problems));
        for (String logical : List.of("requests", "dead-letter", "responses")) {
            c.string("outpost.sqs." + logical).filter(v -> !v.isBlank()).ifPresent(q -> queues.putIfAbsent(logical, q.trim()));
        }
        linger = ClientSettings.linger(c, "outpost.sqs.linger", linger, problems);
        ackLinger = ClientSettings.linger(c, "outpost.sqs.ack-linger", ackLinger, problems);
        payloadReadAttempts = ClientSettings.count(c, "outpost.sqs.payload-read-attempts", payloadReadAttempts, 1, 1000, problems);
        maxQueueMessageBytes = ClientSettings.count(c, "outpost.sqs.max-queue-message-bytes", maxQueueMessageBytes,
                SqsTransport.SQS_MAX_BYTES, SqsTransport.AWS_SQS_MAX_BYTES, problems);
        closeWait = ClientSettings.duration(c, "outpost.sqs.close-wait", closeWait, SqsTransport.CLOSE_WAIT_SECONDS, problems);
        payloadReadTimeout = ClientSettings.duration(c, "outpost.sqs.payload-read-timeout", payloadReadTimeout,
                SqsTransport.MAX_PAYLOAD_READ_TIMEOUT_SECONDS, problems);
        if (payloadReadTimeout != null && payloadReadTimeout.isZero()) {
            problems.add(new ConfigException.Problem("outpost.sqs.payload-read-timeout", "must be more than 0" + c.from("outpost.sqs.payload-read-timeout")));
            payloadReadTimeout = null;
        }
        return settings;
    }

    private Parts wire(SqsAsyncClient sqs, SnsAsyncClient sns, Map<String, String> topics, List<AutoCloseable> owned) {
        Map<String, String> topicArns = Map.copyOf(topics);
        QueueUrls urls = new QueueUrls(sqs, queues);
        QueueChecks checks = new QueueChecks(sqs, urls);
        ThreadFactory threads = threadFactory.orElseGet(Closing::defaultThreads);
        LazyTimer timer = new LazyTimer(threads);
        PayloadStore payloads = new PayloadStore(Optional.ofNullable(s3), Optional.ofNullable(bucket), payloadPrefix, accepted,
                maxOffloadBytes, maxQueueMessageBytes, payloadReadAttempts, payloadReadTimeout, timer);
        Sending sending = new Sending(Optional.ofNullable(sns), topicArns, urls, payloads,
                new Batcher<>(10, maxQueueMessageBytes, linger, timer, BatchOperations.send(sqs), Failures::calling),
                new Batcher<>(10, PayloadStore.SNS_MAX_BYTES, linger, timer, BatchOperations.publish(sns),
                        (arn, e) -> Failures.fail(arn, "SNS topic '" + arn + "'", "publishing to", e)));
        Batcher<String> deletes = new Batcher<>(10, Integer.MAX_VALUE, ackLinger, timer, BatchOperations.delete(sqs), Failures::calling);
        Batcher<ChangeMessageVisibilityBatchRequestEntry> visibility = new Batcher<>(10, Integer.MAX_VALUE, linger, timer,
                BatchOperations.changeVisibility(sqs), Failures::calling);
        Optional<String> deadLetterQueue = Optional.ofNullable(deadLetter)
                .or(() -> Optional.ofNullable(queues.get("dead-letter")).map(q -> "dead-letter"));
        DeadLetters deadLetters = new DeadLetters(sqs, urls, deadLetterQueue, payloads, deletes, visibility);
        Receiver receiver = new Receiver(sqs, urls, payloads, deadLetters, deletes, visibility, Optional.ofNullable(visibilityTimeout));
        Closing lifecycle = new Closing(receiver, sending, List.of(sending.sends(), sending.publishes(), deletes, visibility), timer,
                threads, List.copyOf(owned), closeWait.toMillis());
        return new Parts(topicArns, urls, payloads, sending, receiver, checks, lifecycle);
    }
}
