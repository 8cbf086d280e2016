package dev.outpost;

import java.util.Objects;

/**
 * Thrown by a collector to fail with a code. A {@linkplain #retryable(String, String) retryable}
 * failure is retried with backoff until the attempts run out; a
 * {@linkplain #permanent(String, String) permanent} one is answered with an error at once.
 */
public class CollectorException extends OutpostException {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final boolean retryable;

    /** A failure with a code, a message, and whether trying again may help. */
    public CollectorException(String code, String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.retryable = retryable;
    }

    /** A failure that may pass if tried again (a timeout, a busy service). */
    public static CollectorException retryable(String code, String message) {
        return new CollectorException(code, message, true, null);
    }

    /** A failure that will not pass by trying again (bad input the schema could not catch). */
    public static CollectorException permanent(String code, String message) {
        return new CollectorException(code, message, false, null);
    }

    /** The code the error response carries. */
    public String code() {
        return code;
    }

    /** Whether the worker retries it. */
    public boolean isRetryable() {
        return retryable;
    }
}
