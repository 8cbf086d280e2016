package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Attributes;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TraceContextTest {
    @RegisterExtension
    static final OpenTelemetryExtension otel = OpenTelemetryExtension.create();

    @Test
    void theCallersSpanIsTheParentOfTheWorkersAndIsCurrentInTheCollector() throws Exception {
        AtomicReference<String> seenTraceId = new AtomicReference<>();
        Collector traced = Collector.of("traced", "reads the current span", Json.anyObjectSchema(), (req, ctx) -> {
            seenTraceId.set(Span.current().getSpanContext().getTraceId());
            return Map.of();
        });
        Tracer tracer = otel.getOpenTelemetry().getTracer("test");
        try (InMemoryTransport transport = InMemoryTransport.create();
             Worker worker = Worker.builder(transport).collector(traced).pollWait(Duration.ofMillis(50)).build().start();
             Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            Span caller = tracer.spanBuilder("caller").startSpan();
            Response r;
            try (Scope s = caller.makeCurrent()) {
                r = client.call(Request.builder("traced").build(), Duration.ofSeconds(5)).get();
            } finally {
                caller.end();
            }
            assertThat(r.isOk()).isTrue();
            assertThat(seenTraceId.get()).isEqualTo(caller.getSpanContext().getTraceId());
            SpanData run = otel.getSpans().stream().filter(sp -> sp.getName().equals("outpost traced")).findFirst().orElseThrow();
            assertThat(run.getParentSpanId()).isEqualTo(caller.getSpanContext().getSpanId());
            assertThat(run.getTraceId()).isEqualTo(caller.getSpanContext().getTraceId());
            assertThat(run.getKind()).isEqualTo(SpanKind.CONSUMER);
        }
    }

    @Test
    void aHostileTraceparentStartsANewTraceInsteadOfFailing() throws Exception {
        Collector echo = Collector.of("echo", "echo", Json.anyObjectSchema(), (req, ctx) -> Map.of());
        try (InMemoryTransport transport = InMemoryTransport.create();
             Worker worker = Worker.builder(transport).collector(echo).pollWait(Duration.ofMillis(50)).build().start();
             Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            Request hostile = Request.builder("echo").attribute(Attributes.TRACEPARENT, "00-" + "z".repeat(5000) + "-01").build();
            assertThat(client.call(hostile, Duration.ofSeconds(5)).get().isOk()).isTrue();
            SpanData run = otel.getSpans().stream().filter(sp -> sp.getName().equals("outpost echo")).findFirst().orElseThrow();
            assertThat(run.getParentSpanContext().isValid()).isFalse();
        }
    }
}
