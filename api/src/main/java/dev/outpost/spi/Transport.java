package dev.outpost.spi;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Moves opaque {@link Message}s between named destinations with SQS-like semantics.
 *
 * <p>Destinations are logical names ("requests", "results"); each transport maps them to real
 * queues and topics from its own configuration. Sending to a topic fans the message out to every
 * queue subscribed to it. Receiving long-polls a queue and returns {@link Delivery deliveries}
 * that stay invisible to other receivers until acked, retried or their visibility runs out.
 *
 * <p>Implementations are thread-safe. Every implementation is expected to pass the contract suite
 * in {@code outpost-testkit}.
 */
public interface Transport extends AutoCloseable {

    /**
     * Sends one message.
     *
     * @return completes when the transport has accepted the message; exceptionally with a
     *     {@link TransportException} (for example {@link MessageTooLargeException}) when not
     */
    CompletableFuture<Void> send(String destination, Message message);

    /**
     * Sends several messages to one destination; transports that can batch do so. Completes when
     * all were accepted, exceptionally if any was not.
     */
    default CompletableFuture<Void> sendBatch(String destination, List<Message> messages) {
        return CompletableFuture.allOf(
                messages.stream().map(m -> send(destination, m)).toArray(CompletableFuture[]::new));
    }

    /**
     * Receives up to {@code maxMessages} messages, waiting up to {@code wait} for the first one.
     *
     * @return the deliveries, empty when none arrived in time
     * @throws InterruptedException when the calling thread is interrupted while waiting
     * @throws TransportException when the source does not exist or cannot be reached
     */
    List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException;

    /**
     * Acknowledges several deliveries received from this transport at once, as if by
     * {@link Delivery#ack()} on each; transports that can do it in one operation (one lock, one
     * request) do so. The default acks them one by one.
     *
     * @return completes when all were acked, exceptionally if any was not
     */
    default CompletableFuture<Void> ackBatch(List<? extends Delivery> deliveries) {
        if (deliveries.size() == 1) {
            return deliveries.get(0).ack();
        }
        return CompletableFuture.allOf(deliveries.stream().map(Delivery::ack).toArray(CompletableFuture[]::new));
    }

    /** The approximate number of messages waiting in {@code source}, when the transport knows it. */
    default OptionalLong depth(String source) {
        return OptionalLong.empty();
    }

    /**
     * Checks that {@code destination} exists and can be used, before traffic depends on it: a
     * client checks its reply destination when it starts, a worker its source. The default does
     * nothing, for transports that create destinations on demand.
     *
     * @throws NoSuchDestinationException when it does not exist
     * @throws TransportException when it cannot be checked
     */
    default void verify(String destination) {}

    /**
     * Whether a receive costs no network call (an in-process queue), so that a worker does better
     * to let each of its threads receive one message at a time for itself than to have one poller
     * receive batches and hand them over. The default, false, suits network transports, where a
     * batch receive saves calls.
     */
    default boolean receivesLocally() {
        return false;
    }

    /**
     * Asks for the messages sent to {@code source} from now on to be handed to {@code receiver} by the thread that sends
     * them, instead of waiting in the queue for a {@link #receive}: an in-process transport saves a thread hand-off a
     * message so (a client's reply destination is the case: its answers are few and quick to route). A transport that
     * cannot, or not for {@code source} now (another receiver has it), returns empty, the default; so does one that only
     * decorates another ({@link ForwardingTransport}), whose own {@code receive} would be passed by.
     *
     * <p>The caller keeps receiving as before: what is not pushed (a message handed back or redelivered, one that was
     * delayed, one sent while others were waiting, for their order) is received. A pushed delivery is in flight as a
     * received one is: ack or retry it. The receiver runs on the sender's thread, so it must be quick and must not
     * block; when it throws (anything), its delivery is handed back at once for a receive.
     *
     * @return what stops the pushing when closed; empty when this transport does not push to {@code source}
     */
    default Optional<Push> push(String source, Consumer<Delivery> receiver) {
        return Optional.empty();
    }

    /** Messages pushed to a receiver, from {@link #push}, until closed. */
    interface Push extends AutoCloseable {
        /** Stops pushing: later messages wait for a receive; those pushed already stay in flight. Idempotent. */
        @Override
        void close();
    }

    /** The largest message body this transport carries, in bytes. */
    default int maxMessageBytes() {
        return Integer.MAX_VALUE;
    }

    /** Stops the transport's threads and connections. Idempotent. */
    @Override
    void close();
}
