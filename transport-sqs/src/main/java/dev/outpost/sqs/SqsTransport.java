package dev.outpost.sqs;

import dev.outpost.ConfigException;
import dev.outpost.RejectReason;
import dev.outpost.ShutdownResult;
import dev.outpost.Attributes;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import dev.outpost.sqs.internal.ClientSettings;
import dev.outpost.sqs.internal.Closing;
import dev.outpost.sqs.internal.DeadLetters;
import dev.outpost.sqs.internal.PayloadStore;
import dev.outpost.sqs.internal.QueueChecks;
import dev.outpost.sqs.internal.QueueUrls;
import dev.outpost.sqs.internal.Receiver;
import dev.outpost.sqs.internal.Sending;
import dev.outpost.sqs.internal.SqsSetup;
import dev.outpost.sqs.internal.TopicArns;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * A {@link Transport} on Amazon SQS (and SNS for topics, S3 for payloads over SQS's limit), on the AWS SDK for Java
 * v2's async clients.
 *
 * <ul>
 *   <li><b>Names.</b> Logical destinations map to queues (by name or URL) and topics (by ARN) through
 *       {@link Builder#queue} and {@link Builder#topic} (or {@code outpost.sqs.topics}); an unmapped name is taken as
 *       a queue name, URL or ARN ({@code arn:aws:sqs:REGION:ACCOUNT:NAME}, so a {@code replyTo} may be either). Names
 *       are looked up on first use and remembered, never when the transport is built: it builds while SQS is
 *       unreachable, and a failed lookup is a failed send (a {@link TransportException} the caller or an outbox
 *       retries).
 *   <li><b>Batching.</b> Sends, acks, visibility changes and topic sends go in batch calls of up to 10 entries per
 *       queue or topic, sent when full (10 entries, or {@link Builder#maxQueueMessageBytes} of sends, 256 KiB of topic
 *       sends) or a few milliseconds after their first entry ({@link Builder#linger}; acks {@link Builder#ackLinger},
 *       longer: a late delete costs nothing and saves calls); failed entries are retried one by one. A batch call the
 *       server refuses as a whole (too large, too many entries, throttled) is sent again in halves or after a pause,
 *       at most 4 times, before its entries fail.
 *   <li><b>FIFO.</b> A message's group is its {@value #GROUP_ID_ATTRIBUTE} attribute (default
 *       {@value #DEFAULT_GROUP_ID}); its deduplication id is drawn once per {@link #send}, so two sends are two
 *       messages (suppressing repeated requests is the worker's job).
 *   <li><b>Bodies.</b> Text bodies travel as they are; bodies SQS cannot carry as text (binary, empty) travel
 *       base64-encoded, flagged by an attribute (see {@code internal.WireFormat}). Binary bodies over the limit go to
 *       S3 as bytes, their pointer marked {@code outpost-body-encoding=binary} (text bodies' pointers carry no marker).
 *   <li><b>Large payloads.</b> Messages over the inline limit ({@link Builder#maxQueueMessageBytes} to a queue, default
 *       256 KiB; SNS's 256 KiB to a topic) go to S3 when a bucket is configured ({@link Builder#largePayloads}), as a
 *       pointer in the format of AWS's SQS extended client. A payload sent to a queue ({@code <prefix><uuid>}) is
 *       deleted when its message is acked; a payload sent to a topic ({@code <prefix>shared/<uuid>}) is one object that
 *       every subscribed queue points to, so no ack deletes it: expire it with a lifecycle rule
 *       ({@link SqsProvisioner#expirePayloads}). Only pointers into the transport's own bucket and prefix, or into
 *       locations given to {@link Builder#acceptPayloadsFrom}, are followed; objects in the latter are never deleted.
 *       An ack deletes an object only when its metadata holds the random token the message carries
 *       ({@code outpost-payload-token}): a forged pointer to another message's payload is followed but deletes nothing.
 *   <li><b>Unreadable messages</b> (broken framing; a malformed, refused or dangling S3 pointer, or one whose payload
 *       S3 still does not serve at its {@link Builder#payloadReadAttempts}-th receive) never fail a receive: the
 *       transport moves each, exactly as it arrived (SQS Binary attributes too, up to 4), to a dead-letter queue ({@link Builder#deadLetter}) with the
 *       reason ({@link #UNREADABLE}) in plain SQS String attributes any SQS reader sees, and deletes it. With no
 *       dead-letter queue it stays on its queue (logged) until SQS's redrive or retention ends it; the module's README
 *       says what happens to a copy too large for the queue.
 *   <li><b>Attributes.</b> A delivery's message has the SQS String attributes (and Number ones, as text) its sender
 *       set. SQS Binary attributes, which only a foreign sender sets, are not handed on: a message's attributes are
 *       strings, and bytes made into one could not be told from a string set under that name.
 *   <li><b>SNS.</b> Deliveries wrapped in an SNS envelope (raw delivery off) are unwrapped.
 *   <li><b>Faults.</b> Throttling and 5xx answers are retried by the SDK's standard retry policy; other failures
 *       complete the returned futures with a {@link TransportException}.
 *   <li><b>Lifecycle.</b> {@link #start()} is optional (a transport works from {@code build()}, but starts no thread
 *       before its first batch); {@link #shutdown()} and {@link #close()} as every Outpost component has them.
 *   <li><b>Closing</b> waits (at most {@link Builder#closeWait}, default {@value #CLOSE_WAIT_SECONDS} s) for long polls whose receiver gave up (an
 *       interrupted poller): SQS ends them anyway and would hide what they picked for a visibility timeout, so what
 *       they received is made visible again at once.
 *   <li><b>Credentials</b> come from the SDK clients you pass, else from {@code outpost.sqs.*}
 *       ({@link Builder#configure}: a profile or static keys), else from the SDK's default chain. A transport that
 *       creates its SQS client creates its SNS client (for mapped topics) alike.
 * </ul>
 */
public final class SqsTransport implements Transport {
    /** 256 KiB: SQS's largest message until August 2025, SNS's still; the default {@link Builder#maxQueueMessageBytes}. */
    public static final int SQS_MAX_BYTES = PayloadStore.SQS_MAX_BYTES;
    /** 1 MiB: SQS's largest message on AWS since August 2025; the most {@link Builder#maxQueueMessageBytes} takes. */
    public static final int AWS_SQS_MAX_BYTES = PayloadStore.AWS_SQS_MAX_BYTES;
    /** Default wait between a batch's first entry and its sending. */
    public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);
    /** Default wait between an ack batch's first entry and its sending. */
    public static final Duration DEFAULT_ACK_LINGER = Duration.ofMillis(20);
    /** The attribute that chooses a message's group on FIFO queues and topics. */
    public static final String GROUP_ID_ATTRIBUTE = "outpost-group-id";
    /** The group of messages sent to a FIFO queue or topic without {@value #GROUP_ID_ATTRIBUTE}. */
    public static final String DEFAULT_GROUP_ID = "outpost";
    /** Default key prefix of offloaded payloads. */
    public static final String DEFAULT_PAYLOAD_PREFIX = "outpost/";
    /** Default {@link Builder#payloadReadAttempts}: the receive at which a payload S3 still cannot serve is dead-lettered. */
    public static final int DEFAULT_PAYLOAD_READ_ATTEMPTS = 5;
    /** Default {@link Builder#payloadReadTimeout}: how long one offloaded payload's read from S3 may take. */
    public static final Duration DEFAULT_PAYLOAD_READ_TIMEOUT = Duration.ofSeconds(20);
    /** The longest {@link Builder#payloadReadTimeout} takes, in seconds. */
    public static final int MAX_PAYLOAD_READ_TIMEOUT_SECONDS = 900;
    /** The longest {@link #close} waits for polls still open on the server: the default and the most {@link Builder#closeWait} takes. */
    public static final int CLOSE_WAIT_SECONDS = 25;
    /**
     * The reason on messages the transport dead-letters itself because it cannot read their framing
     * ({@value Attributes#REJECT_REASON} {@code = unreadable}; {@value Attributes#REJECT_DETAIL} says
     * what is wrong, {@value Attributes#SOURCE} where it was received).
     */
    public static final RejectReason UNREADABLE = RejectReason.of(DeadLetters.UNREADABLE, false);

    private final Map<String, String> topicArns;
    private final QueueUrls urls;
    private final PayloadStore payloads;
    private final Sending sending;
    private final Receiver receiver;
    private final QueueChecks queues;
    private final Closing lifecycle;

    private SqsTransport(SqsSetup.Parts parts) {
        this.topicArns = parts.topicArns();
        this.urls = parts.urls();
        this.queues = parts.queues();
        this.payloads = parts.payloads();
        this.sending = parts.sending();
        this.receiver = parts.receiver();
        this.lifecycle = parts.lifecycle();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        try {
            return lifecycle.whileOpen(destination, () -> sending.send(destination, message));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Long-polls with SQS's wait time (whole seconds, at most 20); the calling thread can be interrupted while it
     * waits, for the messages and for payloads fetched from S3 (a poll given up on is left to end on the server, and
     * what it received made visible again at once, as is what a receive interrupted while it reads payloads had
     * received). Each message is read on its own: one that cannot be read is dead-lettered by the transport (see the
     * class documentation) and left out, and the others are returned. Inline messages are returned at once; a
     * message whose payload is in S3 is returned once its payload is read (each read bounded by
     * {@link Builder#payloadReadTimeout}), by this receive when it has nothing else to return, else by the next
     * receive from {@code source}, which returns such messages first without polling (and polls for no more than
     * {@code maxMessages} less those still being read). A message whose payload S3 cannot serve right now (other than
     * "no such key", or in time) is left out: it comes back after its visibility timeout, and is dead-lettered at its
     * {@link Builder#payloadReadAttempts}-th receive. What was read and not returned when the transport closes is made
     * visible again.
     */
    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        if (maxMessages < 1 || maxMessages > 10) {
            throw new IllegalArgumentException("maxMessages must be 1 to 10, was " + maxMessages);
        }
        ensureOpen(source);
        return receiver.receive(source, maxMessages, wait);
    }

    /** {@inheritDoc} Approximate (SQS's {@code ApproximateNumberOfMessages}), cached for a second. */
    @Override
    public OptionalLong depth(String source) {
        return queues.depth(source);
    }

    /**
     * {@inheritDoc} With an S3 bucket, the offload limit (queues and topics alike); without, {@link Builder#maxQueueMessageBytes}:
     * a topic takes only SNS's 256 KiB, so a larger send to it fails with a {@code MessageTooLargeException} all the same.
     */
    @Override
    public int maxMessageBytes() {
        return payloads.maxMessageBytes();
    }

    /**
     * {@inheritDoc}
     *
     * <p>A topic must be mapped; a queue is looked up (and its URL remembered) and asked for its attributes. While SQS
     * cannot be reached this logs a warning and returns, so that a component starts during an outage; only a queue SQS
     * says does not exist fails.
     */
    @Override
    public void verify(String destination) {
        ensureOpen(destination);
        if (!topicArns.containsKey(destination)) {
            queues.verify(destination);
        }
    }

    /** The queue URL a logical name maps to (looked up once). */
    String url(String logicalName) {
        return urls.url(logicalName).join();
    }

    /**
     * Makes the transport's batching thread now rather than at its first batch. Optional: a transport sends and
     * receives without it (as a {@code Worker} or {@code Client} uses it).
     *
     * @return this transport
     * @throws IllegalStateException when it was started or shut down before
     */
    public SqsTransport start() {
        lifecycle.start("SQS transport");
        return this;
    }

    /**
     * Stops the transport: waits ({@link Builder#closeWait} at most) for polls still open and makes what they
     * received visible again ({@link ShutdownResult#handedBack()}), sends what is in or on its way to the batches (an
     * S3 upload, a queue URL look-up; 5 s each), stops the batching thread, closes the clients the builder made. On a
     * thread from the builder's factory (else the caller's). Idempotent: every call returns the same future; sends and
     * receives fail from the first.
     *
     * @return completes when the transport is closed; {@code clean} is false when a poll or a batch
     *     call did not end in time
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown();
    }

    /** {@link #shutdown()} and wait for it. */
    @Override
    public void close() {
        Closing.awaitUninterruptibly(shutdown());
    }

    private void ensureOpen(String destination) {
        if (lifecycle.isClosing()) {
            throw new TransportException(destination, "SQS transport is closed");
        }
    }

    /** Builds an {@link SqsTransport}. */
    public static final class Builder {
        // what was set, checked here; SqsSetup applies the configuration and defaults and wires the parts
        private final SqsSetup setup = new SqsSetup();

        private Builder() {}

        /**
         * Takes {@code outpost.sqs.*} (declared in this module's {@code META-INF/outpost-config.properties}) for what
         * no method of this builder set: {@code endpoint}, {@code region}, {@code profile} or {@code access-key-id} +
         * {@code secret-access-key} (+ {@code session-token}) for the SQS client this transport creates and closes when
         * none is passed (and the SNS client it creates beside it when a topic is mapped, at {@code sns-endpoint} when
         * set); the queues behind the logical names {@code requests}, {@code dead-letter} and {@code responses};
         * {@code topics}, logical names mapped to SNS topic ARNs ({@code NAME=ARN,...}, as {@link #topic} does);
         * {@code linger}, {@code ack-linger}, {@code payload-read-attempts}, {@code payload-read-timeout}, {@code max-queue-message-bytes} and
         * {@code close-wait}. Problems are reported together by {@link #build()}.
         */
        public Builder configure(ConfigSource source) {
            setup.configure(Objects.requireNonNull(source, "config"));
            return this;
        }

        /**
         * Makes the transport's threads: the batching thread (made by {@link SqsTransport#start()} or
         * on first use, never by {@link #build()}) and the one that runs {@link SqsTransport#shutdown()}.
         */
        public Builder threadFactory(ThreadFactory threads) {
            setup.threadFactory(Objects.requireNonNull(threads, "threads"));
            return this;
        }

        /** The SQS client (endpoint, region and credentials are its own). Default: {@code SqsAsyncClient.create()}. */
        public Builder sqsClient(SqsAsyncClient client) {
            setup.sqs(Objects.requireNonNull(client, "client"));
            return this;
        }

        /**
         * The SNS client topics are published with. Needed beside a passed {@link #sqsClient}, or {@link #build()}
         * fails when a topic is mapped; without either, a transport with topics creates both from the same
         * {@code outpost.sqs.*} settings (else the SDK's default chain) and closes them.
         */
        public Builder snsClient(SnsAsyncClient client) {
            setup.sns(Objects.requireNonNull(client, "client"));
            return this;
        }

        /**
         * S3 offload: payloads over the inline limit ({@link #maxQueueMessageBytes}; 256 KiB to a topic) go to
         * {@code bucket} under {@value #DEFAULT_PAYLOAD_PREFIX} and travel as a pointer; pointers into that bucket and
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
            String prefix = PayloadStore.requirePrefix(keyPrefix, false);
            setup.offload(Objects.requireNonNull(client, "client"), PayloadStore.requireBucket(bucket), prefix);
            return this;
        }

        /**
         * Also follows pointers into {@code bucket} under {@code keyPrefix} ({@code ""}: the whole bucket; otherwise
         * ending in {@code /}, as {@link #largePayloads(S3AsyncClient, String, String)}'s), for example those the AWS
         * SQS extended client writes. Objects there are read, never deleted. Pointers anywhere else are dead-lettered
         * unread.
         */
        public Builder acceptPayloadsFrom(String bucket, String keyPrefix) {
            setup.accept(new PayloadStore.Location(PayloadStore.requireBucket(bucket), PayloadStore.requirePrefix(keyPrefix, true)));
            return this;
        }

        /**
         * Where the transport moves messages it cannot read (see {@link #UNREADABLE}): a logical destination (or queue
         * name or URL). By default the queue behind the logical name {@code dead-letter} ({@code outpost.sqs.dead-letter}),
         * else the dead-letter queue of the source queue's redrive policy (as {@link SqsProvisioner#queueWithDeadLetter}
         * sets).
         */
        public Builder deadLetter(String destination) {
            Objects.requireNonNull(destination, "destination");
            if (destination.isBlank()) {
                throw new IllegalArgumentException("destination must not be blank");
            }
            setup.deadLetter(destination);
            return this;
        }

        /** An S3 client to read pointers with (see {@link #acceptPayloadsFrom}), without offloading anything this transport sends. */
        public Builder s3Client(S3AsyncClient client) {
            setup.s3(Objects.requireNonNull(client, "client"));
            return this;
        }

        /** The largest payload offloaded to S3; default 64 MiB, at least {@link #maxQueueMessageBytes}. */
        public Builder maxOffloadBytes(int bytes) {
            if (bytes < SQS_MAX_BYTES) {
                throw new IllegalArgumentException("bytes must be at least " + SQS_MAX_BYTES + ", was " + bytes);
            }
            setup.maxOffloadBytes(bytes);
            return this;
        }

        /**
         * The largest message (body and attributes) sent to a queue inline, else to S3 ({@link #largePayloads}) or refused
         * with a {@code MessageTooLargeException}; also a send batch's bytes and a dead-letter copy's limit.
         * {@value #SQS_MAX_BYTES} to {@value #AWS_SQS_MAX_BYTES}, default {@value #SQS_MAX_BYTES}. AWS takes 1 MiB since
         * August 2025: raise it there. The default stays because emulators and SQS-compatible servers may still refuse
         * more, and a queue's own {@code MaximumMessageSize} may be lower: set at most the smallest of the queues sent to,
         * dead-letter queues included. Topics stay at SNS's 256 KiB.
         */
        public Builder maxQueueMessageBytes(int bytes) {
            setup.maxQueueMessageBytes(PayloadStore.checkQueueBytes(bytes));
            return this;
        }

        /**
         * The receive (SQS's {@code ApproximateReceiveCount}) at which a message whose S3 payload still cannot
         * be read (S3 refuses it, as with 403 to a role without {@code s3:ListBucket}, fails or does not answer) is
         * dead-lettered as {@link #UNREADABLE}, the status in its reason; before it, the message is left for another
         * receive. 1 to 1000, default {@value #DEFAULT_PAYLOAD_READ_ATTEMPTS}; at most the queue's redrive
         * {@code maxReceiveCount}, or SQS moves it first (unchanged, without the reason).
         */
        public Builder payloadReadAttempts(int receives) {
            if (receives < 1 || receives > 1000) {
                throw new IllegalArgumentException("receives must be 1 to 1000, was " + receives);
            }
            setup.payloadReadAttempts(receives);
            return this;
        }

        /**
         * How long one offloaded payload's read from S3 may take, its body included: more than 0, at most
         * {@value #MAX_PAYLOAD_READ_TIMEOUT_SECONDS} s, default 20 s. Each read is bounded on its own and holds no other
         * message: a receive hands on the batch's inline messages at once, and a payload once read. A read that runs
         * out of time counts as one S3 did not answer ({@link #payloadReadAttempts}). Keep it below the queue's
         * visibility timeout, or the message may be received again while it is read.
         */
        public Builder payloadReadTimeout(Duration timeout) {
            ClientSettings.checkDuration(timeout, "timeout", Duration.ofSeconds(MAX_PAYLOAD_READ_TIMEOUT_SECONDS));
            if (timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be more than 0");
            }
            setup.payloadReadTimeout(timeout);
            return this;
        }

        /** Maps a logical destination to an SQS queue name or URL. */
        public Builder queue(String logicalName, String queueNameOrUrl) {
            setup.queue(Objects.requireNonNull(logicalName, "logicalName"), Objects.requireNonNull(queueNameOrUrl, "queueNameOrUrl"));
            return this;
        }

        /**
         * Maps a logical destination to an SNS topic ARN ({@code arn:aws:sns:REGION:ACCOUNT:NAME}; other partitions
         * too): a send to it is published to the topic. Wins over {@code outpost.sqs.topics} for the same name.
         *
         * @throws IllegalArgumentException when {@code topicArn} is not shaped as a topic ARN
         */
        public Builder topic(String logicalName, String topicArn) {
            Objects.requireNonNull(logicalName, "logicalName");
            if (logicalName.isBlank()) {
                throw new IllegalArgumentException("logicalName must not be blank");
            }
            setup.topic(logicalName, TopicArns.check(Objects.requireNonNull(topicArn, "topicArn")));
            return this;
        }

        /** How long a batch of sends or visibility changes waits for more entries after its first; default 5 ms. */
        public Builder linger(Duration linger) {
            setup.linger(ClientSettings.checkLinger(linger));
            return this;
        }

        /**
         * How long a batch of acks (deletes) waits for more entries after its first; default 20 ms. A full batch (10)
         * goes at once; a longer wait makes fuller batches (fewer calls) and delays nothing but the delete.
         */
        public Builder ackLinger(Duration linger) {
            setup.ackLinger(ClientSettings.checkLinger(linger));
            return this;
        }

        /**
         * The visibility timeout asked for on every receive, in SQS's whole seconds (a fraction rounded up, as
         * {@link Delivery#extend} does); by default the queue's own.
         */
        public Builder visibilityTimeout(Duration timeout) {
            setup.visibilityTimeout(ClientSettings.checkDuration(timeout, "timeout", Duration.ofHours(12)));
            return this;
        }

        /**
         * The longest {@link SqsTransport#shutdown()} waits for long polls still open on the server, whose receiver
         * gave up (a worker's or client's pollers, interrupted when it stopped): 0 to {@value #CLOSE_WAIT_SECONDS} s,
         * default {@value #CLOSE_WAIT_SECONDS} s. Such a poll ends on its own after its wait (20 s at most) and what it
         * picked is made visible again at once; a shorter wait stops sooner, and a message a poll still picks after it
         * comes back only after its visibility timeout (nothing is lost).
         */
        public Builder closeWait(Duration wait) {
            setup.closeWait(ClientSettings.checkDuration(wait, "wait", Duration.ofSeconds(CLOSE_WAIT_SECONDS)));
            return this;
        }

        /**
         * Builds the transport. Starts nothing and calls nothing: queue names are looked up on first use.
         *
         * @throws ConfigException listing every problem in the configuration
         */
        public SqsTransport build() {
            return new SqsTransport(setup.build());
        }
    }
}
