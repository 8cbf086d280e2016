package dev.outpost.core;

import dev.outpost.ErrorInfo;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.spi.Delivery;
import java.time.Duration;

/**
 * Observes a {@link Worker}: what it received, ran, retried, refused and dead-lettered. Every
 * method has an empty default, so a listener overrides only what it needs; {@link #NONE} does
 * nothing.
 *
 * <p>Methods are called on the worker's threads (or the transport's, where an answer's send
 * completes) and must return quickly: a request stays in flight, and a shutdown's drain waits for
 * it, until its listener returned. Anything a listener throws, {@link Error}s included, is
 * logged, counted in the status and otherwise ignored.
 */
public interface WorkerListener {

    /** A listener that does nothing. */
    WorkerListener NONE = new WorkerListener() {};

    /** A delivery was received and is about to be handled. */
    default void onReceived(Delivery delivery) {}

    /** A request was answered (ok or error) and its delivery acked. */
    default void onCompleted(Request request, Response response, Duration elapsed) {}

    /** A run failed and the request will be tried again after {@code delay}. */
    default void onRetry(Request request, int attempt, Duration delay, ErrorInfo error) {}

    /** A delivery was refused without running anything. */
    default void onRejected(Delivery delivery, RejectReason reason, String detail) {}

    /** A copy of a delivery was sent to the dead-letter destination, for {@code reason}. */
    default void onDeadLettered(Delivery delivery, RejectReason reason, String detail) {}

    /** Something failed outside a collector: the transport, an encoding, a listener. */
    default void onError(String context, Throwable error) {}
}
