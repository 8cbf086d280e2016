package dev.outpost.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import dev.outpost.kv.SqliteRegistry;
import dev.outpost.spi.RegistryEntry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The SQLite registry writer's cost per row under the idempotency store's pattern: each of
 * {@code threads} callers registers a {@code running} claim under a random SHA-256 key, then
 * replaces it with a {@code done} outcome at the claimed version (2 rows per "request"). Prints
 * rows/s, rows per group commit, the writer thread's CPU per row and the process CPU per row.
 * Many threads give big batches (the writer's per-row cost); 16 gives the worker's pattern.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.outpost.bench.SqliteWriterCost [threads] [requests per thread] [dir]</pre>
 */
public final class SqliteWriterCost {
    private SqliteWriterCost() {}

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int perThread = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        Path dir = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("outpost-writer-cost");
        Files.createDirectories(dir);
        for (int round = 0; round < 3; round++) {
            try (SqliteRegistry store = SqliteRegistry.open(dir.resolve("cost-" + System.nanoTime() + ".db"))) {
                run(store, threads, perThread, "round " + round);
            }
        }
    }

    private static void run(SqliteRegistry store, int threads, int perThread, String label) throws Exception {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        AtomicLong failures = new AtomicLong();
        Thread[] ts = new Thread[threads];
        long w0 = store.writeCount();
        long c0 = store.commitCount();
        long writer0 = writerCpu();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                try {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    for (int i = 0; i < perThread; i++) {
                        String key = "idem/" + HexFormat.of().formatHex(sha.digest((label + id + "/" + i).getBytes(StandardCharsets.UTF_8)));
                        ObjectNode running = Json.object().put("state", "running").put("fp", key.substring(5)).put("worker", "w-1")
                                .put("instance", "0123456789abcdef").put("since", "2026-12-04T21:00:00Z");
                        RegistryEntry e = store.register(key, running, Optional.of(Duration.ofMinutes(5)));
                        ObjectNode done = Json.object().put("state", "done").put("fp", key.substring(5)).put("worker", "w-1");
                        done.putObject("response").put("status", "ok").put("worker", "w-1").put("attempt", 1)
                                .put("startedAt", "2026-12-04T21:00:00Z").put("finishedAt", "2026-12-04T21:00:00.001Z")
                                .putObject("result").put("rows", 42).put("text", "a result of a few dozen bytes");
                        store.replace(key, done, e.version(), Optional.of(Duration.ofHours(24)));
                    }
                } catch (Exception e) {
                    failures.incrementAndGet();
                    e.printStackTrace();
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        long elapsed = System.nanoTime() - t0;
        long cpu = os.getProcessCpuTime() - cpu0;
        long rows = store.writeCount() - w0;
        long commits = Math.max(1, store.commitCount() - c0);
        System.out.printf(Locale.ROOT, "%s: %d threads, %,d rows in %.2f s: %,.0f rows/s, %.1f rows per commit, writer %.1f µs CPU"
                + " per row, process %.1f µs CPU per row, %.0f µs wall per commit%s%n", label, threads, rows, elapsed / 1e9,
                rows / (elapsed / 1e9), rows / (double) commits, (writerCpu() - writer0) / 1e3 / rows, cpu / 1e3 / rows,
                elapsed / 1e3 / commits, failures.get() == 0 ? "" : ", " + failures.get() + " threads failed");
    }

    /** CPU nanoseconds of the registry writer threads so far. */
    static long writerCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().contains("kv-sqlite") && t.getName().endsWith("writer")) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
            }
        }
        return sum;
    }
}
