package dev.outpost.core;

import dev.outpost.OutpostException;
import java.time.Duration;

/** No response to a {@link Client#call} arrived in time. The request may still run later. */
public class CallTimeoutException extends OutpostException {
    private static final long serialVersionUID = 1L;
    private final String requestId;
    private final Duration timeout;

    /** No response to {@code requestId} within {@code timeout}. */
    public CallTimeoutException(String requestId, String collector, Duration timeout) {
        super("no response to request " + requestId + " (" + collector + ") within " + timeout
                + ": is a worker polling the queue and allowed to run it?");
        this.requestId = requestId;
        this.timeout = timeout;
    }

    /** The request's id. */
    public String requestId() {
        return requestId;
    }

    /** How long the client waited. */
    public Duration timeout() {
        return timeout;
    }
}
