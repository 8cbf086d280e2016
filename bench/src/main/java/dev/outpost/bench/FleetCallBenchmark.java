package dev.outpost.bench;

import dev.outpost.core.Worker;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.fleet.Discovery;
import dev.outpost.fleet.Fleet;
import dev.outpost.fleet.FleetMember;
import dev.outpost.fleet.FleetRequest;
import dev.outpost.fleet.FleetSummary;
import dev.outpost.fleet.Outcome;
import dev.outpost.fleet.Route;
import dev.outpost.fleet.Selector;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Collector;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

/**
 * A fleet call to N in-memory workers (each with its fleet member) from send to complete summary:
 * wall time per call, and the caller's CPU per host (the CPU of the fleet's own threads, its client
 * poller included, and of the calling thread), over the topic and per-host sends, with the
 * caller's codec checking the response schema and not.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.outpost.bench.FleetCallBenchmark [hosts=1000] [calls=30]</pre>
 */
public final class FleetCallBenchmark {
    private FleetCallBenchmark() {}

    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Collector noop = Collector.of("app.noop", (r, c) -> Map.of("ok", true));
        try (InMemoryTransport transport = InMemoryTransport.create(); InMemoryRegistry registry = InMemoryRegistry.create()) {
            transport.topic(Fleet.DEFAULT_TOPIC);
            List<Worker> workers = new ArrayList<>();
            List<FleetMember> members = new ArrayList<>();
            for (int i = 0; i < hosts; i++) {
                String id = String.format("h%04d", i);
                String queue = "requests-" + id;
                transport.subscribe(Fleet.DEFAULT_TOPIC, queue);
                FleetMember m = FleetMember.builder(registry).id(id).requests(queue).collectors(List.of(noop)).build();
                workers.add(Worker.builder(transport).id(id).requests(queue).collector(noop).concurrency(1)
                        .filter(m.filter()).build().start());
                members.add(m.start());
            }
            for (boolean schema : List.of(true, false)) {
                Codec callerCodec = schema ? JsonCodec.create() : JsonCodec.withoutSchemaValidation();
                String label = schema ? "json, response schema" : "json, no response schema";
                List<Thread> fleetThreads = new CopyOnWriteArrayList<>();
                ThreadFactory tf = r -> {
                    Thread t = new Thread(r, "bench-fleet-" + fleetThreads.size());
                    t.setDaemon(true);
                    fleetThreads.add(t);
                    return t;
                };
                try (Fleet fleet = Fleet.builder(transport).registry(registry).codec(callerCodec).threadFactory(tf)
                        .pollWait(Duration.ofSeconds(1)).build().start()) {
                    Discovery all = fleet.discover(Selector.all());
                    for (Route route : List.of(Route.TOPIC, Route.DIRECT)) {
                        FleetRequest request = FleetRequest.builder("app.noop").route(route).deadline(Duration.ofSeconds(30)).build();
                        for (int i = 0; i < 5; i++) {
                            fleet.call(request, all).summary().join(); // warm-up
                        }
                        long[] wall = new long[calls];
                        long cpu0 = cpu(mx, fleetThreads);
                        long callerCpu = 0;
                        for (int i = 0; i < calls; i++) {
                            long t0 = System.nanoTime();
                            long c0 = mx.getCurrentThreadCpuTime();
                            var call = fleet.call(request, all);
                            callerCpu += mx.getCurrentThreadCpuTime() - c0;
                            FleetSummary s = call.summary().join();
                            wall[i] = System.nanoTime() - t0;
                            if (s.counts().get(Outcome.OK) != hosts) {
                                throw new IllegalStateException("not every host answered ok: " + s);
                            }
                        }
                        long fleetCpu = cpu(mx, fleetThreads) - cpu0 + callerCpu;
                        Arrays.sort(wall);
                        System.out.printf(Locale.ROOT, "%d hosts, %-6s %-26s send to summary p50 %.1f ms, max %.1f ms;"
                                        + " caller CPU %.1f µs per host (%.1f ms per call)%n",
                                hosts, route, label,
                                wall[calls / 2] / 1e6, wall[calls - 1] / 1e6, fleetCpu / 1e3 / calls / hosts, fleetCpu / 1e6 / calls);
                    }
                }
            }
            workers.forEach(w -> w.shutdown());
            workers.forEach(w -> w.shutdown().join());
            members.forEach(FleetMember::close);
        }
    }

    private static long cpu(ThreadMXBean mx, List<Thread> threads) {
        long sum = 0;
        for (Thread t : threads) {
            long n = mx.getThreadCpuTime(t.getId());
            if (n > 0) {
                sum += n;
            }
        }
        return sum;
    }
}
