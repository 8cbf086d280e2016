package dev.outpost.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmarks with their baselines measured in the same run (not a unit test; run it by hand):
 *
 * <ol>
 *   <li>durable put, one writer, against the disk's rate of 256-byte write + fdatasync on a file
 *       beside the database (goal: at least 0.8×);
 *   <li>durable put with 16 writers against one writer (goal: at least 5×, from group commit);
 *   <li>remote {@code kv.get} round trip on the in-memory transport: p50 and p99.
 * </ol>
 *
 * Prints rates, ratios and process CPU time per operation. {@code java -cp ... dev.outpost.kv.KvBenchmark [DIR] [SECONDS]}
 */
public final class KvBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KvBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("kv-bench");
        Files.createDirectories(dir);
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 5;
        JsonNode value = JSON.readTree("{\"queue\":\"billing-requests\",\"host\":\"10.0.0.5\",\"port\":8443,\"tags\":[\"a\",\"b\"]}");

        // the disk of a shared machine drifts a lot from second to second: the baseline and the
        // measured puts alternate in one-second slices and are compared on their sums
        Result fsync = new Result(0, 0, 0);
        Result one = new Result(0, 0, 0);
        Result sixteen;
        try (SqliteRegistry kv = SqliteRegistry.open(dir.resolve("bench-" + System.nanoTime() + ".db"))) {
            puts(kv, 1, 1, value); // warm up (and fill the WAL once, so that later commits reuse it as in steady state)
            for (long i = 0; i < seconds; i++) {
                fsync = fsync.plus(fsyncRate(dir.resolve("fsync-probe.bin"), 1));
                one = one.plus(puts(kv, 1, 1, value));
            }
            print("disk: 256 B write + fdatasync", fsync);
            print("durable put, 1 writer", one);
            long c0 = kv.commitCount();
            long w0 = kv.writeCount();
            sixteen = puts(kv, 16, seconds, value);
            print("durable put, 16 writers", sixteen);
            System.out.printf("  group commit: %.1f writes per fsync%n", (kv.writeCount() - w0) / (double) Math.max(1, kv.commitCount() - c0));
        }
        System.out.printf("ratio 1 writer / disk fsync rate: %.2fx (goal >= 0.8x)%n", one.rate() / fsync.rate());
        System.out.printf("ratio 16 writers / 1 writer:      %.2fx (goal >= 5x)%n", sixteen.rate() / one.rate());

        remoteGet(seconds);
    }

    private record Result(long ops, long nanos, long cpuNanos) {
        Result plus(Result o) {
            return new Result(ops + o.ops, nanos + o.nanos, cpuNanos + o.cpuNanos);
        }

        double rate() {
            return ops * 1e9 / nanos;
        }
    }

    private static void print(String what, Result r) {
        System.out.printf("%-34s %9.0f ops/s  (%d ops)  CPU %.1f us/op%n", what, r.rate(), r.ops, r.cpuNanos / 1000.0 / r.ops);
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static Result fsyncRate(Path file, long seconds) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocate(256);
            long c0 = cpu();
            long t0 = System.nanoTime();
            long end = t0 + seconds * 1_000_000_000L;
            long n = 0;
            long pos = 0;
            while (System.nanoTime() < end) {
                buf.clear();
                ch.write(buf, pos);
                pos += 256;
                ch.force(false); // fdatasync
                n++;
            }
            return new Result(n, System.nanoTime() - t0, cpu() - c0);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static Result puts(SqliteRegistry kv, int threads, long seconds, JsonNode value) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ops = new AtomicLong();
        List<Thread> ts = new ArrayList<>();
        String run = Long.toString(System.nanoTime(), 36);
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts.add(new Thread(() -> {
                for (int i = 0; !stop.get(); i++) {
                    kv.register("bench/" + run + "-" + id + "-" + i, value, Optional.empty());
                    ops.incrementAndGet();
                }
            }));
        }
        long c0 = cpu();
        long t0 = System.nanoTime();
        ts.forEach(Thread::start);
        Thread.sleep(seconds * 1000); // a benchmark's measuring window, not a test waiting for time
        stop.set(true);
        for (Thread t : ts) {
            t.join();
        }
        return new Result(ops.get(), System.nanoTime() - t0, cpu() - c0);
    }

    private static void remoteGet(long seconds) throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create();
                InMemoryRegistry store = InMemoryRegistry.create();
                Worker worker = Worker.builder(transport).requests("kv")
                        .collectors(RegistryService.builder(store).namespace("svc", NamespaceAccess.open()).build().collectors())
                        .builtins(false).pollWait(Duration.ofMillis(200)).build().start();
                Client client = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(200)).build().start();
                RemoteRegistry kv = RemoteRegistry.builder(client).build()) {
            kv.register("svc/billing", JSON.readTree("{\"queue\":\"billing\"}"), Optional.empty());
            for (int i = 0; i < 2000; i++) {
                kv.get("svc/billing");
            }
            long[] lat = new long[1_000_000];
            int n = 0;
            long c0 = cpu();
            long t0 = System.nanoTime();
            long end = t0 + seconds * 1_000_000_000L;
            while (System.nanoTime() < end && n < lat.length) {
                long s = System.nanoTime();
                kv.get("svc/billing").orElseThrow();
                lat[n++] = System.nanoTime() - s;
            }
            long wall = System.nanoTime() - t0;
            long cpu = cpu() - c0;
            long[] sorted = Arrays.copyOf(lat, n);
            Arrays.sort(sorted);
            System.out.printf("remote kv.get, in-memory transport: %d calls, p50 %.0f us, p99 %.0f us, %.0f calls/s, CPU %.1f us/call%n",
                    n, sorted[n / 2] / 1000.0, sorted[(int) (n * 0.99)] / 1000.0, n * 1e9 / wall, cpu / 1000.0 / n);
        }
    }
}
