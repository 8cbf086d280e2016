package dev.outpost.inmemory;

import dev.outpost.spi.TransportException;

/** The in-memory transport holds as many bytes as it was allowed to; the send was refused. */
public class TransportFullException extends TransportException {
    private static final long serialVersionUID = 1L;
    private final long queuedBytes;
    private final long limit;

    /** A send of {@code size} bytes to {@code destination} would pass {@code limit}. */
    public TransportFullException(String destination, long size, long queuedBytes, long limit) {
        super(destination, "in-memory transport is full: sending " + size + " bytes to '" + destination + "' would pass the bound of "
                + limit + " queued bytes (" + queuedBytes + " queued); consume faster or raise maxQueuedBytes");
        this.queuedBytes = queuedBytes;
        this.limit = limit;
    }

    /** Bytes queued when the send was refused. */
    public long queuedBytes() {
        return queuedBytes;
    }

    /** The bound. */
    public long limit() {
        return limit;
    }
}
