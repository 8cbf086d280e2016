package dev.outpost;

import java.util.Objects;

/**
 * What went wrong, in a response.
 *
 * @param code a stable, machine-readable code (a {@link RejectReason#code()} for rejects)
 * @param message a human explanation; never contains secrets
 */
public record ErrorInfo(String code, String message) {
    /** Validates the components. */
    public ErrorInfo {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
