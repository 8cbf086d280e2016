package dev.outpost.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * A decoded document and, when the codec authenticates senders, who sent it.
 *
 * @param document the request or response
 * @param sender the authenticated sender; empty for codecs that do not authenticate
 * @param <T> the document type
 */
public record Decoded<T>(T document, Optional<Sender> sender) {
    /** Validates the components. */
    public Decoded {
        Objects.requireNonNull(document, "document");
        Objects.requireNonNull(sender, "sender");
    }

    /** A document with no authenticated sender. */
    public static <T> Decoded<T> anonymous(T document) {
        return new Decoded<>(document, Optional.empty());
    }
}
