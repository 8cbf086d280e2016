package dev.outpost.core;

import dev.outpost.OutpostException;
import java.time.Duration;

/** No response to a {@link Client#call} arrived in time. The request may still run later. */
public class CallTimeoutException extends OutpostException {
    private static final long serialVersionUID = 1L;
    private final String requestId;
    private final Duration timeout;

    /** No response to {@code requestId}, sent to {@code destination}, on {@code replyTo} within {@code timeout}. */
    public CallTimeoutException(String requestId, String collector, Duration timeout, String destination, String replyTo) {
        super("no response to request " + requestId + " (" + collector + ") within " + timeout + " on reply destination '"
                + replyTo + "': is a worker reading '" + destination + "' and allowed to run '" + collector
                + "', and may it send to '" + replyTo + "' (outpost.worker.reply-to.allow)? Its dead-letter destination"
                + " says why a request was refused.");
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
