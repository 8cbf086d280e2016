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
 * publishes each response, then acks; a consumer drains the responses. Prints requests/s per round.
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
        for (String mode : List.of("validating", "no-envelope-schema", "sealed")) {
            Codec codec = switch (mode) {
                case "validating" -> JsonCodec.create();
                case "no-envelope-schema" -> JsonCodec.withoutSchemaValidation();
                default -> null;
            };
            Codec clientCodec = codec;
            if (mode.equals("sealed")) {
                // the worker opens with its own codec; requests are sealed by a client's
                codec = dev.outpost.nacl.SealedCodec.builder().identity(workerKey).replayCacheSize(1_000_000)
                        .knownSenders(dev.outpost.nacl.KnownSenders.of(dev.outpost.nacl.KnownSender.of(clientKey.publicKey(), "bench")))
                        .build();
                clientCodec = dev.outpost.nacl.SealedCodec.builder().identity(clientKey).recipient(workerKey.publicKey()).build();
                round(n, concurrency, codec, clientCodec);
            }
            List<Double> rates = new ArrayList<>();
            List<Double> cpu = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                double[] r = round(n, concurrency, codec, clientCodec);
                rates.add(r[0]);
                cpu.add(r[1]);
            }
            List<Double> measured = rates.subList(Math.min(1, rates.size() - 1), rates.size());
            double best = measured.stream().mapToDouble(Double::doubleValue).max().orElse(0);
            double mean = measured.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            double cpuMean = cpu.subList(rates.size() - measured.size(), cpu.size()).stream().mapToDouble(Double::doubleValue)
                    .average().orElse(0);
            System.out.printf(Locale.ROOT, "  %-20s rounds %s%n  %-20s mean %,.0f req/s, best %,.0f req/s, %.1f µs of CPU per request"
                    + " (after %d warm-up rounds)%n", mode, format(rates), "", mean, best, cpuMean, rates.size() - measured.size());
        }
    }

    /** {requests per second, process CPU microseconds per request}. */
    static double[] round(int n, int concurrency, Codec codec, Codec clientCodec) throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.builder().maxQueuedBytes(1L << 30).build()) {
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
            CountDownLatch done = new CountDownLatch(n);
            AtomicBoolean draining = new AtomicBoolean(!Boolean.getBoolean("noDrain"));
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
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            try (Worker worker = Worker.builder(transport).codec(codec).collector(Payloads.noop()).concurrency(concurrency)
                    .pollWait(Duration.ofMillis(50)).listener(new WorkerListener() {
                        @Override
                        public void onCompleted(Request request, Response response, Duration elapsed) {
                            done.countDown();
                        }
                    }).build().start()) {
                if (!done.await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("only " + (n - done.getCount()) + " of " + n + " completed in 120 s");
                }
                long elapsed = System.nanoTime() - t0;
                long cpu = os.getProcessCpuTime() - cpu0;
                return new double[] {n / (elapsed / 1e9), cpu / 1e3 / n};
            } finally {
                draining.set(false);
                drainer.join();
            }
        }
    }

    private static String format(List<Double> rates) {
        StringBuilder b = new StringBuilder();
        for (double r : rates) {
            b.append(String.format(Locale.ROOT, "%,.0f ", r));
        }
        return b.toString().trim();
    }
}
