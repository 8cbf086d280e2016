package dev.outpost.spi;

import dev.outpost.OutpostException;
import dev.outpost.RejectReason;
import java.util.Objects;

/** A body could not be decoded into a document; the worker dead-letters it with the reason. */
public class CodecException extends OutpostException {
    private static final long serialVersionUID = 1L;
    private final RejectReason reason;

    /** A decode failure for {@code reason}; the message must not contain secrets. */
    public CodecException(RejectReason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** A decode failure for {@code reason} with a cause. */
    public CodecException(RejectReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the body was refused. */
    public RejectReason reason() {
        return reason;
    }
}
