package dev.outpost.spi;

/**
 * The destination or source does not exist. Unlike other transport failures it will not pass by
 * itself, so a worker that cannot answer to it dead-letters the request as {@code unanswerable}
 * instead of trying again.
 */
public class NoSuchDestinationException extends TransportException {
    private static final long serialVersionUID = 1L;

    /** An exception for {@code destination}, with a message saying how to create it. */
    public NoSuchDestinationException(String destination, String message) {
        super(destination, message);
    }
}
