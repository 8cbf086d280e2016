package dev.outpost.core.internal;

import dev.outpost.Attributes;
import dev.outpost.RejectReason;
import dev.outpost.core.outbox.MessageJournal;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.Transport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's durable result outbox: every answer is written to a {@link MessageJournal} before it
 * is published, so a result that cannot be published now (transport down, reply destination
 * missing) is published later from disk instead of being computed again, and an answer written
 * before a crash is published after the restart.
 *
 * <p>An entry goes when it was published and its request acked. Entries found at start-up were
 * kept by an earlier process, which may or may not have acked the request: they are published, and
 * a redelivery of their request within {@code retention} is acked without running again; so is one
 * whose ack failed here (it may have gone through: no redelivery need come).
 * Entries not published within {@code maxAge} are dead-lettered ({@code unanswerable}) and dropped.
 * Policy when full ({@code maxMessages} or {@code maxBytes}): a new answer is not kept; it is
 * published as without an outbox (kept in memory, tried again on redelivery, dead-lettered after
 * the last attempt). Nothing kept is ever dropped to make room.
 */
public final class ResultOutbox {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.Worker");
    /** The entry's request (sender NUL request id), kept with it on disk, never sent. */
    static final String KEY = "outpost-outbox-key";
    private static final long FLUSH_EVERY_NANOS = 100_000_000L;
    private static final int MAX_SENDING = 64;

    private final MessageJournal journal;
    private final Transport transport;
    private final String deadLetter;
    private final int maxMessages;
    private final long maxBytes;
    private final long maxAgeNanos;
    private final long retentionNanos;
    private final LongSupplier ticker;
    /** Runs when an answer was found to fit, before it is written: a test seam. */
    private final Runnable fits;
    private final Map<Long, Kept> kept = new ConcurrentHashMap<>();
    private final Map<String, Kept> byKey = new ConcurrentHashMap<>();
    private final AtomicInteger sending = new AtomicInteger();
    /**
     * Held from the bound check to the end of the append, so two answers cannot both fit the last
     * room. Costs nothing more: the journal serialises appends anyway.
     */
    private final Object room = new Object();
    private volatile long lastFlush;
    final LongAdder full = new LongAdder();
    final LongAdder republished = new LongAdder();
    final LongAdder expired = new LongAdder();

    private static final class Kept {
        final long seq;
        final String key;
        final String destination;
        final byte[] body;
        final long keptNanos;
        final boolean recovered;
        volatile boolean published;
        volatile boolean acked;
        volatile boolean inFlight;
        volatile long nextTry;
        int failures;

        Kept(long seq, String key, String destination, byte[] body, long keptNanos, boolean recovered) {
            this.seq = seq;
            this.key = key;
            this.destination = destination;
            this.body = body;
            this.keptNanos = keptNanos;
            this.recovered = recovered;
            this.nextTry = keptNanos;
        }
    }

    public ResultOutbox(Path dir, Transport transport, String deadLetter, int maxMessages, long maxBytes, Duration maxAge,
            Duration retention, LongSupplier ticker) {
        this(dir, transport, deadLetter, maxMessages, maxBytes, maxAge, retention, ticker, () -> { });
    }

    ResultOutbox(Path dir, Transport transport, String deadLetter, int maxMessages, long maxBytes, Duration maxAge,
            Duration retention, LongSupplier ticker, Runnable fits) {
        this.fits = fits;
        this.journal = new MessageJournal(dir);
        this.transport = transport;
        this.deadLetter = deadLetter;
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.maxAgeNanos = maxAge.toNanos();
        this.retentionNanos = retention.toNanos();
        this.ticker = ticker;
    }

    /** Opens the journal and takes up what an earlier process kept: those are published first. */
    void open() throws IOException {
        journal.open();
        long now = ticker.getAsLong();
        for (long seq : journal.sequences()) {
            journal.read(seq).ifPresent(e -> {
                String key = e.message().attributes().getOrDefault(KEY, "");
                Kept k = new Kept(seq, key, e.destination(), e.message().body(), now, true);
                kept.put(seq, k);
                if (!key.isEmpty()) {
                    byKey.put(key, k);
                }
            });
        }
        if (!kept.isEmpty()) {
            log.info("result outbox {}: {} answers kept by an earlier run will be published", journal.directory(), kept.size());
        }
    }

    /** Keeps an answer durably; -1 when the outbox is full or the disk write failed (the caller publishes as without one). */
    long keep(String key, String destination, byte[] body) {
        Message m = Message.of(body, Map.of(KEY, key));
        long seq;
        try {
            synchronized (room) {
                if (journal.size() >= maxMessages
                        || journal.bytes() + MessageJournal.encodedSize(destination, m) > maxBytes) {
                    full.increment();
                    log.warn("worker result outbox {} is full ({} answers, {} bytes): this answer is not kept on disk",
                            journal.directory(), journal.size(), journal.bytes());
                    return -1;
                }
                fits.run();
                seq = journal.append(destination, m);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("worker result outbox {}: keeping an answer failed ({})", journal.directory(), e.toString());
            return -1;
        }
        Kept k = new Kept(seq, key, destination, body, ticker.getAsLong(), false);
        k.inFlight = true; // the worker publishes it now
        kept.put(seq, k);
        byKey.put(key, k);
        return seq;
    }

    /** The worker's own publish of {@code seq} ended: on failure the outbox tries again later. */
    void published(long seq, boolean ok) {
        Kept k = kept.get(seq);
        if (k == null) {
            return;
        }
        if (ok) {
            k.published = true;
        } else {
            k.failures++;
            k.nextTry = ticker.getAsLong() + backoff(k.failures);
        }
        k.inFlight = false;
        settle(k);
    }

    /** The request of {@code seq} was acked. */
    void acked(long seq) {
        Kept k = kept.get(seq);
        if (k != null) {
            k.acked = true;
            settle(k);
        }
    }

    /**
     * Whether the answer to {@code key}'s request is kept here (to be published, or published after
     * a restart): then a redelivery is acked without running again, and this counts as that ack.
     */
    boolean answered(String key) {
        Kept k = byKey.get(key);
        if (k == null) {
            return false;
        }
        k.acked = true;
        settle(k);
        return true;
    }

    /** How many answers are kept. */
    int size() {
        return kept.size();
    }

    /** Publishes what is due, drops what is settled or too old; called from the worker's timer, cheap when empty. */
    void flush() {
        long now = ticker.getAsLong();
        if (kept.isEmpty() || now - lastFlush < FLUSH_EVERY_NANOS) {
            return;
        }
        lastFlush = now;
        for (Kept k : kept.values()) {
            if (k.published && !k.acked && now - k.keptNanos > retentionNanos) {
                // no redelivery came: an earlier process acked it, or this one's ack went through unconfirmed
                k.acked = true;
                settle(k);
            } else if (!k.published && !k.inFlight && now - k.keptNanos > maxAgeNanos) {
                expire(k);
            } else if (!k.published && !k.inFlight && now - k.nextTry >= 0 && sending.get() < MAX_SENDING) {
                send(k);
            }
        }
    }

    private void send(Kept k) {
        k.inFlight = true;
        sending.incrementAndGet();
        CompletableFuture<Void> sent;
        try {
            sent = transport.send(k.destination, Message.of(k.body));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((v, e) -> {
            sending.decrementAndGet();
            Throwable cause = e == null ? null : Finisher.unwrap(e);
            if (cause instanceof MessageTooLargeException) {
                log.warn("worker result outbox: a kept answer for '{}' is over the transport's limit; dropped",
                        Finisher.truncate(k.destination));
                k.published = true;
                k.acked = k.acked || !k.recovered;
            } else if (cause == null) {
                republished.increment();
                log.info("worker result outbox: a kept answer was published to '{}'", Finisher.truncate(k.destination));
            } else {
                log.debug("worker result outbox: publishing to '{}' failed again ({})", Finisher.truncate(k.destination),
                        cause.toString());
            }
            published(k.seq, cause == null || cause instanceof MessageTooLargeException);
        });
    }

    private void expire(Kept k) {
        k.inFlight = true;
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(Attributes.REJECT_REASON, RejectReason.UNANSWERABLE.code());
        attributes.put(Attributes.REJECT_DETAIL, "the answer could not be published to '" + Finisher.truncate(k.destination)
                + "' within the result outbox's max age");
        CompletableFuture<Void> sent;
        try {
            sent = transport.send(deadLetter, Message.of(k.body, attributes));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((v, e) -> {
            k.inFlight = false;
            if (e == null) {
                expired.increment();
                k.published = true;
                k.acked = true;
                settle(k);
            }
        });
    }

    /** Published and acked: the entry has done its job. */
    private void settle(Kept k) {
        if (!k.published || !k.acked || k.inFlight) {
            return;
        }
        if (kept.remove(k.seq, k)) {
            byKey.remove(k.key, k);
            try {
                journal.remove(k.seq);
            } catch (IOException e) {
                log.warn("worker result outbox: removing a published answer failed ({}); it may be published again after"
                        + " a restart", e.toString());
            }
        }
    }

    private static long backoff(int failures) {
        return Math.min(30_000_000_000L, 100_000_000L << Math.min(failures, 9));
    }
}
