package dev.outpost.bench;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.nacl.KnownSender;
import dev.outpost.nacl.KnownSenders;
import dev.outpost.nacl.NaclKeyPair;
import dev.outpost.nacl.SealedCodec;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Received;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * What the sealed codec adds to a worker's request, measured as this thread's CPU time so that a
 * busy machine disturbs it little: a worker's codec decodes a request and encodes its response,
 * sealed (open, freshness, replay cache, known senders, seal back to the sender) and plain JSON,
 * in alternating rounds of the same requests. The requests are sealed by a client's codec before
 * each round, outside the measurement.
 *
 * Also prints the bytes each codec allocates per request (this thread's allocation counter).
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.outpost.bench.SealedCodecCost [requests=100000] [rounds=5]</pre>
 */
public final class SealedCodecCost {
    private SealedCodecCost() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        NaclKeyPair clientKey = NaclKeyPair.generate();
        NaclKeyPair workerKey = NaclKeyPair.generate();
        SealedCodec client = SealedCodec.builder().identity(clientKey).recipient(workerKey.publicKey()).build();
        Codec json = JsonCodec.create();
        Request[] requests = new Request[n];
        byte[][] plain = new byte[n][];
        for (int i = 0; i < n; i++) {
            requests[i] = Payloads.request(i, "results");
            plain[i] = json.encodeRequest(requests[i]);
        }
        System.out.printf(Locale.ROOT, "sealed codec cost: %,d requests per round, worker side (decode request + encode response)%n", n);
        for (int round = -2; round < rounds; round++) {
            // a fresh worker codec each round: its replay cache holds one round
            SealedCodec worker = SealedCodec.builder().identity(workerKey).replayCacheSize(Math.max(16, n))
                    .replayQuotaPerSender(Math.max(16, n))
                    .knownSenders(KnownSenders.of(KnownSender.of(clientKey.publicKey(), "bench"))).build();
            byte[][] sealed = new byte[n][];
            for (int i = 0; i < n; i++) {
                sealed[i] = client.encodeRequest(requests[i]);
            }
            double[] plainCost = measure(json, plain);
            double[] sealedCost = measure(worker, sealed);
            if (round >= 0) {
                System.out.printf(Locale.ROOT, "  round %d: JSON %.2f µs CPU per request, sealed %.2f µs (the seal adds %.2f µs);"
                        + " allocated per request: JSON %.0f bytes, sealed %.0f%n",
                        round, plainCost[0], sealedCost[0], sealedCost[0] - plainCost[0], plainCost[1], sealedCost[1]);
            }
        }
    }

    /** CPU µs and bytes allocated per request, of this thread. */
    private static double[] measure(Codec codec, byte[][] bodies) {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        com.sun.management.ThreadMXBean heap = (com.sun.management.ThreadMXBean) cpu;
        long self = Thread.currentThread().getId();
        Instant now = Instant.now();
        long sink = 0;
        long a0 = heap.getThreadAllocatedBytes(self);
        long c0 = cpu.getCurrentThreadCpuTime();
        for (int i = 0; i < bodies.length; i++) {
            Decoded<Request> d = codec.decodeRequest(bodies[i], new Received("m-" + i, 1));
            Response r = Response.ok(d.document(), Json.toTree(Map.of("ok", true)), "w", 1, now, now);
            sink += codec.encodeResponse(r, d.sender()).length;
        }
        long used = cpu.getCurrentThreadCpuTime() - c0;
        long allocated = heap.getThreadAllocatedBytes(self) - a0;
        if (sink == 0) {
            throw new AssertionError();
        }
        return new double[] {used / 1e3 / bodies.length, (double) allocated / bodies.length};
    }
}
