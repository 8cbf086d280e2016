package dev.outpost.spi;

import dev.outpost.OutpostException;

/** A transport could not do what was asked: the destination is missing, unreachable, or refused. */
public class TransportException extends OutpostException {
    private static final long serialVersionUID = 1L;
    private final String destination;

    /** An exception about {@code destination}. */
    public TransportException(String destination, String message) {
        super(message);
        this.destination = destination;
    }

    /** An exception about {@code destination} with a cause. */
    public TransportException(String destination, String message, Throwable cause) {
        super(message, cause);
        this.destination = destination;
    }

    /** The logical destination or source concerned. */
    public String destination() {
        return destination;
    }
}
