package dev.outpost.core.internal;

import dev.outpost.Request;

/**
 * W3C trace context across a call, when the application has the OpenTelemetry API on its class
 * path (an optional dependency of core): the client adds the caller's {@code traceparent} to each
 * request, and the worker runs the collector inside a span whose parent is the caller's. Without
 * the API, both are a check of one constant.
 */
public final class Tracing {
    private static final boolean AVAILABLE = present("io.opentelemetry.api.GlobalOpenTelemetry");

    /** A run of a collector inside a span; close it when the run ends. */
    public interface Run extends AutoCloseable {
        /** Marks the span failed with {@code error}. */
        void failed(Throwable error);

        @Override
        void close();
    }

    private static final Run NONE = new Run() {
        @Override
        public void failed(Throwable error) {}

        @Override
        public void close() {}
    };

    private Tracing() {}

    private static boolean present(String type) {
        try {
            Class.forName(type, false, Tracing.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** {@code request} with the current trace context added, unless it has one or none is current. */
    public static Request withCurrentContext(Request request) {
        return AVAILABLE ? OtelBridge.inject(request) : request;
    }

    /** Starts a span for running {@code request} on {@code worker}, child of the caller's, and makes it current. */
    public static Run enter(Request request, String worker) {
        return AVAILABLE ? OtelBridge.enter(request, worker) : NONE;
    }
}
