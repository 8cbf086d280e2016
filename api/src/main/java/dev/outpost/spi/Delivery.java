package dev.outpost.spi;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A message received from a {@link Transport}, invisible to other receivers until it is
 * acknowledged, handed back, or its visibility timeout runs out.
 *
 * <p>Exactly one of {@link #ack()} and {@link #retry(Duration)} should end a delivery; a delivery
 * that is neither acked nor retried comes back after its visibility timeout (at-least-once). The
 * returned futures complete when the transport has done the operation, exceptionally with a
 * {@link TransportException} when it could not.
 */
public interface Delivery {

    /** The transport's id of this delivery, unique among deliveries in flight on a source. */
    String id();

    /**
     * The transport's id of the message, the same on every redelivery of it and different for
     * every message sent (SQS's {@code MessageId}). Transports whose {@link #id()} changes with
     * each receive must override this.
     */
    default String messageId() {
        return id();
    }

    /** The logical source the delivery came from. */
    String source();

    /** The message as it was sent. */
    Message message();

    /** How many times this message has been received, counting this time (1 on the first). */
    int receiveCount();

    /** Deletes the message: it will not be delivered again. */
    CompletableFuture<Void> ack();

    /** Makes the message visible again after {@code delay} ({@link Duration#ZERO} hands it back now). */
    CompletableFuture<Void> retry(Duration delay);

    /** Keeps the message invisible for {@code visibility} from now, while work on it goes on. */
    CompletableFuture<Void> extend(Duration visibility);
}
