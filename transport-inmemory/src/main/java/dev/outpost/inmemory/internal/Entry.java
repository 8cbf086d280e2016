package dev.outpost.inmemory.internal;

import dev.outpost.spi.Message;

/** One message in a {@link MemoryQueue}: its place in the queue's order, its state and its current receipt. */
final class Entry {
    Message message;
    final long seq;
    /** The id it had in the queue it was redriven from; null when sent here. */
    final String originalId;
    int receiveCount;
    long receipt;
    long visibleAt;
    /** The thread that last handed it back at once ({@link Thread#getId}), 0 when none or since received. */
    long handedBackBy;
    int state;
    Entry prev;
    Entry next;

    Entry(Message message, long seq, String originalId) {
        this.message = message;
        this.seq = seq;
        this.originalId = originalId;
    }

    String messageId(String queue) {
        return originalId != null ? originalId : queue + "/" + seq;
    }
}
