package dev.outpost.nacl;

import dev.outpost.OutpostException;

/** A key, key file or known-senders list is unusable. Never carries key material. */
public class NaclException extends OutpostException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message that says what to do. */
    public NaclException(String message) {
        super(message);
    }

    /** An exception with a cause. */
    public NaclException(String message, Throwable cause) {
        super(message, cause);
    }
}
