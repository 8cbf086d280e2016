package dev.outpost.core.internal;

import dev.outpost.Request;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * W3C trace context across a call, when the application has the OpenTelemetry API on its class
 * path (an optional dependency of core): the client adds the caller's {@code traceparent} to each
 * request, and the worker runs the collector inside a span whose parent is the caller's. Without
 * the API, both are a check of one constant. The tracer is the application's (its span processors,
 * its exporters): whatever it throws, Errors included, is logged and the request goes on untraced.
 */
public final class Tracing {
    private static final boolean AVAILABLE = present("io.opentelemetry.api.GlobalOpenTelemetry");
    private static final Logger log = LoggerFactory.getLogger(Tracing.class);
    /** A broken tracer fails every request alike: said once at warn, then at debug. */
    private static final AtomicBoolean WARNED = new AtomicBoolean();

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
        if (!AVAILABLE) {
            return request;
        }
        try {
            return OtelBridge.inject(request);
        } catch (Throwable t) { // the application's tracing code
            failed("adding the trace context to request " + request.id(), t);
            return request;
        }
    }

    /** Starts a span for running {@code request} on {@code worker}, child of the caller's, and makes it current. */
    public static Run enter(Request request, String worker) {
        if (!AVAILABLE) {
            return NONE;
        }
        try {
            return OtelBridge.enter(request, worker);
        } catch (Throwable t) { // the application's tracing code: the request runs, untraced
            failed("starting the span of request " + request.id(), t);
            return NONE;
        }
    }

    /** Logs a failure of the application's tracer, which a request never sees. */
    static void failed(String what, Throwable t) {
        if (WARNED.compareAndSet(false, true)) {
            log.warn("tracing failed {}; requests go on untraced where it fails (further failures at debug)", what, t);
        } else {
            log.debug("tracing failed {}", what, t);
        }
    }
}
