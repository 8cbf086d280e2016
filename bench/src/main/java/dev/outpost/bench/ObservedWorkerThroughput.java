package dev.outpost.bench;

import dev.outpost.ErrorInfo;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Worker;
import dev.outpost.core.WorkerListener;
import dev.outpost.core.audit.AuditLog;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.micrometer.MeterSettings;
import dev.outpost.micrometer.MeteredTransport;
import dev.outpost.micrometer.WorkerMetrics;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Worker throughput on the in-memory transport with the audit log (a real file, params hashed) and
 * Micrometer (worker listener, worker gauges and the metered transport, on a Prometheus registry,
 * as {@code outpost worker} runs them) on, against both off, in interleaved rounds of one run.
 * Also runs each alone, in the same rounds, so that their costs show apart. Prints each round's
 * rate with its process CPU per request, and the ratios of the means (goal for both on ≥ 0.9).
 * Rounds of fewer than about 200,000 requests measure the JIT and the collector more than the work.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.outpost.bench.ObservedWorkerThroughput [requests] [rounds] [dir] [prometheus|clientpct|nopct]</pre>
 * {@code -Donly=off|micrometer|audit|both} runs one configuration alone, after two unprinted
 * warm-up rounds, round after round (for a profiler, and as a user who turns it on meets it: on
 * 2026-12-05 the audit log measured 0.98× of off interleaved, and 0.4–0.9× in separate runs of it
 * alone and of off alone, minutes apart).
 * The meters use the settings the {@code outpost} daemons use ({@code MeterSettings.PROMETHEUS}:
 * histograms on the request timer, none on transport calls, no client-side percentiles) unless {@code clientpct} (three client-side percentiles,
 * {@code MeterSettings.DEFAULTS}) or {@code nopct} (neither) is given.
 */
public final class ObservedWorkerThroughput {
    private static MeterSettings settings = MeterSettings.PROMETHEUS;

    private ObservedWorkerThroughput() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Path dir = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("observed-bench");
        String mode = args.length > 3 ? args[3] : "prometheus";
        settings = switch (mode) {
            case "clientpct" -> MeterSettings.DEFAULTS;
            case "nopct" -> new MeterSettings(io.micrometer.core.instrument.Tags.empty(), new double[0], false, 100);
            default -> MeterSettings.PROMETHEUS;
        };
        System.out.printf(Locale.ROOT, "observed worker throughput: %,d requests per round, %d rounds each, %d cores, audit in %s%n",
                n, rounds, Runtime.getRuntime().availableProcessors(), dir);
        // off, Micrometer alone, the audit log alone, both (the goal's "on")
        boolean[][] configs = {{false, false}, {true, false}, {false, true}, {true, true}};
        String[] names = {"off", "micrometer", "audit", "both"};
        String only = System.getProperty("only", "");
        if (!only.isEmpty()) { // one configuration alone, for a profiler: -Donly=both
            boolean[] c = configs[java.util.Arrays.asList(names).indexOf(only)];
            round(n, c[0], c[1], dir); // the JIT's rounds, not measured
            round(n, c[0], c[1], dir);
            for (int r = 0; r < rounds; r++) {
                double[] x = round(n, c[0], c[1], dir);
                System.out.printf(Locale.ROOT, "  %s %,.0f req/s (%.2f µs CPU/req; loop threads %.2f, audit writer %.2f)%n", only, x[0], x[1], x[3], x[4]);
            }
            return;
        }
        for (int i = 0; i < 2; i++) { // warm the JIT for all, so none is measured cold
            for (boolean[] c : configs) {
                round(n, c[0], c[1], dir);
            }
        }
        List<List<double[]>> results = new ArrayList<>();
        for (int c = 0; c < configs.length; c++) {
            results.add(new ArrayList<>());
        }
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  round %d:", r + 1));
            // rotate the order, so a drift in the machine's load does not favour one
            for (int k = 0; k < configs.length; k++) {
                int c = (k + r) % configs.length;
                results.get(c).add(round(n, configs[c][0], configs[c][1], dir));
            }
            for (int c = 0; c < configs.length; c++) {
                double[] x = results.get(c).get(r);
                line.append(String.format(Locale.ROOT, "  %s %,.0f req/s (%.2f µs CPU/req)", names[c], x[0], x[1]));
            }
            System.out.println(line);
        }
        List<double[]> off = results.get(0);
        for (int c = 1; c < configs.length; c++) {
            List<double[]> on = results.get(c);
            System.out.printf(Locale.ROOT, "  mean %-10s %,.0f req/s at %.2f µs CPU/req, ratio to off %.2f%s; CPU per request %+.2f µs"
                    + " (loop threads %+.2f, audit writer %.2f; %,.0f audit lines dropped)%n", names[c], mean(on, 0), mean(on, 1),
                    mean(on, 0) / mean(off, 0), c == 3 ? " (goal >= 0.9)" : "", mean(on, 1) - mean(off, 1),
                    mean(on, 3) - mean(off, 3), mean(on, 4), mean(on, 2));
        }
        System.out.printf(Locale.ROOT, "  mean off        %,.0f req/s at %.2f µs CPU/req (loop threads %.2f)%n", mean(off, 0), mean(off, 1),
                mean(off, 3));
    }

    private static double mean(List<double[]> rows, int col) {
        return rows.stream().mapToDouble(r -> r[col]).average().orElse(0);
    }

    /**
     * {requests per second, process CPU µs per request, audit events dropped, CPU µs per request of
     * the worker's own threads, of the audit writer}.
     */
    static double[] round(int n, boolean metered, boolean audited, Path dir) throws Exception {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Path file = dir.resolve("audit.jsonl");
        Files.deleteIfExists(file);
        Optional<AuditLog> audit = audited ? Optional.of(AuditLog.toFile(file).build().start()) : Optional.empty();
        try (InMemoryTransport raw = InMemoryTransport.builder().maxQueuedBytes(1L << 30).build()) {
            // as the daemons bind it: transport calls without histogram buckets (see the micrometer README)
            Transport transport = metered ? MeteredTransport.wrap(raw, meters, settings.withPercentileHistogram(false)) : raw;
            List<Message> batch = new ArrayList<>(10);
            JsonCodec clientCodec = JsonCodec.create();
            for (int i = 0; i < n; i++) {
                Request r = Payloads.request(i, "results");
                batch.add(Message.of(clientCodec.encodeRequest(r), Map.of("outpost-request-id", r.id())));
                if (batch.size() == 10) {
                    raw.sendBatch("requests", batch).join();
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                raw.sendBatch("requests", batch).join();
            }
            CountDownLatch done = new CountDownLatch(n);
            AtomicBoolean draining = new AtomicBoolean(true);
            Thread drainer = new Thread(() -> {
                while (draining.get()) {
                    try {
                        for (Delivery d : raw.receive("results", 10, Duration.ofMillis(50))) {
                            d.ack();
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "results-drainer");
            drainer.start();
            WorkerListener metrics = metered ? WorkerMetrics.create(meters, settings) : new WorkerListener() { };
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            Map<Long, Long> threads0 = threadCpu();
            long t0 = System.nanoTime();
            Worker.Builder wb = Worker.builder(transport).allowReplyTo("results").collector(Payloads.noop())
                    .pollWait(Duration.ofMillis(50)).listener(new Counting(metrics, done));
            audit.ifPresent(wb::audit);
            try (Worker worker = wb.build()) {
                if (metrics instanceof WorkerMetrics wm) {
                    wm.monitor(worker);
                }
                worker.start();
                if (!done.await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("only " + (n - done.getCount()) + " of " + n + " completed in 120 s");
                }
                awaitWritten(audit, n);
                long elapsed = System.nanoTime() - t0;
                long cpu = os.getProcessCpuTime() - cpu0;
                long[] split = split(threads0);
                return new double[] {n / (elapsed / 1e9), cpu / 1e3 / n, audit.map(a -> (double) a.dropped()).orElse(0.0),
                    split[0] / 1e3 / n, split[1] / 1e3 / n};
            } finally {
                draining.set(false);
                drainer.join();
                audit.ifPresent(AuditLog::close);
                meters.close();
            }
        }
    }

    /** A round ends when its audit lines are written too (or dropped): the writer's work is part of its cost. */
    static void awaitWritten(Optional<AuditLog> audit, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (audit.isPresent() && audit.get().written() + audit.get().dropped() < n && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    private static Map<Long, Long> threadCpu() {
        Map<Long, Long> out = new java.util.HashMap<>();
        for (long id : THREADS.getAllThreadIds()) {
            out.put(id, THREADS.getThreadCpuTime(id));
        }
        return out;
    }

    /** CPU nanoseconds since {@code before} of the worker's threads and of the audit writer (threads alive now). */
    private static long[] split(Map<Long, Long> before) {
        long[] out = new long[2];
        for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t == null) {
                continue;
            }
            long cpu = THREADS.getThreadCpuTime(t.getThreadId()) - before.getOrDefault(t.getThreadId(), 0L);
            if (t.getThreadName().startsWith("outpost-worker")) {
                out[0] += cpu;
            } else if (t.getThreadName().contains("audit")) {
                out[1] += cpu;
            }
        }
        return out;
    }

    /** Forwards to the metrics listener and counts completions (a worker has one listener). */
    record Counting(WorkerListener inner, CountDownLatch done) implements WorkerListener {
        @Override
        public void onReceived(Delivery delivery) {
            inner.onReceived(delivery);
        }

        @Override
        public void onCompleted(Request request, Response response, Duration elapsed) {
            inner.onCompleted(request, response, elapsed);
            done.countDown();
        }

        @Override
        public void onRetry(Request request, int attempt, Duration delay, ErrorInfo error) {
            inner.onRetry(request, attempt, delay, error);
        }

        @Override
        public void onRejected(Delivery delivery, RejectReason reason, String detail) {
            inner.onRejected(delivery, reason, detail);
        }

        @Override
        public void onDeadLettered(Delivery delivery, RejectReason reason, String detail) {
            inner.onDeadLettered(delivery, reason, detail);
        }

        @Override
        public void onError(String context, Throwable error) {
            inner.onError(context, error);
        }
    }
}
