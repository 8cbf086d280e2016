package dev.outpost.bench;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Worker;
import dev.outpost.core.WorkerListener;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.kv.SqliteRegistry;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Worker throughput with idempotency keys on (every request carries a fresh key; the worker keeps
 * outcomes in a {@link SqliteRegistry} on disk, {@code synchronous=FULL}) against the same keyed
 * requests on a worker without a store, in interleaved rounds of one run, on the in-memory
 * transport with a no-op collector. Prints requests/s and process CPU per request for each mode,
 * and the ratio on/off (goal ≥ 0.5).
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.outpost.bench.IdempotentWorkerThroughput [requests] [rounds] [concurrency] [dir]</pre>
 */
public final class IdempotentWorkerThroughput {
    private IdempotentWorkerThroughput() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        Path dir = args.length > 3 ? Path.of(args[3]) : Files.createTempDirectory("outpost-idem-bench");
        System.out.printf(Locale.ROOT, "idempotent worker throughput: %,d keyed requests per round, concurrency %d, %d cores,"
                + " SQLite store in %s%n", n, concurrency, Runtime.getRuntime().availableProcessors(), dir);
        Codec codec = JsonCodec.create();
        round(n, concurrency, codec, null, "warm-off");
        try (SqliteRegistry warm = SqliteRegistry.open(dir.resolve("warm.db"))) {
            round(n, concurrency, codec, warm, "warm-on");
        }
        List<double[]> off = new ArrayList<>();
        List<double[]> on = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            off.add(round(n, concurrency, codec, null, "off-" + r));
            try (SqliteRegistry store = SqliteRegistry.open(dir.resolve("round-" + r + ".db"))) {
                on.add(round(n, concurrency, codec, store, "on-" + r));
            }
            System.out.printf(Locale.ROOT, "  round %d: off %,.0f req/s (%.1f µs CPU/req), on %,.0f req/s (%.1f µs CPU/req),"
                    + " ratio %.2f; store: %.1f rows per commit, writer thread %.1f µs CPU per row, %.0f µs wall per commit%n",
                    r, off.get(r)[0], off.get(r)[1], on.get(r)[0], on.get(r)[1], on.get(r)[0] / off.get(r)[0], on.get(r)[2],
                    on.get(r)[3], on.get(r)[4]);
        }
        double offRate = mean(off, 0);
        double onRate = mean(on, 0);
        System.out.printf(Locale.ROOT, "  mean: off %,.0f req/s at %.1f µs CPU/req; on %,.0f req/s at %.1f µs CPU/req;"
                + " on/off %.2f (goal >= 0.5)%n", offRate, mean(off, 1), onRate, mean(on, 1), onRate / offRate);
    }

    /** CPU nanoseconds of the registry's writer thread(s) so far (0 when none runs). */
    private static long writerCpu() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().contains("kv-sqlite") && t.getName().endsWith("writer")) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
            }
        }
        return sum;
    }

    private static double mean(List<double[]> rows, int i) {
        return rows.stream().mapToDouble(r -> r[i]).average().orElse(0);
    }

    /**
     * {requests per second, process CPU microseconds per request} and, with a store, {rows per
     * group commit, the writer thread's CPU microseconds per row, wall microseconds per commit}.
     */
    static double[] round(int n, int concurrency, Codec codec, SqliteRegistry store, String label) throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.builder().maxQueuedBytes(1L << 30).build()) {
            List<Message> batch = new ArrayList<>(10);
            for (int i = 0; i < n; i++) {
                Request r = Payloads.request(i, "results").toBuilder().idempotencyKey(label + "-" + i).build();
                batch.add(Message.of(codec.encodeRequest(r), Map.of("outpost-request-id", r.id())));
                if (batch.size() == 10) {
                    transport.sendBatch("requests", batch).join();
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                transport.sendBatch("requests", batch).join();
            }
            CountDownLatch done = new CountDownLatch(n);
            AtomicBoolean draining = new AtomicBoolean(true);
            Thread drainer = new Thread(() -> {
                while (draining.get()) {
                    try {
                        for (Delivery d : transport.receive("results", 10, Duration.ofMillis(50))) {
                            d.ack();
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "results-drainer");
            drainer.start();
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long writes0 = store == null ? 0 : store.writeCount();
            long commits0 = store == null ? 0 : store.commitCount();
            long writerCpu0 = writerCpu();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            Worker.Builder b = Worker.builder(transport).allowReplyTo("results").codec(codec).collector(Payloads.noop())
                    .concurrency(concurrency).pollWait(Duration.ofMillis(50)).listener(new WorkerListener() {
                        @Override
                        public void onCompleted(Request request, Response response, Duration elapsed) {
                            done.countDown();
                        }
                    });
            if (store != null) {
                b.idempotency(store);
            }
            try (Worker worker = b.build().start()) {
                if (!done.await(300, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("only " + (n - done.getCount()) + " of " + n + " completed in 300 s");
                }
                long elapsed = System.nanoTime() - t0;
                long cpu = os.getProcessCpuTime() - cpu0;
                if (store == null) {
                    return new double[] {n / (elapsed / 1e9), cpu / 1e3 / n};
                }
                long rows = store.writeCount() - writes0;
                long commits = Math.max(1, store.commitCount() - commits0);
                return new double[] {n / (elapsed / 1e9), cpu / 1e3 / n, rows / (double) commits,
                    (writerCpu() - writerCpu0) / 1e3 / Math.max(1, rows), elapsed / 1e3 / commits};
            } finally {
                draining.set(false);
                drainer.join();
            }
        }
    }
}
