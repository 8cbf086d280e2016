package dev.outpost.host.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.outpost.host.records.RecordStore;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Durable records per second in the {@link RecordStore} against the fsync rate of the same disk
 * measured in the same run (write 1 KiB + {@code fsync}, one file, one thread), with process CPU
 * time per record.
 *
 * <pre>
 * ./mvnw -q -pl collectors-host test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.outpost.host.bench.RecordStoreBenchmark [-Dexec.args="DIR SECONDS"]
 * </pre>
 */
public final class RecordStoreBenchmark {
    private RecordStoreBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path base = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("outpost-store-bench");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        Files.createDirectories(base);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try {
            store(base.resolve("warm-up"), sample(5), 1, Math.min(2, seconds), os); // JIT and class loading, not reported
            // the disk is shared and its flush rate drifts: each case is measured right after its own baseline,
            // with as many threads fsyncing their own file as the store gets
            for (int threads : new int[] {1, 4}) {
                for (int items : new int[] {5, 500}) {
                    double[] fsync = fsyncRate(base.resolve("fsync"), threads, seconds / 2, os);
                    JsonNode data = sample(items);
                    double[] r = store(base.resolve("records-" + threads + "-" + items), data, threads, seconds, os);
                    System.out.printf("%d thread(s): fsync %6.0f/s (%5.1f us CPU) | store %6d-byte records %6.0f/s (%6.1f us CPU/record)"
                            + " | %.3f records per fsync%n", threads, fsync[0], fsync[1], data.toString().length(), r[0], r[1],
                            r[0] / fsync[0]);
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(base)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** fsyncs per second (all threads together), each thread writing 1 KiB to its own file and fsyncing it. */
    private static double[] fsyncRate(Path prefix, int threads, double seconds, com.sun.management.OperatingSystemMXBean os)
            throws Exception {
        AtomicLong n = new AtomicLong();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        CountDownLatch done = new CountDownLatch(threads);
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Path file = prefix.resolveSibling(prefix.getFileName() + "-" + t + ".bin");
            new Thread(() -> {
                ByteBuffer kib = ByteBuffer.allocate(1024);
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    while (System.nanoTime() < end) {
                        kib.clear();
                        ch.write(kib, 0);
                        ch.force(true);
                        n.incrementAndGet();
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                } finally {
                    done.countDown();
                }
            }, "fsync-" + t).start();
        }
        done.await();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        return new double[] {n.get() / elapsed, (os.getProcessCpuTime() - cpu0) / 1e3 / n.get()};
    }

    private static double[] store(Path dir, JsonNode data, int threads, double seconds, com.sun.management.OperatingSystemMXBean os)
            throws Exception {
        try (RecordStore store = RecordStore.builder(dir).build().start()) {
            AtomicLong n = new AtomicLong();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            CountDownLatch done = new CountDownLatch(threads);
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                String source = "host-" + t;
                new Thread(() -> {
                    try {
                        while (System.nanoTime() < end) {
                            store.store(source + "-" + n.incrementAndGet(), source, data, Optional.empty());
                        }
                    } catch (Exception e) {
                        e.printStackTrace();
                    } finally {
                        done.countDown();
                    }
                }, "bench-" + t).start();
            }
            done.await();
            double elapsed = (System.nanoTime() - t0) / 1e9;
            return new double[] {n.get() / elapsed, (os.getProcessCpuTime() - cpu0) / 1e3 / n.get()};
        }
    }

    /** A process list like the shipper's, {@code items} entries. */
    private static JsonNode sample(int items) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < items; i++) {
            a.addObject().put("pid", i).put("name", "proc-" + i).put("user", "root").put("state", "sleeping")
                    .put("cpuPercent", 0.5).put("residentBytes", 123456789L).put("threads", 4)
                    .putArray("arguments").add("/usr/bin/proc-" + i).add("--flag");
        }
        return a;
    }
}
