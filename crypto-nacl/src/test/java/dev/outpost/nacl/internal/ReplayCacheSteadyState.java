package dev.outpost.nacl.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The replay cache in a steady state, as on a worker that has run longer than one freshness
 * window: as many ids expire as arrive. One thread, one sender, new random ids, a transport id per
 * message; prints the thread's CPU per sighting per round. Not a test: run it with
 *
 * <pre>./mvnw -q -pl crypto-nacl test-compile exec:java -Dexec.classpathScope=test
 *     -Dexec.mainClass=dev.outpost.nacl.internal.ReplayCacheSteadyState [-Dexec.args="LIVE SIGHTINGS"]</pre>
 *
 * (LIVE ids held, 300,000 by default; SIGHTINGS per round, 1,000,000.) The worker benchmark in
 * {@code bench/} runs inside one window, so the cache only grows there and never expires an id.
 */
public final class ReplayCacheSteadyState {
    private ReplayCacheSteadyState() {}

    public static void main(String[] args) {
        int live = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        ReplayCache cache = new ReplayCache(live * 2, live * 2);
        Object sender = "sender";
        byte[] ids = new byte[16 * 100_000];
        String[] transportIds = new String[1_000];
        for (int i = 0; i < transportIds.length; i++) {
            transportIds[i] = "transport-" + i;
        }
        long now = 1_000_000_000L;
        long window = live / 100; // a millisecond passes every 100 sightings
        for (int round = 0; round < 5; round++) {
            long t0 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                if (i % 100_000 == 0) {
                    ThreadLocalRandom.current().nextBytes(ids);
                }
                if (i % 100 == 0) {
                    now++;
                }
                cache.sighting(sender, ids, (i % 100_000) * 16, now + window, now, transportIds[i % transportIds.length]);
            }
            long cpu = threads.getCurrentThreadCpuTime() - t0;
            System.out.printf(Locale.ROOT, "round %d: %.0f ns of CPU per sighting, %,d ids held%n", round, cpu / (double) n,
                    cache.snapshot(now).size());
        }
    }
}
