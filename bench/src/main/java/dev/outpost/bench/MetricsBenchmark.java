package dev.outpost.bench;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.micrometer.MeterSettings;
import dev.outpost.micrometer.MeteredTransport;
import dev.outpost.micrometer.WorkerMetrics;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What Micrometer adds to a worker's request on its own threads, as {@code outpost worker} binds it
 * (Prometheus registry, histograms): the worker listener's two events and the metered transport's
 * reply send, on a transport whose sends complete at once. One and two threads, as the worker's
 * loop runs on this machine's two cores.
 * {@code java -jar bench/target/benchmarks.jar MetricsBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MetricsBenchmark {
    /** {@code prometheus}: histograms, as the daemons bind them; {@code none}: neither histograms nor percentiles. */
    @Param({"prometheus", "requests", "none"})
    public String settings;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private WorkerMetrics metrics;
    private Transport transport;
    private final Request request = Payloads.request(1, "results");
    private final Response response = Response.ok(request, Json.toTree(Map.of("ok", true)), "w", 1, Instant.now(), Instant.now());
    private final Message message = Message.of(new byte[10], Map.of());
    private final Duration elapsed = Duration.ofNanos(12_345);

    @Setup
    public void bind() {
        MeterSettings m = settings.equals("prometheus") ? MeterSettings.PROMETHEUS
                : new MeterSettings(io.micrometer.core.instrument.Tags.empty(), new double[0], false, 100);
        MeterSettings plain = new MeterSettings(io.micrometer.core.instrument.Tags.empty(), new double[0], false, 100);
        metrics = WorkerMetrics.create(registry, settings.equals("requests") ? MeterSettings.PROMETHEUS : m);
        transport = MeteredTransport.wrap(new Sink(), registry, settings.equals("requests") ? plain : m);
    }

    @Benchmark
    @Threads(1)
    public CompletableFuture<Void> perRequestOneThread() {
        return perRequest();
    }

    @Benchmark
    @Threads(2)
    public CompletableFuture<Void> perRequestTwoThreads() {
        return perRequest();
    }

    private CompletableFuture<Void> perRequest() {
        metrics.onReceived(null);
        metrics.onCompleted(request, response, elapsed);
        return transport.send("results", message);
    }

    /** Sends that complete at once, as the in-memory transport's do. */
    private static final class Sink implements Transport {
        private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

        @Override
        public CompletableFuture<Void> send(String destination, Message message) {
            return DONE;
        }

        @Override
        public List<Delivery> receive(String source, int maxMessages, Duration wait) {
            return List.of();
        }

        @Override
        public void close() {}
    }
}
