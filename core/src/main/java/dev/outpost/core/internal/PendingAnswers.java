package dev.outpost.core.internal;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.spi.Sender;
import java.util.LinkedHashMap;
import java.util.Optional;

/** Answers whose publishing failed, kept for the message's next delivery, bounded in bytes; the oldest go first (they are then recomputed). */
final class PendingAnswers {
    /** Answers waiting to be published again are kept up to this many bytes in all. */
    private static final long MAX_BYTES = 16L * 1024 * 1024;

    private final LinkedHashMap<String, Answer> byMessage = new LinkedHashMap<>();
    private long bytes;
    /** Read without the lock by {@link #isEmpty}: nearly always zero, and every delivery asks. */
    private volatile int size;

    /** A computed answer whose publishing failed. */
    record Answer(Request request, Optional<Sender> sender, Optional<String> destination, byte[] body,
            Response response, Optional<Finisher.DeadLetter> deadLetter, boolean succeeded) {}

    synchronized void put(String messageId, Answer a) {
        Answer old = byMessage.put(messageId, a);
        bytes += a.body().length - (old == null ? 0 : old.body().length);
        var it = byMessage.values().iterator();
        while (bytes > MAX_BYTES && it.hasNext()) {
            bytes -= it.next().body().length;
            it.remove();
        }
        size = byMessage.size();
    }

    /**
     * Whether no answer waits. An answer is put before its message is handed back to the queue,
     * so the redelivery that should take it sees it.
     */
    boolean isEmpty() {
        return size == 0;
    }

    synchronized Optional<Answer> take(String messageId) {
        if (byMessage.isEmpty()) {
            return Optional.empty();
        }
        Answer a = byMessage.remove(messageId);
        if (a != null) {
            bytes -= a.body().length;
            size = byMessage.size();
        }
        return Optional.ofNullable(a);
    }
}
