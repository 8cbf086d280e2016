package dev.outpost.core.internal;

import dev.outpost.ErrorInfo;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.WorkerListener;
import dev.outpost.spi.Delivery;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The listeners a worker was given, as one: each hears every event in the order they were added, whatever the
 * ones before it threw. What they threw is thrown again once all have heard (the first, the others suppressed), so
 * that the worker's boundary logs and counts it as it does for a single listener.
 */
public final class WorkerListeners implements WorkerListener {
    private final WorkerListener[] all;

    private WorkerListeners(List<WorkerListener> all) {
        this.all = all.toArray(new WorkerListener[0]);
    }

    /** {@code listeners} as one listener: {@link WorkerListener#NONE} for none, the listener itself for one. */
    public static WorkerListener of(List<WorkerListener> listeners) {
        return switch (listeners.size()) {
            case 0 -> WorkerListener.NONE;
            case 1 -> listeners.get(0);
            default -> new WorkerListeners(List.copyOf(listeners));
        };
    }

    @Override
    public void onReceived(Delivery delivery) {
        each(l -> l.onReceived(delivery));
    }

    @Override
    public void onCompleted(Request request, Response response, Duration elapsed) {
        each(l -> l.onCompleted(request, response, elapsed));
    }

    @Override
    public void onRetry(Request request, int attempt, Duration delay, ErrorInfo error) {
        each(l -> l.onRetry(request, attempt, delay, error));
    }

    @Override
    public void onRejected(Delivery delivery, RejectReason reason, String detail) {
        each(l -> l.onRejected(delivery, reason, detail));
    }

    @Override
    public void onDeadLettered(Delivery delivery, RejectReason reason, String detail) {
        each(l -> l.onDeadLettered(delivery, reason, detail));
    }

    @Override
    public void onError(String context, Throwable error) {
        each(l -> l.onError(context, error));
    }

    private void each(Consumer<WorkerListener> event) {
        Throwable first = null;
        for (WorkerListener l : all) {
            try {
                event.accept(l);
            } catch (Throwable t) {
                if (first == null) {
                    first = t;
                } else if (first != t) {
                    first.addSuppressed(t);
                }
            }
        }
        if (first != null) {
            throw WorkerListeners.<RuntimeException>rethrow(first);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T rethrow(Throwable t) throws T {
        throw (T) t;
    }
}
