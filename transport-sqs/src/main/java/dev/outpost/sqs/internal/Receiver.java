package dev.outpost.sqs.internal;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.TransportException;
import dev.outpost.sqs.SqsTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * Receives: long polls, undoes the framing message by message, fetches offloaded payloads, sets
 * unreadable messages aside. Inline messages are handed on at once; each offloaded payload is read
 * on its own, bounded in bytes and time, and handed on by the next receive from its source (a
 * receive that got nothing else waits for its batch's reads). A poll its caller gave up on (interrupted, out of time) is not
 * cancelled, since SQS would still hide what it picked for a visibility timeout: it is left to end,
 * and whatever it received is released at once (visibility 0). {@link #awaitPolls} lets a closing
 * transport wait for those polls.
 */
public final class Receiver {
    private static final Logger log = LoggerFactory.getLogger(Receiver.class);

    private final SqsAsyncClient sqs;
    private final QueueUrls urls;
    private final PayloadStore payloads;
    private final DeadLetters deadLetters;
    private final SqsDelivery.Actions actions;
    private final Optional<Integer> visibilitySeconds;
    /** How long past its wait a long poll's answer may take before a closing transport stops waiting for it. */
    static final int ANSWER_GRACE_SECONDS = 5;
    /** How long a closing transport may wait for a move to the dead-letter queue: its close wait is the limit. */
    static final int MOVE_DUE_SECONDS = SqsTransport.CLOSE_WAIT_SECONDS;
    /** Open polls, releases and moves to the dead-letter queue: a closing transport waits for them. */
    private final OpenCalls polls = new OpenCalls();
    private final AtomicInteger released = new AtomicInteger();
    /** Per source: payloads being read, and deliveries read since that no receive has handed on yet. */
    private final Map<String, HeldReads> held = new ConcurrentHashMap<>();

    public Receiver(SqsAsyncClient sqs, QueueUrls urls, PayloadStore payloads, DeadLetters deadLetters, Batcher<String> deletes,
            Batcher<ChangeMessageVisibilityBatchRequestEntry> visibility, Optional<Duration> visibilityTimeout) {
        this.sqs = sqs;
        this.urls = urls;
        this.payloads = payloads;
        this.deadLetters = deadLetters;
        this.actions = new SqsDelivery.Actions(deletes, visibility, payloads);
        // rounded up, as a delivery's extend is: 500 ms truncated to 0 would leave every message visible to other receivers
        this.visibilitySeconds = visibilityTimeout.map(v -> (int) ((v.toMillis() + 999) / 1000));
    }

    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        HeldReads h = held.computeIfAbsent(source, s -> new HeldReads());
        List<Delivery> early = h.take(maxMessages);
        if (!early.isEmpty()) {
            return early; // payloads read since the last receive: handed on first, their visibility running
        }
        CompletableFuture<Void> changed = h.changed();
        int room = maxMessages - h.count();
        if (room <= 0) { // as many as asked for are being read: wait for one of them rather than pick more
            try {
                changed.get(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // none ended in the wait: an empty receive, as a poll that found nothing
            }
            return h.take(maxMessages);
        }
        String url = await(urls.url(source), source, "looking up", 60, false);
        int waitSeconds = (int) Math.min(20, (wait.toMillis() + 999) / 1000);
        ReceiveMessageRequest.Builder rb = ReceiveMessageRequest.builder().queueUrl(url).maxNumberOfMessages(room)
                .waitTimeSeconds(waitSeconds).messageAttributeNames("All")
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
        visibilitySeconds.ifPresent(rb::visibilityTimeout);
        CompletableFuture<ReceiveMessageResponse> call = sqs.receiveMessage(rb.build());
        long due = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds + ANSWER_GRACE_SECONDS);
        polls.track(call, due);
        ReceiveMessageResponse resp;
        try {
            resp = await(call, source, "receiving from", waitSeconds + 60L, true);
        } catch (InterruptedException | RuntimeException e) {
            releaseWhenDone(call, url, source, due);
            throw e;
        }
        List<software.amazon.awssdk.services.sqs.model.Message> messages = withReceipts(resp.messages(), source);
        if (messages.isEmpty()) {
            return List.of();
        }
        List<Delivery> out = new ArrayList<>(messages.size());
        List<Incoming> offloaded = new ArrayList<>();
        for (software.amazon.awssdk.services.sqs.model.Message m : messages) {
            Incoming in = new Incoming(m);
            try {
                read(in);
            } catch (RuntimeException e) { // a bug here must not strand the rest of the batch
                log.error("Message {} on '{}' could not be read", Failures.printable(m.messageId(), 100), source, e);
                in.unreadable("internal-error: " + e.getClass().getSimpleName());
            }
            if (in.unreadable != null) {
                setAside(source, url, in);
            } else if (in.pointer.isPresent()) {
                offloaded.add(in);
            } else if (in.body != null) {
                out.add(delivery(source, url, in));
            }
        }
        if (offloaded.isEmpty()) {
            return out;
        }
        List<CompletableFuture<Void>> reads = new ArrayList<>(offloaded.size());
        offloaded.forEach(in -> reads.add(startRead(source, url, h, in)));
        if (!out.isEmpty()) {
            return out; // at once: a slow payload must not hold its batch-mates past their visibility timeout
        }
        try {
            // nothing else to hand on: wait for the batch's reads (each bounded on its own), as a poll waits for messages
            CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get(payloads.readTimeout().toMillis() + TimeUnit.SECONDS.toMillis(PayloadStore.TIMEOUT_GRACE_SECONDS + 1),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            // given up on while its payloads were read: what it picked is visible again at once, as for a poll
            h.abandon(offloaded).forEach(r -> releaseLater(r.in().raw, url, source));
            offloaded.forEach(Receiver::endRead);
            throw e;
        } catch (ExecutionException | TimeoutException e) {
            // hand on whatever is ready (perhaps nothing): the reads go on
        }
        return h.take(maxMessages);
    }

    private SqsDelivery delivery(String source, String url, Incoming in) {
        return new SqsDelivery(actions, source, url, in.raw.messageId(), in.raw.receiptHandle(), in.receiveCount,
                Message.of(in.body, in.attributes), in.deleteOnAck);
    }

    private void setAside(String source, String url, Incoming in) {
        // a closing transport waits for the move too, the delete joining its batch only once the copy is sent: as
        // long as its close wait allows, since a copy too large for the queue is uploaded to S3 first
        polls.track(deadLetters.setAside(source, url, in), System.nanoTime() + TimeUnit.SECONDS.toNanos(MOVE_DUE_SECONDS));
    }

    /** Reads {@code in}'s payload on its own; what it gives is handed on by a later receive from {@code source}. */
    private CompletableFuture<Void> startRead(String source, String url, HeldReads h, Incoming in) {
        if (!h.reading(in)) { // closing
            releaseLater(in.raw, url, source);
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> ended = payloads.fetch(in).thenRun(() -> readEnded(source, url, h, in));
        polls.track(ended, System.nanoTime() + payloads.readTimeout().toNanos()
                + TimeUnit.SECONDS.toNanos(PayloadStore.TIMEOUT_GRACE_SECONDS + ANSWER_GRACE_SECONDS));
        return ended;
    }

    private void readEnded(String source, String url, HeldReads h, Incoming in) {
        try {
            if (!h.isAbandoned(in)) {
                try {
                    payloads.judge(source, in);
                } catch (RuntimeException e) { // a bug here must not strand the message
                    log.error("Message {} on '{}' could not be read", Failures.printable(in.raw.messageId(), 100), source, e);
                    in.unreadable("internal-error: " + e.getClass().getSimpleName());
                }
            }
            boolean kept = h.ended(in, url, in.unreadable == null && in.body != null ? delivery(source, url, in) : null);
            if (!kept) { // its receive was given up on, or the transport is closing
                releaseLater(in.raw, url, source);
            } else if (in.unreadable != null) {
                setAside(source, url, in);
            }
        } finally {
            h.signal();
        }
    }

    /**
     * Ends {@code in}'s read now; its end releases it. One not started yet (its receive is between marking and starting
     * it) ends in its own time, and is released then.
     */
    private static void endRead(Incoming in) {
        CompletableFuture<CappedRead.Result> f = in.fetch;
        if (f != null) {
            f.cancel(true);
        }
    }

    /** Makes {@code m} visible again at once, a closing transport waiting for it. */
    private void releaseLater(software.amazon.awssdk.services.sqs.model.Message m, String url, String source) {
        polls.track(release(List.of(m), url, source), System.nanoTime() + TimeUnit.SECONDS.toNanos(ANSWER_GRACE_SECONDS));
    }

    /**
     * The messages that carry a receipt handle. One without (SQS sends none such, a broken server or proxy might) can be
     * neither acked, hidden nor released, and its entry would fail the whole batch call it joined, the others' entries
     * with it: it is left out, and stays with the server.
     */
    private static List<software.amazon.awssdk.services.sqs.model.Message> withReceipts(
            List<software.amazon.awssdk.services.sqs.model.Message> messages, String source) {
        if (messages.stream().allMatch(m -> m.receiptHandle() != null && !m.receiptHandle().isEmpty())) {
            return messages;
        }
        List<software.amazon.awssdk.services.sqs.model.Message> kept = new ArrayList<>(messages.size());
        for (software.amazon.awssdk.services.sqs.model.Message m : messages) {
            if (m.receiptHandle() != null && !m.receiptHandle().isEmpty()) {
                kept.add(m);
            } else {
                log.warn("Message {} received on '{}' without a receipt handle is left out: it cannot be acked",
                        Failures.printable(m.messageId(), 100), source);
            }
        }
        return kept;
    }

    /** Undoes the framing; an offloaded body is fetched later, with the batch's other ones. */
    private void read(Incoming in) {
        if (in.raw.body() == null) {
            in.unreadable("a message without a body");
            return;
        }
        WireFormat.Decoded decoded;
        try {
            decoded = WireFormat.decode(in.rawBody, in.rawAttributes);
        } catch (WireFormatException e) {
            in.unreadable(e.getMessage());
            return;
        }
        in.attributes = decoded.attributes();
        if (decoded instanceof WireFormat.Inline inline) {
            in.body = inline.body();
            return;
        }
        WireFormat.Offloaded off = (WireFormat.Offloaded) decoded;
        String refused = payloads.refusal(off.pointer());
        if (refused != null) {
            in.unreadable(refused);
        } else {
            in.pointer = Optional.of(off.pointer());
            in.token = off.token();
        }
    }

    /** A poll given up on still ends on the server: make what it picked visible again at once. */
    private void releaseWhenDone(CompletableFuture<ReceiveMessageResponse> call, String url, String source, long due) {
        // tracked from now, before the poll can end: a closing transport waits for the release too
        CompletableFuture<Void> handled = new CompletableFuture<>();
        polls.track(handled, due + TimeUnit.SECONDS.toNanos(ANSWER_GRACE_SECONDS));
        call.whenComplete((resp, e) -> {
            if (resp == null || resp.messages().isEmpty()) {
                handled.complete(null);
            } else {
                release(resp.messages(), url, source).whenComplete((v, e2) -> handled.complete(null));
            }
        });
    }

    /** Makes {@code messages} visible again at once; completes (never exceptionally) when SQS answered. */
    private CompletableFuture<Void> release(List<software.amazon.awssdk.services.sqs.model.Message> messages, String url,
            String source) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        messages = withReceipts(messages, source);
        if (messages.isEmpty()) {
            done.complete(null);
            return done;
        }
        if (messages.size() > 10) { // a batch call takes 10 entries
            List<CompletableFuture<Void>> parts = new ArrayList<>();
            for (int i = 0; i < messages.size(); i += 10) {
                parts.add(release(messages.subList(i, Math.min(messages.size(), i + 10)), url, source));
            }
            return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
        }
        List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(BatchOperations.id(i))
                    .receiptHandle(messages.get(i).receiptHandle()).visibilityTimeout(0).build());
        }
        try {
            sqs.changeMessageVisibilityBatch(r -> r.queueUrl(url).entries(entries)).whenComplete((r, e2) -> {
                if (e2 == null) {
                    released.addAndGet(entries.size() - r.failed().size());
                } else {
                    log.warn("{} messages received on '{}' after the receiver stopped waiting stay hidden until their "
                            + "visibility timeout: releasing them failed: {}", entries.size(), source, Failures.printable(e2, Failures.MAX_REMOTE));
                }
                done.complete(null);
            });
        } catch (Throwable t) { // the client is the user's
            log.warn("releasing {} messages received on '{}' after the receiver stopped waiting failed", entries.size(), source, t);
            done.complete(null);
        }
        return done;
    }

    /** What {@link #awaitPolls} saw: whether every poll ended in time, and how many messages were made visible again. */
    public record Released(boolean allEnded, int messages) {}

    /** Whether a poll (or the release of what an abandoned one received, or a move to the dead-letter queue) is still open. */
    public boolean hasOpenPolls() {
        return !polls.isEmpty() || held.values().stream().anyMatch(h -> h.count() > 0);
    }

    /**
     * Waits for polls still open on the server and the releases of what they received: at most
     * {@code timeoutMillis}, and no longer than the last of them is due (its wait plus a grace). A
     * poll the server never answers is not waited for longer than that.
     */
    public Released awaitPolls(long timeoutMillis) {
        // no receive will hand on what is being read or was read: visible again at once, the reads ended now
        held.forEach((source, h) -> {
            HeldReads.Closed c = h.close();
            c.ready().forEach(r -> releaseLater(r.in().raw, r.url(), source));
            c.reading().forEach(Receiver::endRead);
        });
        try {
            long stillOpen = polls.awaitAll(TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
            if (stillOpen > 0) {
                log.warn("{} SQS calls still open at close: messages they pick stay hidden for their visibility timeout", stillOpen);
            }
            return new Released(stillOpen == 0, released.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Released(false, released.get());
        }
    }

    /**
     * Waits for {@code call}; on time-out, leaves it running when {@code keep}, else cancels it. On interruption it is
     * always left running: the interrupt is this caller's alone, and a queue's first look-up is shared with every
     * caller that needs it meanwhile (a send to the same queue).
     */
    private <T> T await(CompletableFuture<T> call, String source, String what, long seconds, boolean keep) throws InterruptedException {
        try {
            return call.get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw Failures.fail(source, urls.describe(source), what, e.getCause());
        } catch (TimeoutException e) {
            if (!keep) {
                call.cancel(true);
            }
            throw new TransportException(source, what + " '" + source + "' did not answer in " + seconds + " s");
        }
    }
}
