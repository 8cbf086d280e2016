package dev.outpost.bench;

import dev.outpost.core.Worker;
import dev.outpost.core.WorkerListener;
import dev.outpost.core.audit.AuditLog;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.micrometer.MeteredTransport;
import dev.outpost.micrometer.MeterSettings;
import dev.outpost.micrometer.WorkerMetrics;
import dev.outpost.spi.Transport;
import dev.outpost.sqs.SqsTransport;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * {@link ObservedWorkerThroughput} on the path production uses: the worker on SQS (ElasticMQ in a
 * JVM of its own, as in {@link SqsWorkerVsRawLoop}, with that bench's worker settings: 80 slots,
 * 8 pollers, no replies), with the audit log and Micrometer on against off, each alone too,
 * interleaved in the same rounds on queues filled alike. Prints each round's rate with this JVM's
 * CPU per message (ElasticMQ's apart), and the ratios of the means. The in-memory bench measures
 * what the two cost against a request that costs 4 µs; this one what they cost a worker whose
 * every message is a network call.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.outpost.bench.ObservedSqsWorker [messages=20000] [rounds=5]</pre>
 */
public final class ObservedSqsWorker {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private ObservedSqsWorker() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path dir = Files.createTempDirectory("observed-sqs");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process server = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                ElasticMqServer.class.getName()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        boolean[][] configs = {{false, false}, {true, false}, {false, true}, {true, true}};
        String[] names = {"off", "micrometer", "audit", "both"};
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            int port = Integer.parseInt(out.readLine().substring("listening ".length()).trim());
            String serverPid = Long.toString(server.pid());
            try (SqsAsyncClient sqs = SqsWorkerVsRawLoop.client(port)) {
                System.out.printf(Locale.ROOT, "observed SQS worker: %,d messages per run, ElasticMQ in its own JVM, %d CPUs, audit in %s%n",
                        n, Runtime.getRuntime().availableProcessors(), dir);
                List<List<double[]>> results = new ArrayList<>();
                for (int c = 0; c < configs.length; c++) {
                    results.add(new ArrayList<>());
                }
                // the SDK's paths are still being compiled through the first rounds: on 2026-12-06 rounds -1 to 1 of a
                // run with two cost 155-387, 158-192 and 79-129 µs per message, later ones 57-83
                int warm = 4;
                for (int round = 1 - warm; round <= rounds; round++) {
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  round %d:", round));
                    for (int k = 0; k < configs.length; k++) {
                        int c = (k + round + warm) % configs.length; // rotated, so a drift in load favours none
                        String queue = "observed-" + names[c] + "-" + (round + warm);
                        SqsWorkerVsRawLoop.fill(sqs, queue, n, null);
                        double[] x = run(sqs, queue, n, configs[c][0], configs[c][1], dir, serverPid);
                        if (round > 0) {
                            results.get(c).add(x);
                        }
                        line.append(String.format(Locale.ROOT, "  %s %,.0f msg/s (%.0f µs CPU/msg)", names[c], x[0], x[1]));
                    }
                    System.out.println(line + (round <= 0 ? "  (warm-up, not counted)" : ""));
                }
                List<double[]> off = results.get(0);
                for (int c = 1; c < configs.length; c++) {
                    List<double[]> on = results.get(c);
                    System.out.printf(Locale.ROOT, "  mean %-10s %,.0f msg/s at %.0f µs CPU/msg, ratio to off %.2f%s; CPU per message %+.1f µs;"
                            + " %,.0f audit lines dropped%n", names[c], mean(on, 0), mean(on, 1), mean(on, 0) / mean(off, 0),
                            c == 3 ? " (goal >= 0.9)" : "", mean(on, 1) - mean(off, 1), mean(on, 2));
                }
                System.out.printf(Locale.ROOT, "  mean off        %,.0f msg/s at %.0f µs CPU/msg (ElasticMQ %.0f µs CPU/msg)%n",
                        mean(off, 0), mean(off, 1), mean(off, 3));
            }
        } finally {
            server.getOutputStream().close();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private static double mean(List<double[]> rows, int col) {
        return rows.stream().mapToDouble(r -> r[col]).average().orElse(0);
    }

    /** {messages per second, this JVM's CPU µs per message, audit lines dropped, ElasticMQ's CPU µs per message}. */
    private static double[] run(SqsAsyncClient sqs, String queue, int n, boolean metered, boolean audited, Path dir,
            String serverPid) throws Exception {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Path file = dir.resolve("audit.jsonl");
        Files.deleteIfExists(file);
        Optional<AuditLog> audit = audited ? Optional.of(AuditLog.toFile(file).build().start()) : Optional.empty();
        CountDownLatch done = new CountDownLatch(n);
        WorkerListener metrics = metered ? WorkerMetrics.create(meters, MeterSettings.PROMETHEUS) : new WorkerListener() { };
        try (SqsTransport raw = SqsTransport.builder().sqsClient(sqs).queue("requests", queue).build()) {
            Transport transport = metered ? MeteredTransport.wrap(raw, meters, MeterSettings.PROMETHEUS.withPercentileHistogram(false)) : raw;
            long[] server0 = SqsWorkerVsRawLoop.ticks(serverPid);
            long cpu0 = OS.getProcessCpuTime();
            long t0 = System.nanoTime();
            Worker.Builder wb = Worker.builder(transport).collector(Payloads.noop())
                    .configure(OutpostConfig.builder().set("outpost.worker.inline-below-micros", "200").build())
                    .concurrency(80).pollers(8).pollWait(Duration.ofSeconds(1))
                    .listener(new ObservedWorkerThroughput.Counting(metrics, done));
            audit.ifPresent(wb::audit);
            try (Worker worker = wb.build()) {
                if (metrics instanceof WorkerMetrics wm) {
                    wm.monitor(worker);
                }
                worker.start();
                if (!done.await(300, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("only " + (n - done.getCount()) + " of " + n + " completed in 300 s");
                }
                ObservedWorkerThroughput.awaitWritten(audit, n);
                long elapsed = System.nanoTime() - t0;
                long cpu = OS.getProcessCpuTime() - cpu0;
                long[] server1 = SqsWorkerVsRawLoop.ticks(serverPid);
                double serverMicros = (server1[0] + server1[1] - server0[0] - server0[1]) * 1e6 / 100 / n; // USER_HZ 100
                return new double[] {n / (elapsed / 1e9), cpu / 1e3 / n, audit.map(a -> (double) a.dropped()).orElse(0.0),
                    serverMicros};
            }
        } finally {
            audit.ifPresent(AuditLog::close);
            meters.close();
        }
    }
}
