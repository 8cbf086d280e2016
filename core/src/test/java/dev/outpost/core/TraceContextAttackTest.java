package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Attributes;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A hostile sender's trace context, and an application's tracer that fails. */
class TraceContextAttackTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";

    @AfterEach
    void forgetTheTracer() {
        GlobalOpenTelemetry.resetForTest();
    }

    /** The application's tracer: spans go through {@code onStart} and {@code onEnd}. */
    private static void tracer(Consumer<ReadWriteSpan> onStart, Consumer<ReadableSpan> onEnd) {
        GlobalOpenTelemetry.resetForTest();
        GlobalOpenTelemetry.set(OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(new SpanProcessor() {
                    @Override
                    public void onStart(Context parent, ReadWriteSpan span) {
                        onStart.accept(span);
                    }

                    @Override
                    public boolean isStartRequired() {
                        return true;
                    }

                    @Override
                    public void onEnd(ReadableSpan span) {
                        onEnd.accept(span);
                    }

                    @Override
                    public boolean isEndRequired() {
                        return true;
                    }
                }).build()).build());
    }

    private static final Collector ECHO = Collector.of("echo", "echo", Json.anyObjectSchema(), (req, ctx) -> Map.of());

    @Test
    void traceparentsTheSpecRefusesStartANewTraceAndAFutureVersionIsRead() throws Exception {
        List<SpanContext> parents = new CopyOnWriteArrayList<>();
        tracer(span -> parents.add(span.getParentSpanContext()), span -> { });
        String[] refused = {"ff-" + TRACE + "-" + SPAN + "-01", "00-" + "0".repeat(32) + "-" + SPAN + "-01",
            "00-" + TRACE + "-" + "0".repeat(16) + "-01", "00-" + TRACE.toUpperCase() + "-" + SPAN + "-01",
            "00-" + TRACE + "-" + SPAN + "-01-extra", "00-" + TRACE + "-" + SPAN + "-0g", "00_" + TRACE + "-" + SPAN + "-01",
            "00-" + TRACE + "-" + SPAN + "-01" + "x".repeat(100_000)};
        try (InMemoryTransport transport = InMemoryTransport.create();
             Worker worker = Worker.builder(transport).collector(ECHO).pollWait(Duration.ofMillis(50)).build().start();
             Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            for (String traceparent : refused) {
                Request r = Request.builder("echo").attribute(Attributes.TRACEPARENT, traceparent)
                        .attribute("tracestate", "a=" + "b".repeat(10_000) + ",,,=").build();
                assertThat(client.call(r, Duration.ofSeconds(5)).get().isOk()).as(traceparent).isTrue();
            }
            Request future = Request.builder("echo")
                    .attribute(Attributes.TRACEPARENT, "cc-" + TRACE + "-" + SPAN + "-01-what-the-future-holds").build();
            assertThat(client.call(future, Duration.ofSeconds(5)).get().isOk()).isTrue();
        }
        assertThat(parents).hasSize(refused.length + 1);
        assertThat(parents.subList(0, refused.length)).noneMatch(SpanContext::isValid);
        assertThat(parents.get(refused.length).getTraceId()).isEqualTo(TRACE);
        assertThat(parents.get(refused.length).getSpanId()).isEqualTo(SPAN);
    }

    @Test
    void aTracerThatThrowsAnErrorAsASpanStartsOrEndsNeverHoldsUpTheRequest() throws Exception {
        List<Consumer<Object>> throwing = List.of(
                span -> {
                    throw new AssertionError("the application's span processor");
                },
                span -> { });
        for (int end = 0; end < 2; end++) {
            Consumer<Object> onStart = throwing.get(end), onEnd = throwing.get(1 - end);
            tracer(onStart::accept, onEnd::accept);
            List<String> traceIds = new CopyOnWriteArrayList<>();
            Collector traced = Collector.of("traced", "reads the current span", Json.anyObjectSchema(), (req, ctx) -> {
                traceIds.add(Span.current().getSpanContext().getTraceId());
                return Map.of();
            });
            try (InMemoryTransport transport = InMemoryTransport.create();
                 Worker worker = Worker.builder(transport).collector(traced).pollWait(Duration.ofMillis(50)).build().start();
                 Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
                for (int i = 0; i < 3; i++) {
                    assertThat(client.call(Request.builder("traced").build(), Duration.ofSeconds(5)).get().isOk())
                            .as("failing at the span's " + (end == 1 ? "end" : "start")).isTrue();
                }
                assertThat(traceIds).hasSize(3); // each run once, not again and again as its delivery came back
                assertThat(worker.status().healthy()).isTrue();
            }
        }
    }
}
