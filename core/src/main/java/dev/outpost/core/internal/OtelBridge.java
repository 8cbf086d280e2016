package dev.outpost.core.internal;

import dev.outpost.Attributes;
import dev.outpost.Request;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.Map;

/** The only class that names OpenTelemetry types; loaded only when {@link Tracing} found the API. */
final class OtelBridge {
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private OtelBridge() {}

    static Request inject(Request request) {
        if (request.attributes().containsKey(Attributes.TRACEPARENT) || !Span.current().getSpanContext().isValid()) {
            return request;
        }
        Request.Builder b = request.toBuilder();
        W3C.inject(Context.current(), b, (builder, key, value) -> builder.attribute(key, value));
        return b.build();
    }

    static Tracing.Run enter(Request request, String worker) {
        // a hostile traceparent is parsed by the propagator, which ignores what is not valid W3C
        Context parent = W3C.extract(Context.root(), request.attributes(), GETTER);
        Span span = GlobalOpenTelemetry.getTracer("dev.outpost").spanBuilder("outpost " + request.collector())
                .setParent(parent).setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "outpost")
                .setAttribute("messaging.message.id", request.id())
                .setAttribute("outpost.collector", request.collector())
                .setAttribute("outpost.worker", worker)
                .startSpan();
        Scope scope = span.makeCurrent();
        return new Tracing.Run() {
            @Override
            public void failed(Throwable error) {
                try {
                    span.setStatus(StatusCode.ERROR, error.getClass().getSimpleName());
                } catch (Throwable t) { // the application's tracer
                    Tracing.failed("marking the span of request " + request.id() + " failed", t);
                }
            }

            @Override
            public void close() {
                try {
                    scope.close(); // first and whatever happens: the runner thread must not keep this context
                    span.end();
                } catch (Throwable t) { // the application's tracer (its span processors run in end())
                    Tracing.failed("ending the span of request " + request.id(), t);
                }
            }
        };
    }
}
