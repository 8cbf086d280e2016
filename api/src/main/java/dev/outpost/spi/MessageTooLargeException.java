package dev.outpost.spi;

/** A message body is larger than the transport carries. */
public class MessageTooLargeException extends TransportException {
    private static final long serialVersionUID = 1L;
    private final long size;
    private final long limit;

    /** A message of {@code size} bytes was refused by a transport carrying at most {@code limit}. */
    public MessageTooLargeException(String destination, long size, long limit) {
        super(destination, "message of " + size + " bytes to '" + destination
                + "' is over the transport's limit of " + limit + " bytes");
        this.size = size;
        this.limit = limit;
    }

    /** The refused message's size in bytes. */
    public long size() {
        return size;
    }

    /** The transport's limit in bytes. */
    public long limit() {
        return limit;
    }
}
