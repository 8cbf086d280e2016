package dev.outpost.bench;

import dev.outpost.host.outbox.OutboxTransport;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * How fast an {@link OutboxTransport} drains a backlog once its destination is back: N messages
 * (800 bytes, like a small sample) are queued while the destination is down, then it comes up and
 * the time until the outbox is empty is measured, with process CPU per message and calls to the
 * destination per message. The destination is the in-memory transport behind a fixed delay per
 * call standing for the network round trip (default 2 ms; SQS in one region answers in 5-20 ms),
 * so the figures show the call count's cost, not one broker's speed. "before" forwards one
 * message per call (batchSize 1, what the outbox did), "after" the default batches of 10, in the
 * same run.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.outpost.bench.OutboxDrain [DIR] [MESSAGES=10000] [RTT_MS=2]</pre>
 */
public final class OutboxDrain {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private OutboxDrain() {}

    /** A destination that can be down, answering each call after a round trip. */
    private static final class Remote implements Transport {
        final InMemoryTransport inner = InMemoryTransport.create();
        final AtomicLong calls = new AtomicLong();
        final long rttNanos;
        volatile boolean down = true;

        Remote(long rttNanos) {
            this.rttNanos = rttNanos;
        }

        private CompletableFuture<Void> call(Runnable r) {
            if (down) {
                return CompletableFuture.failedFuture(new dev.outpost.spi.TransportException("records", "down"));
            }
            calls.incrementAndGet();
            java.util.concurrent.locks.LockSupport.parkNanos(rttNanos);
            r.run();
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> send(String destination, Message message) {
            return call(() -> inner.send(destination, message).join());
        }

        @Override
        public CompletableFuture<Void> sendBatch(String destination, List<Message> messages) {
            return call(() -> inner.sendBatch(destination, messages).join());
        }

        @Override
        public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
            return inner.receive(source, maxMessages, wait);
        }

        @Override
        public OptionalLong depth(String source) {
            return inner.depth(source);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Path base = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory(Path.of("target"), "outbox-bench");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        long rttMs = args.length > 2 ? Long.parseLong(args[2]) : 2;
        try {
            fill(base.resolve("warm"), Math.min(n, 1000));
            drain(base.resolve("warm"), Math.min(n, 1000), rttMs, 10); // JIT, not reported
            // one backlog written once (each message fsynced), copied for the second case
            fill(base.resolve("before"), n);
            Files.createDirectories(base.resolve("after"));
            try (Stream<Path> s = Files.list(base.resolve("before"))) {
                for (Path p : s.toList()) {
                    Files.copy(p, base.resolve("after").resolve(p.getFileName()));
                }
            }
            double[] before = drain(base.resolve("before"), n, rttMs, 1);
            double[] after = drain(base.resolve("after"), n, rttMs, 10);
            System.out.printf(Locale.ROOT, "outbox backlog of %,d, %d ms per call: before (one per call) %.1f s, %.0f msg/s, %.3f calls/msg,"
                    + " %.0f us CPU/msg | after (batches of 10) %.1f s, %.0f msg/s, %.3f calls/msg, %.0f us CPU/msg | %.1fx faster%n",
                    n, rttMs, before[0], n / before[0], before[1], before[2], after[0], n / after[0], after[1], after[2], before[0] / after[0]);
        } finally {
            try (Stream<Path> s = Files.walk(base)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Queues {@code n} messages while the destination is down. */
    private static void fill(Path dir, int n) throws Exception {
        Remote remote = new Remote(0);
        try (OutboxTransport outbox = OutboxTransport.builder(remote, dir).maxMessages(n + 1).build().start()) {
            byte[] body = new byte[800];
            java.util.Arrays.fill(body, (byte) 'x');
            for (int i = 0; i < n; i++) {
                outbox.send("records", Message.of(body)).join();
            }
        }
    }

    /** seconds to drain, calls per message, CPU µs per message. */
    private static double[] drain(Path dir, int n, long rttMs, int batch) throws Exception {
        Remote remote = new Remote(rttMs * 1_000_000);
        try (OutboxTransport outbox = OutboxTransport.builder(remote, dir).maxMessages(n + 1).batchSize(batch)
                .retryDelay(Duration.ofMillis(5), Duration.ofMillis(5)).build().start()) {
            long cpu0 = OS.getProcessCpuTime();
            long t0 = System.nanoTime();
            remote.down = false;
            while (outbox.pending() > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = (OS.getProcessCpuTime() - cpu0) / 1e3 / n;
            if (remote.inner.depth("records").orElse(0) != n) {
                throw new IllegalStateException("lost messages: " + remote.inner.depth("records"));
            }
            return new double[] {seconds, (double) remote.calls.get() / n, cpu};
        }
    }
}
