package dev.outpost.bench;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Worker;
import dev.outpost.core.WorkerListener;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * End-to-end worker throughput on the in-memory transport: requests are queued in advance, a
 * worker with a no-op collector decodes, validates (envelope and params schemas), runs, encodes and
 * publishes each response, then acks; a consumer drains the responses. In the same rounds, a bare
 * loop (receive, Jackson parse, canned reply, ack: {@link #baseline}) on the same messages gives the
 * floor; prints both rates, process CPU per request and the ratio. {@code -Dmodes=validating,...}
 * picks the codecs ({@code validating}, {@code no-envelope-schema}, {@code sealed}).
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.outpost.bench.WorkerThroughput [requests] [rounds] [concurrency]</pre>
 */
public final class WorkerThroughput {
    private WorkerThroughput() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : Worker.DEFAULT_CONCURRENCY;
        System.out.printf(Locale.ROOT, "worker throughput: %,d requests per round, concurrency %d, %d cores%n", n, concurrency,
                Runtime.getRuntime().availableProcessors());
        // a first pass warms the JIT for both modes, so neither is measured cold
        for (int i = 0; i < 3; i++) {
            round(n, concurrency, JsonCodec.create(), JsonCodec.create());
            round(n, concurrency, JsonCodec.withoutSchemaValidation(), JsonCodec.withoutSchemaValidation());
        }
        dev.outpost.nacl.NaclKeyPair clientKey = dev.outpost.nacl.NaclKeyPair.generate();
        dev.outpost.nacl.NaclKeyPair workerKey = dev.outpost.nacl.NaclKeyPair.generate();
        List<String> modes = List.of(System.getProperty("modes", "validating,no-envelope-schema,sealed").split(","));
        for (String mode : modes) {
            Codec codec = switch (mode) {
                case "validating" -> JsonCodec.create();
                case "no-envelope-schema" -> JsonCodec.withoutSchemaValidation();
                default -> null;
            };
            Codec clientCodec = codec;
            if (mode.equals("sealed")) {
                // the worker opens with its own codec; requests are sealed by a client's
                // one sender sends every round inside one freshness window: the replay cache must hold them all
                // (the codec refuses what it cannot remember), the warm-up round's too
                int replayIds = Math.max(1_000_000, (rounds + 1) * n);
                codec = dev.outpost.nacl.SealedCodec.builder().identity(workerKey).replayCacheSize(replayIds)
                        .replayQuotaPerSender(replayIds)
                        .knownSenders(dev.outpost.nacl.KnownSenders.of(dev.outpost.nacl.KnownSender.of(clientKey.publicKey(), "bench")))
                        .build();
                clientCodec = dev.outpost.nacl.SealedCodec.builder().identity(clientKey).recipient(workerKey.publicKey()).build();
                round(n, concurrency, codec, clientCodec);
            }
            // the baseline and the worker alternate, so that both see the same machine
            List<Double> rates = new ArrayList<>();
            List<Double> cpu = new ArrayList<>();
            List<Double> baseRates = new ArrayList<>();
            List<Double> baseCpu = new ArrayList<>();
            baseline(n, concurrency, JsonCodec.create()); // warm-up
            for (int round = 0; round < rounds; round++) {
                double[] b = baseline(n, concurrency, JsonCodec.create()); // plain JSON, also for the sealed worker
                baseRates.add(b[0]);
                baseCpu.add(b[1]);
                double[] r = round(n, concurrency, codec, clientCodec);
                rates.add(r[0]);
                cpu.add(r[1]);
            }
            double mean = mean(rates);
            double baseMean = mean(baseRates);
            System.out.printf(Locale.ROOT, "  %-20s worker   rounds %s%n  %-20s          mean %,.0f req/s, best %,.0f req/s,"
                    + " %.2f µs of CPU per request (rounds %s µs)%n", mode, format(rates, "%,.0f"), "", mean,
                    rates.stream().mapToDouble(Double::doubleValue).max().orElse(0), mean(cpu), format(cpu, "%.2f"));
            System.out.printf(Locale.ROOT, "  %-20s baseline rounds %s%n  %-20s          mean %,.0f req/s, %.2f µs of CPU per request"
                    + " (rounds %s µs)%n", "", format(baseRates, "%,.0f"), "", baseMean, mean(baseCpu), format(baseCpu, "%.2f"));
            System.out.printf(Locale.ROOT, "  %-20s worker/baseline: %.2f× the rate, %.2f× the CPU per request%n", "",
                    mean / baseMean, mean(cpu) / mean(baseCpu));
        }
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    private static final byte[] CANNED_REPLY = ("{\"v\":1,\"requestId\":\"r\",\"collector\":\"noop\",\"status\":\"ok\","
            + "\"result\":{\"ok\":true},\"worker\":\"w\",\"attempt\":1,\"startedAt\":\"2026-01-01T00:00:00Z\","
            + "\"finishedAt\":\"2026-01-01T00:00:00Z\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);

    /**
     * The floor: the same messages taken from the same transport by as many threads, one at a
     * time, each parsed with Jackson and answered
     * with a canned reply, then acked. No checks, no schema, no collector. {requests/s, CPU µs per request}.
     */
    static double[] baseline(int n, int concurrency, Codec clientCodec) throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.builder().maxQueuedBytes(1L << 30).build()) {
            fill(transport, n, clientCodec);
            com.fasterxml.jackson.databind.ObjectReader reader = dev.outpost.Json.reader();
            java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(n);
            CountDownLatch done = new CountDownLatch(n);
            AtomicBoolean draining = new AtomicBoolean(!Boolean.getBoolean("noDrain"));
            Thread drainer = drainer(transport, draining);
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            Map<String, Long> threads0 = THREAD_CPU ? ThreadCpu.snapshot() : Map.of();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < concurrency; t++) {
                Thread th = new Thread(() -> {
                    try {
                        while (left.get() > 0) {
                            for (Delivery d : transport.receive("requests", 1, Duration.ofMillis(50))) {
                                left.decrementAndGet();
                                reader.readTree(d.message().body());
                                transport.send("results", Message.of(CANNED_REPLY));
                                d.ack();
                                done.countDown();
                            }
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, "baseline-" + t);
                th.start();
                threads.add(th);
            }
            try {
                if (!done.await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("baseline: only " + (n - done.getCount()) + " of " + n + " in 120 s");
                }
                long elapsed = System.nanoTime() - t0;
                long cpu = os.getProcessCpuTime() - cpu0;
                printThreads("baseline", n, elapsed, cpu, threads0);
                return new double[] {n / (elapsed / 1e9), cpu / 1e3 / n};
            } finally {
                for (Thread th : threads) {
                    th.join();
                }
                draining.set(false);
                drainer.join();
            }
        }
    }

    private static void fill(InMemoryTransport transport, int n, Codec clientCodec) {
        List<Message> batch = new ArrayList<>(10);
        for (int i = 0; i < n; i++) {
            Request r = Payloads.request(i, "results");
            batch.add(Message.of(clientCodec.encodeRequest(r), Map.of("outpost-request-id", r.id())));
            if (batch.size() == 10) {
                transport.sendBatch("requests", batch).join();
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            transport.sendBatch("requests", batch).join();
        }
    }

    private static Thread drainer(InMemoryTransport transport, AtomicBoolean draining) {
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
        return drainer;
    }

    /** {requests per second, process CPU microseconds per request}. */
    static double[] round(int n, int concurrency, Codec codec, Codec clientCodec) throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.builder().maxQueuedBytes(1L << 30).build()) {
            fill(transport, n, clientCodec);
            CountDownLatch done = new CountDownLatch(n);
            // a refused request never completes: say why instead of only timing out
            java.util.concurrent.atomic.AtomicReference<String> firstRefusal = new java.util.concurrent.atomic.AtomicReference<>();
            AtomicBoolean draining = new AtomicBoolean(!Boolean.getBoolean("noDrain"));
            Thread drainer = drainer(transport, draining);
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            Map<String, Long> threads0 = THREAD_CPU ? ThreadCpu.snapshot() : Map.of();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            try (Worker worker = Worker.builder(transport).allowReplyTo("results").codec(codec).collector(Payloads.noop()).concurrency(concurrency)
                    .pollWait(Duration.ofMillis(50)).listener(new WorkerListener() {
                        @Override
                        public void onCompleted(Request request, Response response, Duration elapsed) {
                            done.countDown();
                        }

                        @Override
                        public void onRejected(Delivery delivery, dev.outpost.RejectReason reason, String detail) {
                            firstRefusal.compareAndSet(null, reason + ": " + detail);
                        }
                    }).build().start()) {
                if (!done.await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("only " + (n - done.getCount()) + " of " + n + " completed in 120 s"
                            + (firstRefusal.get() == null ? "" : "; first refusal: " + firstRefusal.get()));
                }
                long elapsed = System.nanoTime() - t0;
                long cpu = os.getProcessCpuTime() - cpu0;
                printThreads("worker", n, elapsed, cpu, threads0);
                return new double[] {n / (elapsed / 1e9), cpu / 1e3 / n};
            } finally {
                draining.set(false);
                drainer.join();
            }
        }
    }

    /** {@code -DthreadCpu=true}: each round's process CPU per request split by kind of thread (Linux). */
    private static final boolean THREAD_CPU = Boolean.getBoolean("threadCpu");

    private static void printThreads(String what, int n, long elapsedNanos, long cpuNanos, Map<String, Long> before) {
        if (THREAD_CPU) {
            System.out.printf(Locale.ROOT, "    %-8s %,9.0f req/s %6.2f µs/request: %s%n", what, n / (elapsedNanos / 1e9),
                    cpuNanos / 1e3 / n, ThreadCpu.perRequest(before, ThreadCpu.snapshot(), n));
        }
    }

    private static String format(List<Double> rates, String f) {
        StringBuilder b = new StringBuilder();
        for (double r : rates) {
            b.append(String.format(Locale.ROOT, f + " ", r));
        }
        return b.toString().trim();
    }
}
