package dev.outpost.core;

import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.spi.Sender;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides, after decoding, the ttl check and duplicate suppression and before authorisation,
 * whether this worker runs a request (for example: a fleet host not selected by a broadcast).
 * A filter that throws is an internal failure: the delivery comes back and is dead-lettered as
 * {@code internal-error} after the last attempt (fail closed).
 */
@FunctionalInterface
public interface RequestFilter {
    /**
     * Called on the runner thread; may block briefly (a registry read).
     *
     * @return empty to run the request, else how to refuse it
     */
    Optional<Refusal> check(Request request, Optional<Sender> sender);

    /**
     * How a filter refuses a request.
     *
     * @param reason the reason code the refusal carries
     * @param detail a human-readable detail (sent to the caller when {@code answer})
     * @param answer whether to send a {@code rejected} response to the request's reply destination
     *     (when the worker may send there)
     * @param deadLetter whether to write a dead-letter copy; false acks the delivery quietly
     */
    record Refusal(RejectReason reason, String detail, boolean answer, boolean deadLetter) {
        public Refusal {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
