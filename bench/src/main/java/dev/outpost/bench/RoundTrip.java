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
 * through the worker and back. Prints p50/p90/p99/p99.9.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.outpost.bench.RoundTrip [calls]</pre>
 */
public final class RoundTrip {
    private RoundTrip() {}

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).collector(Payloads.noop()).concurrency(2).build().start();
                Client client = Client.builder(transport).build().start()) {
            for (int i = 0; i < 20_000; i++) {
                client.call(Payloads.request(i, client.replyTo()), Duration.ofSeconds(5)).get();
            }
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long[] nanos = new long[calls];
            for (int i = 0; i < calls; i++) {
                Request r = Payloads.request(i, client.replyTo());
                long t0 = System.nanoTime();
                client.call(r, Duration.ofSeconds(5)).get();
                nanos[i] = System.nanoTime() - t0;
            }
            double cpuPerCall = (os.getProcessCpuTime() - cpu0) / 1e3 / calls;
            Arrays.sort(nanos);
            System.out.printf(Locale.ROOT, "client round trip over %,d calls: p50 %.1f µs, p90 %.1f µs, p99 %.1f µs, p99.9 %.1f µs;"
                    + " %.1f µs of CPU per call (client, worker and transport together)%n",
                    calls, at(nanos, 0.50), at(nanos, 0.90), at(nanos, 0.99), at(nanos, 0.999), cpuPerCall);
        }
    }

    private static double at(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))] / 1000.0;
    }
}
