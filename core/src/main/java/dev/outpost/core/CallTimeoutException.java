package dev.outpost.core;

import dev.outpost.OutpostException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * No response to a {@link Client#call} arrived in time. The request may still run later. When the
 * client could not receive from its reply destination at that moment (the transport unreachable),
 * {@link #replyFailure()} says why: the answer may be waiting there, and no worker is to blame.
 */
public class CallTimeoutException extends OutpostException {
    private static final long serialVersionUID = 1L;
    private final String requestId;
    private final Duration timeout;
    private final String replyFailure;

    /** No response to {@code requestId}, sent to {@code destination}, on {@code replyTo} within {@code timeout}. */
    public CallTimeoutException(String requestId, String collector, Duration timeout, String destination, String replyTo) {
        this(requestId, collector, timeout, destination, replyTo, Optional.empty());
    }

    /**
     * No response within {@code timeout}; {@code replyFailure} is why the client could not receive
     * from {@code replyTo} when the timeout passed, if it could not.
     */
    public CallTimeoutException(String requestId, String collector, Duration timeout, String destination, String replyTo,
            Optional<String> replyFailure) {
        super(replyFailure.isPresent() ? "no response to request " + requestId + " (" + collector + ") within " + timeout
                + ": the client cannot receive from its reply destination '" + replyTo + "' (" + replyFailure.get()
                + "); the answer may be waiting there" : "no response to request " + requestId + " (" + collector + ") within " + timeout + " on reply destination '"
                + replyTo + "': is a worker reading '" + destination + "' and allowed to run '" + collector
                + "', and may it send to '" + replyTo + "' (outpost.worker.reply-to.allow)? Its dead-letter destination"
                + " says why a request was refused. Another client reading '" + replyTo + "' takes this one's answers"
                + " unless both set outpost.client.shared-reply-to.");
        this.requestId = requestId;
        this.timeout = timeout;
        this.replyFailure = Objects.requireNonNull(replyFailure, "replyFailure").orElse(null);
    }

    /** The request's id. */
    public String requestId() {
        return requestId;
    }

    /** Why the client could not receive from its reply destination when the call timed out, if it could not. */
    public Optional<String> replyFailure() {
        return Optional.ofNullable(replyFailure);
    }

    /** How long the client waited. */
    public Duration timeout() {
        return timeout;
    }
}
