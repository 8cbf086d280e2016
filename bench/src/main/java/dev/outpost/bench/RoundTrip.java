package dev.outpost.bench;

import dev.outpost.core.Client;
import dev.outpost.Request;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * Client call round trip on the in-memory transport: one caller, calls one after another, each
 * through the worker and back. Prints p50/p90/p99/p99.9 and process CPU per call, beside a bare
 * baseline in the same run, and context switches per call for both (Linux): three thread hand-offs (caller to worker thread, worker to
 * reply poller, poller to the caller's future) over plain blocking queues, each side parsing the
 * same JSON with Jackson. What the baseline costs is what the hand-offs cost on this machine. Since the in-memory
 * transport pushes a client's answers (the worker's thread routes them: {@code Transport.push}), Outpost's own round
 * trip has two hand-offs; the baseline keeps three, as in earlier reports.
 *
 * <p>Rounds after the first are the steady state: the JIT compiles for seconds after the warm-up,
 * and its threads' CPU ({@code jit} in the by-thread figures) counts in the process's.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.outpost.bench.RoundTrip [calls=50000] [rounds=3]</pre>
 */
public final class RoundTrip {
    private RoundTrip() {}

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).collector(Payloads.noop()).concurrency(2).build().start();
                Client client = Client.builder(transport).build().start()) {
            for (int i = 0; i < 20_000; i++) {
                client.call(Payloads.request(i, client.replyTo()), Duration.ofSeconds(5)).get();
            }
            for (int round = 0; round < rounds; round++) {
                long cpu0 = os.getProcessCpuTime();
                long switches0 = ThreadCpu.contextSwitches();
                java.util.Map<String, Long> threads0 = ThreadCpu.snapshot();
                long[] nanos = new long[calls];
                for (int i = 0; i < calls; i++) {
                    Request r = Payloads.request(i, client.replyTo());
                    long t0 = System.nanoTime();
                    client.call(r, Duration.ofSeconds(5)).get();
                    nanos[i] = System.nanoTime() - t0;
                }
                double cpuPerCall = (os.getProcessCpuTime() - cpu0) / 1e3 / calls;
                double switchesPerCall = (ThreadCpu.contextSwitches() - switches0) / (double) calls;
                String byKind = ThreadCpu.perRequest(threads0, ThreadCpu.snapshot(), calls);
                Arrays.sort(nanos);
                System.out.printf(Locale.ROOT, "round %d, client round trip over %,d calls: p50 %.1f µs, p90 %.1f µs, p99 %.1f µs,"
                        + " p99.9 %.1f µs; %.1f µs of CPU per call (client, worker and transport together; by thread: %s),"
                        + " %.2f context switches per call%n", round, calls, at(nanos, 0.50), at(nanos, 0.90), at(nanos, 0.99),
                        at(nanos, 0.999), cpuPerCall, byKind, switchesPerCall);
            }
            double[] base = baseline(calls, os);
            System.out.printf(Locale.ROOT, "bare hand-offs over %,d calls:  p50 %.1f µs, p99 %.1f µs; %.1f µs of CPU per call,"
                    + " %.2f context switches per call%n", calls, base[0], base[1], base[2], base[3]);
        }
    }

    /** p50 µs, p99 µs, CPU µs per call of three hand-offs over blocking queues with a Jackson parse on each side. */
    private static double[] baseline(int calls, com.sun.management.OperatingSystemMXBean os) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = dev.outpost.Json.newMapper();
        dev.outpost.spi.Codec codec = dev.outpost.core.json.JsonCodec.create();
        java.util.concurrent.BlockingQueue<byte[]> requests = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.BlockingQueue<byte[]> replies = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<Object>> pending =
                new java.util.concurrent.atomic.AtomicReference<>();
        byte[] reply = "{\"requestId\":\"r\",\"status\":\"ok\",\"result\":{}}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Thread worker = new Thread(() -> {
            try {
                while (true) {
                    json.readTree(requests.take());
                    replies.put(reply);
                }
            } catch (Exception e) {
                // interrupted: done
            }
        }, "bare-worker");
        Thread poller = new Thread(() -> {
            try {
                while (true) {
                    Object answer = json.readTree(replies.take());
                    pending.get().complete(answer);
                }
            } catch (Exception e) {
                // interrupted: done
            }
        }, "bare-poller");
        worker.setDaemon(true);
        poller.setDaemon(true);
        worker.start();
        poller.start();
        long[] nanos = new long[calls];
        long cpu0 = 0;
        long switches0 = 0;
        for (int round = 0; round < 2; round++) {
            if (round == 1) {
                cpu0 = os.getProcessCpuTime();
                switches0 = ThreadCpu.contextSwitches();
            }
            for (int i = 0; i < calls; i++) {
                byte[] body = codec.encodeRequest(Payloads.request(i, "replies"));
                long t0 = System.nanoTime();
                java.util.concurrent.CompletableFuture<Object> f = new java.util.concurrent.CompletableFuture<>();
                pending.set(f);
                requests.put(body);
                f.get();
                nanos[i] = System.nanoTime() - t0;
            }
        }
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e3 / calls;
        double switches = (ThreadCpu.contextSwitches() - switches0) / (double) calls;
        worker.interrupt();
        poller.interrupt();
        Arrays.sort(nanos);
        return new double[] {at(nanos, 0.50), at(nanos, 0.99), cpu, switches};
    }

    private static double at(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))] / 1000.0;
    }
}
