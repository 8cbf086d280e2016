package dev.outpost.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.host.records.RecordStore;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Durable records per fsync in the {@link RecordStore}, with 1 and 16 writers, against the fsync
 * rate of the same disk measured just before (each thread writing 1 KiB to its own file and
 * fsyncing it; one thread, the unit of the goal, and as many threads as writers), and against the store's former write path in the same run ("before": marker and
 * record each written to a temporary file, fsynced, renamed, directory fsynced: four fsyncs a
 * record). Prints records/s, records per baseline fsync, the store's own journal fsyncs per record,
 * and process CPU µs per record; and, as a second unit, one thread's fsync rate while files are created beside it at the
 * pace the store wrote its records (what the store's own file writing leaves of the disk). Closing the store afterwards fsyncs the record and marker files
 * the run wrote (in steady state the sync thread does it 30 s after each segment closes, once the
 * kernel has written them back); its time is printed apart.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.outpost.bench.RecordStoreFsync [DIR] [SECONDS=5]</pre>
 *
 * Put DIR on the disk to measure (the default temporary directory may be tmpfs, where fsync is free). With
 * {@code -Dkeep=true} the files are left in DIR: on ext4 without a journal, creating a file scans
 * past every inode deleted in the last minute or more, so a run started just after another's cleanup
 * spends most of its CPU there; delete DIR yourself well before the next run.
 */
public final class RecordStoreFsync {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final java.lang.management.CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private RecordStoreFsync() {}

    public static void main(String[] args) throws Exception {
        Path base = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory(Path.of("target"), "store-bench");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        Files.createDirectories(base);
        JsonNode data = sample(5);
        try {
            // JIT, not reported: with a short warm-up the C2 compiler was still at work during the 1-writer rounds (a third
            // of the process's CPU samples), which showed as several hundred µs of CPU per record
            run(base.resolve("warm-1"), data, 1, seconds, false);
            run(base.resolve("warm-16"), data, 16, seconds, false);
            run(base.resolve("warm-before-1"), data, 1, Math.min(2, seconds), true);
            run(base.resolve("warm-before-16"), data, 16, Math.min(2, seconds), true);
            int round = 0;
            double[] perSingleFsync = new double[2];
            for (int threads : new int[] {1, 16, 1, 16}) {
                round++;
                // the disk's own rate: one thread writing and fsyncing (the unit of the goal), and as many threads as writers
                double[] before = run(base.resolve("before-" + round), data, threads, seconds, true);
                // the disk's rate drifts by several times within minutes on a shared machine: measured just before and just after
                double[] f1a = fsyncRate(base.resolve("fsync"), 1, seconds / 4);
                double[] fna = threads == 1 ? f1a : fsyncRate(base.resolve("fsync"), threads, seconds / 4);
                long jit0 = JIT.getTotalCompilationTime();
                double[] after = run(base.resolve("after-" + round), data, threads, seconds, false);
                long jitMs = JIT.getTotalCompilationTime() - jit0;
                double[] f1b = fsyncRate(base.resolve("fsync"), 1, seconds / 4);
                double[] fnb = threads == 1 ? f1b : fsyncRate(base.resolve("fsync"), threads, seconds / 4);
                // the same disk while files are created beside the fsyncs at the pace the store wrote its records
                double[] loaded = fsyncRateCreating(base.resolve("loaded-" + round), after[0], seconds / 2);
                double[] fsync1 = {(f1a[0] + f1b[0]) / 2, (f1a[1] + f1b[1]) / 2};
                double[] fsync = {(fna[0] + fnb[0]) / 2, (fna[1] + fnb[1]) / 2};
                perSingleFsync[threads == 1 ? 0 : 1] += after[0] / fsync1[0] / 2;
                System.out.printf(Locale.ROOT, "%2d writer(s): fsync 1 thread %6.0f/s (%5.0f..%5.0f, %5.1f us CPU), %2d threads %6.0f/s | before %6.0f rec/s"
                        + " (%6.1f us CPU/rec) | after %6.0f rec/s (%6.1f us CPU/rec): %.3f records per 1-thread fsync, %.3f per"
                        + " %d-thread fsync, %.2f records per journal fsync, files of %.0f records fsynced at close in %.2f s"
                        + " | after/before %.2fx | JIT during the store run %d ms | 1-thread fsync while creating %.0f files/s: %.0f/s,"
                        + " %.3f records per such fsync%n", threads, fsync1[0], f1a[0], f1b[0], fsync1[1], threads, fsync[0], before[0],
                        before[1], after[0], after[1], after[0] / fsync1[0], after[0] / fsync[0], threads, after[2], after[4], after[3],
                        after[0] / before[0], jitMs, loaded[1], loaded[0], after[0] / loaded[0]);
            }
            System.out.printf(Locale.ROOT, "mean records per 1-thread fsync: 1 writer %.3f (goal >= 0.8), 16 writers %.3f = %.2fx of 1 writer"
                    + " (goal >= 5x)%n", perSingleFsync[0], perSingleFsync[1], perSingleFsync[1] / perSingleFsync[0]);
        } finally {
            if (Boolean.getBoolean("keep")) {
                return; // -Dkeep=true: deleting ~100,000 files makes the next minutes' creates expensive (see the module README)
            }
            try (Stream<Path> s = Files.walk(base)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** fsyncs per second (all threads), each thread writing 1 KiB to its own file and fsyncing it; CPU µs per fsync. */
    static double[] fsyncRate(Path prefix, int threads, double seconds) throws Exception {
        Files.createDirectories(prefix);
        AtomicLong n = new AtomicLong();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        CountDownLatch done = new CountDownLatch(threads);
        long cpu0 = OS.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Path file = prefix.resolve(t + ".bin");
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
        return new double[] {n.get() / elapsed, (OS.getProcessCpuTime() - cpu0) / 1e3 / n.get()};
    }

    /**
     * fsyncs per second of one thread as in {@link #fsyncRate}, while another creates files of a record's size, each with a
     * second name (a hard link), {@code filesPerSecond} of them: the write-back of what the store must create anyway, beside
     * its journal's fsyncs. On a virtual disk a flush costs more the more was written since the last one. Returns the
     * fsyncs per second and the files created per second (fewer than asked when one thread cannot keep up).
     */
    static double[] fsyncRateCreating(Path dir, double filesPerSecond, double seconds) throws Exception {
        Path files = Files.createDirectories(dir.resolve("files"));
        Path names = Files.createDirectories(dir.resolve("names"));
        byte[] record = MAPPER.writeValueAsBytes(MAPPER.createObjectNode().put("source", "host-0").put("requestId", "host-0-1")
                .set("data", sample(5)));
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicLong created = new AtomicLong();
        long start = System.nanoTime();
        Thread creator = new Thread(() -> {
            long t0 = System.nanoTime();
            long made = 0;
            try {
                while (!stop.get()) {
                    if (made >= (System.nanoTime() - t0) / 1e9 * filesPerSecond) {
                        java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                        continue;
                    }
                    Path f = files.resolve("host-0_" + made + ".json");
                    Files.write(f, record, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    Files.createLink(names.resolve(Long.toHexString(made * 0x9E3779B97F4A7C15L)), f);
                    made++;
                    created.set(made);
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "creator");
        creator.start();
        double rate;
        try {
            rate = fsyncRate(dir.resolve("fsync"), 1, seconds)[0];
        } finally {
            stop.set(true);
            creator.join();
        }
        return new double[] {rate, created.get() / ((System.nanoTime() - start) / 1e9)};
    }

    /** records/s, CPU µs per record, records per journal fsync (after only). */
    private static double[] run(Path dir, JsonNode data, int threads, double seconds, boolean legacy) throws Exception {
        RecordStore opened = legacy ? null : RecordStore.builder(dir).build().start();
        RecordStore store = opened;
        if (legacy) {
            Files.createDirectories(dir.resolve("ids"));
            Files.createDirectories(dir.resolve("tmp"));
        }
        try {
            AtomicLong n = new AtomicLong();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            CountDownLatch done = new CountDownLatch(threads);
            long syncs0 = legacy ? 0 : store.journalSyncs();
            long cpu0 = OS.getProcessCpuTime();
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                String source = "host-" + t;
                new Thread(() -> {
                    try {
                        while (System.nanoTime() < end) {
                            String id = source + "-" + n.incrementAndGet();
                            if (legacy) {
                                legacyStore(dir, id, source, data);
                            } else {
                                store.store(id, source, data, Optional.empty());
                            }
                        }
                    } catch (Exception e) {
                        e.printStackTrace();
                    } finally {
                        done.countDown();
                    }
                }, "bench-" + t).start();
            }
            done.await();
            double perSync = legacy ? 0.25 : (double) n.get() / Math.max(1, store.journalSyncs() - syncs0);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            double cpu = (OS.getProcessCpuTime() - cpu0) / 1e3 / n.get();
            double closeSeconds = 0;
            if (store != null) {
                long c0 = System.nanoTime();
                store.close(); // the deferred part of durability: fsyncs every record and marker file the run wrote
                closeSeconds = (System.nanoTime() - c0) / 1e9;
            }
            return new double[] {n.get() / elapsed, cpu, perSync, closeSeconds, n.get()};
        } finally {
            if (store != null) {
                store.close(); // idempotent
            }
        }
    }

    /** The store's write path before the journal: marker then record, each temporary file + fsync + rename + directory fsync. */
    private static void legacyStore(Path dir, String requestId, String source, JsonNode data) throws Exception {
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8)));
        String name = source + "_" + System.nanoTime() + ".json";
        durable(dir.resolve("ids"), hash, name.getBytes(StandardCharsets.UTF_8));
        ObjectNode envelope = MAPPER.createObjectNode().put("source", source).put("requestId", requestId);
        envelope.set("data", data);
        durable(dir, name, MAPPER.writeValueAsBytes(envelope));
    }

    private static void durable(Path dir, String name, byte[] bytes) throws Exception {
        Path tmp = dir.resolve(name + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** A process list like the shipper's, {@code items} entries. */
    static JsonNode sample(int items) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < items; i++) {
            a.addObject().put("pid", i).put("name", "proc-" + i).put("user", "root").put("state", "sleeping")
                    .put("cpuPercent", 0.5).put("residentBytes", 123456789L).put("threads", 4)
                    .putArray("arguments").add("/usr/bin/proc-" + i).add("--flag");
        }
        return a;
    }
}
