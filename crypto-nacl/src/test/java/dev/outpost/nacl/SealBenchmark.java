package dev.outpost.nacl;

import dev.outpost.nacl.internal.Sodium;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;

/**
 * Seal + open per second for 1 KiB payloads: the codec's path (precomputed shared keys, freshness
 * stamp, replay cache, known-sender lookup) against plain {@code crypto_box_easy} +
 * {@code crypto_box_open_easy}, which do the X25519 key agreement every time. Same run, same
 * payload, one thread.
 *
 * <pre>./mvnw -q -pl crypto-nacl test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.outpost.nacl.SealBenchmark</pre>
 */
public final class SealBenchmark {
    private SealBenchmark() {}

    public static void main(String[] args) {
        NaclKeyPair alice = NaclKeyPair.generate();
        NaclKeyPair worker = NaclKeyPair.generate();
        SealedCodec client = SealedCodec.builder().identity(alice).recipient(worker.publicKey()).build();
        // One sender fills the replay cache at ~100,000 messages a second: room for the whole run.
        SealedCodec server = SealedCodec.builder().identity(worker).replayCacheSize(2_000_000).replayQuotaPerSender(2_000_000)
                .knownSenders(KnownSenders.of(KnownSender.of(alice.publicKey(), "alice"))).build();
        byte[] payload = new byte[1024];
        byte[] nonce = Sodium.random(24);
        byte[] box = new byte[16 + payload.length];
        byte[] opened = new byte[payload.length];
        List<NaclPublicKey> to = List.of(worker.publicKey());
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double plain = 0;
        double codec = 0;
        for (int round = 0; round < 5; round++) {
            long c0 = cpu.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            int n = 0;
            while (System.nanoTime() - t0 < 1_000_000_000L) {
                Sodium.box().cryptoBoxEasy(box, payload, payload.length, nonce, worker.publicKey().raw(), alice.secret());
                if (!Sodium.box().cryptoBoxOpenEasy(opened, box, box.length, nonce, alice.publicKey().raw(), worker.secret())) {
                    throw new AssertionError("plain box did not open");
                }
                n++;
            }
            plain = n / ((System.nanoTime() - t0) / 1e9);
            double plainCpu = (cpu.getCurrentThreadCpuTime() - c0) / 1e3 / n;
            c0 = cpu.getCurrentThreadCpuTime();
            t0 = System.nanoTime();
            n = 0;
            while (System.nanoTime() - t0 < 1_000_000_000L) {
                server.open(client.seal(payload, to), null);
                n++;
            }
            codec = n / ((System.nanoTime() - t0) / 1e9);
            double codecCpu = (cpu.getCurrentThreadCpuTime() - c0) / 1e3 / n;
            System.out.printf(Locale.ROOT, "round %d: crypto_box_easy+open %,.0f/s (%.1f us CPU/op), sealed codec seal+open"
                    + " %,.0f/s (%.1f us CPU/op), ratio %.1fx%n", round + 1, plain, plainCpu, codec, codecCpu, codec / plain);
        }
    }
}
