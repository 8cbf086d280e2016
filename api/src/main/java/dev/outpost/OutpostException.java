package dev.outpost;

/** The root of every exception Outpost throws. Unchecked; subclasses carry the offending value. */
public class OutpostException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message that says what to do. */
    public OutpostException(String message) {
        super(message);
    }

    /** An exception with a message and a cause. */
    public OutpostException(String message, Throwable cause) {
        super(message, cause);
    }
}
