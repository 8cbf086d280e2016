package dev.outpost.sqs.internal;

import dev.outpost.ConfigException;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.sqs.internal.WireFormat.S3Pointer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3 offload: payloads over the inline limit (a queue's, or SNS's) go to S3 and travel as a
 * pointer; received pointers are checked and followed; on ack, an object is deleted only when this transport wrote it for this
 * very message (its metadata holds the token the message carries).
 */
public final class PayloadStore {
    /** SQS's largest message, body and attributes together, until August 2025: still the default inline limit to a queue. */
    public static final int SQS_MAX_BYTES = 256 * 1024;
    /** SNS's largest publish, body and attributes together (and a batch's total): topics stay at this. */
    public static final int SNS_MAX_BYTES = 256 * 1024;
    /** SQS's largest message on AWS since August 2025 (and a send batch's total). */
    public static final int AWS_SQS_MAX_BYTES = 1024 * 1024;
    /** The key segment of payloads sent to topics, which no ack deletes. */
    public static final String SHARED_SEGMENT = "shared/";
    private static final Logger log = LoggerFactory.getLogger(PayloadStore.class);
    private static final Pattern UUID_KEY = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A bucket and key prefix whose objects pointers may name. */
    public record Location(String bucket, String prefix) {
        boolean holds(S3Pointer p) {
            return bucket.equals(p.bucket()) && p.key().startsWith(prefix);
        }
    }

    private final Optional<S3AsyncClient> s3;
    private final Optional<String> bucket;
    private final String prefix;
    private final List<Location> accepted;
    private final int maxOffloadBytes;
    private final int maxQueueBytes;
    private final int readAttempts;
    private final Duration readTimeout;
    private final LazyTimer timer;

    /**
     * @param maxQueueBytes the largest message (body and attributes) sent to a queue inline,
     *     {@value #SQS_MAX_BYTES} to {@value #AWS_SQS_MAX_BYTES}; topics take {@value #SNS_MAX_BYTES}
     * @param readAttempts the receive (SQS's {@code ApproximateReceiveCount}) from which a payload that cannot be read
     *     makes its message unreadable, rather than leaving it for another receive
     * @param readTimeout how long one payload's read may take
     * @param timer ends a read whose client does not honour the call timeout
     */
    public PayloadStore(Optional<S3AsyncClient> s3, Optional<String> bucket, String prefix, List<Location> acceptedElsewhere,
            int maxOffloadBytes, int maxQueueBytes, int readAttempts, Duration readTimeout, LazyTimer timer) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        List<Location> all = new ArrayList<>(acceptedElsewhere);
        bucket.ifPresent(own -> all.add(0, new Location(own, prefix)));
        this.accepted = List.copyOf(all);
        this.maxOffloadBytes = maxOffloadBytes;
        this.maxQueueBytes = maxQueueBytes;
        this.readAttempts = readAttempts;
        this.readTimeout = readTimeout;
        this.timer = timer;
    }

    /** {@code bytes}, checked as a queue's inline limit: {@value #SQS_MAX_BYTES} to {@value #AWS_SQS_MAX_BYTES}. */
    public static int checkQueueBytes(int bytes) {
        if (bytes < SQS_MAX_BYTES || bytes > AWS_SQS_MAX_BYTES) {
            throw new IllegalArgumentException("bytes must be " + SQS_MAX_BYTES + " to " + AWS_SQS_MAX_BYTES + ", was " + bytes);
        }
        return bytes;
    }

    /** Adds a problem when the offload limit is below the queue limit: messages between would pass one but not the other. */
    public static void checkOffload(int maxOffloadBytes, int maxQueueBytes, List<ConfigException.Problem> problems) {
        if (maxOffloadBytes < maxQueueBytes) {
            problems.add(new ConfigException.Problem("maxOffloadBytes",
                    "must be at least maxQueueMessageBytes (" + maxQueueBytes + "), was " + maxOffloadBytes));
        }
    }

    /** {@code bucket}, checked against S3's naming rules. */
    public static String requireBucket(String bucket) {
        java.util.Objects.requireNonNull(bucket, "bucket");
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new IllegalArgumentException("not an S3 bucket name: '" + bucket + "'");
        }
        return bucket;
    }

    /**
     * A key prefix: ends in {@code /} and does not start with one; empty only when {@code wholeBucket} may be
     * meant (a location read from, never one written to).
     */
    public static String requirePrefix(String keyPrefix, boolean wholeBucket) {
        java.util.Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (keyPrefix.isEmpty() ? !wholeBucket : (!keyPrefix.endsWith("/") || keyPrefix.startsWith("/"))) {
            throw new IllegalArgumentException("keyPrefix must " + (wholeBucket ? "be empty or " : "be non-empty, ")
                    + "end in '/' and not start with '/', was '" + keyPrefix + "'");
        }
        return keyPrefix;
    }

    /** The largest body the transport carries: the offload limit with a bucket, else a queue's inline limit (a topic's is lower). */
    public int maxMessageBytes() {
        return s3.isPresent() && bucket.isPresent() ? maxOffloadBytes : maxQueueBytes;
    }

    /** How long one payload's read may take. */
    Duration readTimeout() {
        return readTimeout;
    }

    /** The largest message (body and attributes) sent to a queue inline, dead-letter copies included. */
    public int maxQueueBytes() {
        return maxQueueBytes;
    }

    /**
     * The message as SQS or SNS will carry it; completes after the S3 upload when the body is
     * offloaded. Throws (rather than completing exceptionally) when it cannot be sent at all.
     */
    public CompletableFuture<Wire> wire(String destination, Message message, boolean topic) {
        WireFormat.Frame frame = WireFormat.encode(message.body(), message.attributes());
        int size = Wire.bytes(frame);
        int inline = topic ? SNS_MAX_BYTES : maxQueueBytes; // AWS raised SQS's limit to 1 MiB in 2025, not SNS's
        if (size <= inline) {
            return CompletableFuture.completedFuture(Wire.of(frame));
        }
        if (s3.isEmpty() || bucket.isEmpty()) {
            throw new MessageTooLargeException(destination, size, inline);
        }
        if (message.size() > maxOffloadBytes) {
            throw new MessageTooLargeException(destination, message.size(), maxOffloadBytes);
        }
        Offload o = plan(message.body(), message.attributes(), topic, WireFormat.MAX_PLAIN_ATTRIBUTES).orElseThrow();
        int pointerSize = Wire.bytes(o.pointer());
        if (pointerSize > inline) { // the attributes alone are too large
            throw new MessageTooLargeException(destination, pointerSize, inline);
        }
        return upload(destination, o, message.body()).thenApply(v -> Wire.of(o.pointer()));
    }

    /** Where an offloaded body goes, the token that binds the object to its message, and the pointer that travels instead. */
    record Offload(S3Pointer where, String token, boolean binary, WireFormat.Frame pointer) {}

    /**
     * How {@code body} would be offloaded (empty without a bucket): a new key, a new token, and the pointer frame, whose
     * attributes are packed when there are more than {@code maxPlain}. Uploads nothing.
     */
    Optional<Offload> plan(byte[] body, Map<String, String> attributes, boolean topic, int maxPlain) {
        if (s3.isEmpty() || bucket.isEmpty()) {
            return Optional.empty();
        }
        // a topic's payload is one object every subscribed queue points to: its own segment, which no ack deletes
        S3Pointer where = new S3Pointer(bucket.get(), prefix + (topic ? SHARED_SEGMENT : "") + UUID.randomUUID());
        byte[] t = new byte[18];
        RANDOM.nextBytes(t);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(t);
        boolean binary = !WireFormat.isText(body);
        return Optional.of(new Offload(where, token, binary,
                WireFormat.encodePointer(where, body.length, attributes, token, binary, maxPlain)));
    }

    /** Puts {@code body} where {@code o} says, its token in the metadata; fails with a {@code TransportException} naming the bucket. */
    CompletableFuture<Void> upload(String destination, Offload o, byte[] body) {
        CompletableFuture<?> call;
        try {
            call = s3.get().putObject(r -> r.bucket(o.where().bucket()).key(o.where().key())
                            .contentType(o.binary() ? "application/octet-stream" : "text/plain; charset=utf-8")
                            .metadata(Map.of(WireFormat.TOKEN_METADATA, o.token())),
                    AsyncRequestBody.fromBytes(body));
        } catch (Throwable e) { // the client is the user's: even an Error fails this send's future, not its caller
            call = CompletableFuture.failedFuture(e);
        }
        return call.handle((r, e) -> {
            if (e != null) {
                throw new CompletionException(Failures.fail(destination, "S3 bucket '" + o.where().bucket() + "'",
                        "offloading a large payload to", e));
            }
            return null;
        });
    }

    /** Why {@code p} is not followed, or null when it may be. */
    String refusal(S3Pointer p) {
        // S3 keys are literal, but ".." segments are where URL handling could differ between S3 and a proxy
        for (String segment : p.key().split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return "S3 pointer outside the payload locations this transport accepts";
            }
        }
        if (accepted.stream().noneMatch(l -> l.holds(p))) {
            // a forged pointer would make this transport read, dead-letter a copy of and delete whatever its role reaches
            return "S3 pointer outside the payload locations this transport accepts";
        }
        if (s3.isEmpty()) {
            return "S3 pointer, but the transport has no S3 client: set largePayloads(...) or s3Client(...)";
        }
        return null;
    }

    /** Objects this transport may have written for one queue: a shared (topic) payload or another writer's object stays. */
    private boolean ownPerQueueKey(S3Pointer p) {
        return bucket.isPresent() && bucket.get().equals(p.bucket()) && p.key().startsWith(prefix)
                && UUID_KEY.matcher(p.key().substring(prefix.length())).matches();
    }

    /**
     * Starts reading {@code in}'s payload from S3, bounded in bytes (the offload limit) and in time (the read timeout,
     * on its own: a slow read holds no other message). The future completes, never exceptionally, once the read ended
     * and {@link #judge} can tell what became of the message.
     */
    CompletableFuture<Void> fetch(Incoming in) {
        S3Pointer p = in.pointer.orElseThrow();
        CompletableFuture<CappedRead.Result> read;
        try {
            // the range asks S3 for no more than the limit; CappedRead holds to it when a server sends more anyway. The
            // SDK's call timeout ends the call (body included) and frees its connection
            read = s3.orElseThrow().getObject(r -> r.bucket(p.bucket()).key(p.key()).range("bytes=0-" + maxOffloadBytes)
                            .overrideConfiguration(o -> o.apiCallTimeout(readTimeout)), new CappedRead(maxOffloadBytes));
        } catch (Throwable e) { // the client is the user's: a throw fails this message's read alone, as a failed call would
            read = CompletableFuture.failedFuture(e);
        }
        in.fetch = read;
        if (!read.isDone()) {
            // a client that does not honour the call timeout (a user's wrapper) is bounded all the same, a little later
            try {
                CompletableFuture<CappedRead.Result> bounded = read;
                java.util.concurrent.Future<?> end = timer.schedule(() -> bounded.completeExceptionally(
                        new TimeoutException("S3 did not answer")), readTimeout.toNanos() + TimeUnit.SECONDS.toNanos(TIMEOUT_GRACE_SECONDS));
                read.whenComplete((r, e) -> end.cancel(false)); // out of the timer's queue: a close would wait for it
            } catch (RejectedExecutionException e) {
                // closing: the close cancels what is still open
            }
        }
        return read.handle((r, e) -> null);
    }

    /** How long past the read timeout a read the client did not end itself is ended by the transport. */
    static final int TIMEOUT_GRACE_SECONDS = 5;

    /** What a read {@link #fetch} ended makes of {@code in}: a body, unreadable (with the reason), or left for another receive. */
    void judge(String source, Incoming in) {
        S3Pointer p = in.pointer.orElseThrow();
        try {
            CappedRead.Result read = in.fetch.join();
            if (read.over()) {
                in.unreadable("S3 payload over the transport's limit of " + maxOffloadBytes + " bytes");
                return;
            }
            in.body = read.bytes();
            String stored = read.response().metadata().get(WireFormat.TOKEN_METADATA);
            if (ownPerQueueKey(p) && stored != null && in.token.isPresent()
                    && java.security.MessageDigest.isEqual(stored.getBytes(), in.token.get().getBytes())) {
                in.deleteOnAck = in.pointer;
            }
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof S3Exception s && s.statusCode() == 404) {
                in.unreadable("dangling S3 pointer: the payload does not exist");
            } else if (cause instanceof S3Exception s && s.statusCode() == 416) {
                in.body = new byte[0]; // a range of an empty object
            } else if (in.receiveCount >= readAttempts) {
                // a 403 (a GetObject-only role's "no such key"), a 5xx or no answer, again and again: bounded, not forever
                in.unreadable("S3 payload not readable in " + in.receiveCount + " receives: " + failure(cause));
            } else {
                log.warn("Message {} on '{}' comes back after its visibility timeout (receive {}; dead-lettered from receive {}): "
                        + "its payload {} could not be read: {}", Failures.printable(in.raw.messageId(), 100), source,
                        in.receiveCount, readAttempts, p, Failures.printable(cause, Failures.MAX_REMOTE));
            }
        }
    }

    /** What failed, for a reason that travels with the message: the status and the exception's class, never its text. */
    private static String failure(Throwable cause) {
        if (cause instanceof S3Exception s) {
            return "S3 answered " + s.statusCode() + " (" + cause.getClass().getSimpleName() + ")";
        }
        if (cause instanceof CancellationException || cause instanceof TimeoutException || cause instanceof ApiCallTimeoutException) {
            return "S3 did not answer in time";
        }
        return cause.getClass().getSimpleName();
    }

    /** Deletes the payload of an acked message; a failure is logged (the lifecycle rule ends it). */
    public CompletableFuture<Void> delete(S3Pointer p, String messageId, String source) {
        CompletableFuture<?> call;
        try {
            call = s3.orElseThrow().deleteObject(r -> r.bucket(p.bucket()).key(p.key()));
        } catch (Throwable e) { // the client is the user's: a throw fails the deletion alone, not the ack that made it
            call = CompletableFuture.failedFuture(e);
        }
        return call.handle((r, e) -> {
            if (e != null) {
                log.warn("Message {} on '{}' was acked but its payload {} could not be deleted: {}", Failures.printable(messageId, 100),
                        source, p, Failures.printable(e, Failures.MAX_REMOTE));
            }
            return null;
        });
    }
}
