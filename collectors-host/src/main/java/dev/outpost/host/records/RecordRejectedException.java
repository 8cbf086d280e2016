package dev.outpost.host.records;

import dev.outpost.OutpostException;
import java.util.Objects;

/**
 * A record the {@link RecordStore} refuses to store because its input is invalid (a source that is
 * not a plain identifier, a blank or oversized request id, missing data). Trying again will not help.
 */
public final class RecordRejectedException extends OutpostException {
    private static final long serialVersionUID = 1L;
    private final String field;

    /** A refusal of {@code field}, with a message that says what is accepted. */
    public RecordRejectedException(String field, String message) {
        super(message);
        this.field = Objects.requireNonNull(field, "field");
    }

    /** The input field that was refused ({@code source}, {@code requestId}, {@code data}). */
    public String field() {
        return field;
    }
}
