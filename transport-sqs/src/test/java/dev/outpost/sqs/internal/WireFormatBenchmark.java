package dev.outpost.sqs.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * What reading one received message costs in {@link WireFormat#decode}, against a baseline of the
 * least any receive does (the body's bytes and a copy of the attributes), in the same run. Prints
 * wall and CPU nanoseconds per operation and the ratio to the baseline. Not a unit test: run it
 * by hand (see the module README).
 */
public final class WireFormatBenchmark {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static volatile Object sink;

    private WireFormatBenchmark() {}

    public static void main(String[] args) throws Exception {
        Random random = new Random(7);
        StringBuilder json = new StringBuilder("{\"v\":1,\"id\":\"01a209a3-30d1-7000-8a9f-af763c24dbc7\",\"collector\":\"http.request\",\"params\":{");
        while (json.length() < 1000) {
            json.append("\"k").append(json.length()).append("\":\"value ").append(random.nextInt()).append("\",");
        }
        json.setLength(json.length() - 1);
        json.append("}}");
        byte[] binary = new byte[4096];
        random.nextBytes(binary);
        Map<String, String> few = Map.of("outpost-request-id", "01a209a3-30d1-7000-8a9f-af763c24dbc7", "outpost-reply-to", "replies",
                "content-type", "application/json");
        Map<String, String> many = new HashMap<>(few);
        for (int i = 0; i < 12; i++) {
            many.put("attr-" + i, "value " + i);
        }
        for (var c : Map.of("1 KiB JSON, 3 attributes", WireFormat.encode(json.toString().getBytes(StandardCharsets.UTF_8), few),
                "1 KiB JSON, 15 attributes (packed)", WireFormat.encode(json.toString().getBytes(StandardCharsets.UTF_8), many),
                "4 KiB binary (base64), 3 attributes", WireFormat.encode(binary, few)).entrySet()) {
            WireFormat.Frame f = c.getValue();
            Supplier<Object> baseline = () -> new Object[] {f.body().getBytes(StandardCharsets.UTF_8), new HashMap<>(f.attributes())};
            Supplier<Object> decode = () -> {
                try {
                    return WireFormat.decode(f.body(), f.attributes());
                } catch (WireFormatException e) {
                    throw new IllegalStateException(e);
                }
            };
            for (int round = 1; round <= 3; round++) {
                double[] base = measure(baseline);
                double[] dec = measure(decode);
                System.out.printf("%-38s round %d: decode %7.0f ns/op (CPU %7.0f), baseline %6.0f ns/op (CPU %6.0f): %.1fx%n",
                        c.getKey(), round, dec[0], dec[1], base[0], base[1], dec[1] / base[1]);
            }
        }
    }

    /** {wall ns/op, CPU ns/op} over about half a second, after a warm-up. */
    private static double[] measure(Supplier<Object> op) {
        for (int i = 0; i < 20_000; i++) {
            sink = op.get();
        }
        int n = 0;
        long cpu0 = CPU.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long t;
        do {
            for (int i = 0; i < 1000; i++) {
                sink = op.get();
            }
            n += 1000;
            t = System.nanoTime();
        } while (t - t0 < 500_000_000L);
        long cpu = CPU.getCurrentThreadCpuTime() - cpu0;
        return new double[] {(t - t0) / (double) n, cpu / (double) n};
    }
}
