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
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Collector;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

/**
 * A fleet call to N in-memory workers (each with its fleet member) from send to complete summary:
 * wall time per call (p50, p99), and the caller's CPU per host, over the topic and per-host sends,
 * with the caller's codec checking the response schema and not.
 *
 * <p>Caller CPU is the CPU of the calling thread during {@code fleet.call} plus that of every
 * thread the fleet made (its client's poller and timer, its timer, its callback thread) during the
 * round, each printed apart, with the user-mode share. Worker threads are never counted; what the
 * in-memory transport does on the caller's threads is (copying the request into 1,000 queues and
 * waking their receivers on a topic send, taking the answers off the reply queue). The same
 * rounds run a bare caller, interleaved: one publish, then the calling thread alone receives,
 * decodes and acks the answers, no accounting. Its CPU per host is the floor a fleet call pays
 * on this transport; the ratio fleet/bare is printed for each route. Metering a send costs two
 * thread-CPU reads (about 0.65 µs each here): once per call on the topic, once per host on direct
 * sends, whose figures it inflates by about 1.3 µs per host.
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
                List<String> roles = new CopyOnWriteArrayList<>();
                ThreadFactory tf = r -> {
                    Thread t = new Thread(r, "bench-fleet-" + fleetThreads.size());
                    t.setDaemon(true);
                    fleetThreads.add(t);
                    roles.add(role(r));
                    return t;
                };
                SendMeter metered = new SendMeter(transport, mx);
                try (Fleet fleet = Fleet.builder(metered).registry(registry).codec(callerCodec).threadFactory(tf)
                        .pollWait(Duration.ofSeconds(1)).build().start()) {
                    Discovery all = fleet.discover(Selector.all());
                    Map<Route, FleetRequest> requests = new LinkedHashMap<>();
                    for (Route route : List.of(Route.TOPIC, Route.DIRECT)) {
                        requests.put(route, FleetRequest.builder("app.noop").route(route).deadline(Duration.ofSeconds(30)).build());
                    }
                    BareCaller bare = new BareCaller(metered, callerCodec, hosts);
                    for (int i = 0; i < 20; i++) { // warm-up: C2 is still compiling the answer path after 5
                        bare.call(mx);
                        for (FleetRequest request : requests.values()) {
                            fleet.call(request, all).summary().join();
                        }
                    }
                    // interleaved rounds: the bare loop, then the fleet over each route, the same load for all three
                    Figures bareFigures = new Figures(calls, 0);
                    Map<Route, Figures> fleetFigures = new LinkedHashMap<>();
                    requests.keySet().forEach(r -> fleetFigures.put(r, new Figures(calls, fleetThreads.size())));
                    for (int i = 0; i < calls; i++) {
                        long bareSend0 = metered.cpu.sum();
                        long[] b = bare.call(mx);
                        bareFigures.add(i, b[0], b[1], b[2], null, null);
                        bareFigures.sends += metered.cpu.sum() - bareSend0;
                        for (Map.Entry<Route, FleetRequest> e : requests.entrySet()) {
                            long send0 = metered.cpu.sum();
                            long[] cpu0 = cpu(mx, fleetThreads, false);
                            long[] user0 = cpu(mx, fleetThreads, true);
                            long t0 = System.nanoTime();
                            long c0 = mx.getCurrentThreadCpuTime();
                            long u0 = mx.getCurrentThreadUserTime();
                            var call = fleet.call(e.getValue(), all);
                            long callerCpu = mx.getCurrentThreadCpuTime() - c0;
                            long callerUser = mx.getCurrentThreadUserTime() - u0;
                            FleetSummary s = call.summary().join();
                            long wall = System.nanoTime() - t0;
                            if (s.counts().get(Outcome.OK) != hosts) {
                                throw new IllegalStateException("not every host answered ok: " + s);
                            }
                            long[] cpu1 = cpu(mx, fleetThreads, false);
                            long[] user1 = cpu(mx, fleetThreads, true);
                            long[] perThread = new long[cpu1.length];
                            long total = callerCpu;
                            long user = callerUser;
                            for (int k = 0; k < cpu1.length; k++) {
                                perThread[k] = cpu1[k] - (k < cpu0.length ? cpu0[k] : 0);
                                total += perThread[k];
                                user += user1[k] - (k < user0.length ? user0[k] : 0);
                            }
                            fleetFigures.get(e.getKey()).add(i, wall, total, user, perThread, callerCpu);
                            fleetFigures.get(e.getKey()).sends += metered.cpu.sum() - send0;
                        }
                    }
                    bareFigures.print(hosts, "BARE  ", label, List.of());
                    fleetFigures.forEach((route, f) -> f.print(hosts, String.format(Locale.ROOT, "%-6s", route), label, roles));
                    for (Map.Entry<Route, Figures> e : fleetFigures.entrySet()) {
                        System.out.printf(Locale.ROOT, "  %-6s / bare: CPU per host %.2fx, p50 %.2fx%n", e.getKey(),
                                e.getValue().cpuPerHost(hosts) / bareFigures.cpuPerHost(hosts),
                                e.getValue().p(0.5) / bareFigures.p(0.5));
                    }
                }
            }
            workers.forEach(w -> w.shutdown());
            workers.forEach(w -> w.shutdown().join());
            members.forEach(FleetMember::close);
        }
    }

    private static long[] cpu(ThreadMXBean mx, List<Thread> threads, boolean userOnly) {
        long[] out = new long[threads.size()];
        for (int i = 0; i < out.length; i++) {
            long id = threads.get(i).getId();
            long n = userOnly ? mx.getThreadUserTime(id) : mx.getThreadCpuTime(id);
            out[i] = Math.max(0, n);
        }
        return out;
    }

    /** What a fleet thread does, from the task it was made for. */
    private static String role(Runnable r) {
        String n = r.getClass().getName();
        if (n.contains("PollLoop")) {
            return "client poller";
        }
        if (n.contains("Sweeper") || n.contains("Fleet$$")) {
            return "fleet timer";
        }
        return n.contains("ThreadPoolExecutor") ? "executor" : r.getClass().getSimpleName();
    }

    /** Wall and CPU of each round. */
    private static final class Figures {
        final long[] wall;
        final long[] cpu;
        final long[] user;
        final long[] perThread;
        long calling;
        long sends;

        Figures(int calls, int threads) {
            wall = new long[calls];
            cpu = new long[calls];
            user = new long[calls];
            perThread = new long[threads + 4];
        }

        void add(int i, long wallNanos, long cpuNanos, long userNanos, long[] threads, Long callingThread) {
            wall[i] = wallNanos;
            cpu[i] = cpuNanos;
            user[i] = userNanos;
            if (threads != null) {
                for (int k = 0; k < threads.length && k < perThread.length; k++) {
                    perThread[k] += threads[k];
                }
            }
            if (callingThread != null) {
                calling += callingThread;
            }
        }

        double cpuPerHost(int hosts) {
            return Arrays.stream(cpu).sum() / 1e3 / cpu.length / hosts;
        }

        double p(double q) {
            long[] w = wall.clone();
            Arrays.sort(w);
            return w[Math.min(w.length - 1, (int) Math.ceil(q * w.length) - 1)] / 1e6;
        }

        void print(int hosts, String what, String label, List<String> roles) {
            int n = cpu.length;
            System.out.printf(Locale.ROOT, "%d hosts, %s %-26s send to summary p50 %.1f ms, p99 %.1f ms;"
                            + " caller CPU %.1f µs per host (user %.1f µs; %.1f ms per call), of which the in-memory"
                            + " transport's sends %.1f µs: without them %.1f µs per host%n",
                    hosts, what, label, p(0.5), p(0.99), cpuPerHost(hosts), Arrays.stream(user).sum() / 1e3 / n / hosts,
                    Arrays.stream(cpu).sum() / 1e6 / n, sends / 1e3 / n / hosts, cpuPerHost(hosts) - sends / 1e3 / n / hosts);
            if (!roles.isEmpty()) {
                StringBuilder b = new StringBuilder("    per host by thread: calling thread " + String.format(Locale.ROOT, "%.1f",
                        calling / 1e3 / n / hosts));
                for (int k = 0; k < roles.size(); k++) {
                    b.append(String.format(Locale.ROOT, ", %s %.1f", roles.get(k), perThread[k] / 1e3 / n / hosts));
                }
                System.out.println(b.append(" µs"));
            }
        }
    }

    /**
     * The floor under a fleet call: one publish of the request to the topic, then the calling
     * thread itself receives the answers from its own queue, decodes each with the same codec and
     * acks them per receive, until every host has answered. No accounting, no other thread.
     */
    private static final class BareCaller {
        private final Transport transport;
        private final Codec codec;
        private final int hosts;
        private final String replyTo = "outpost-client-bench-bare";

        BareCaller(Transport transport, Codec codec, int hosts) {
            this.transport = transport;
            this.codec = codec;
            this.hosts = hosts;
        }

        /** Wall, CPU and user CPU of one call. */
        long[] call(ThreadMXBean mx) throws InterruptedException {
            long t0 = System.nanoTime();
            long c0 = mx.getCurrentThreadCpuTime();
            long u0 = mx.getCurrentThreadUserTime();
            Request r = Request.builder("app.noop").replyTo(replyTo).ttl(Duration.ofSeconds(30)).build();
            transport.send(Fleet.DEFAULT_TOPIC, Message.of(codec.encodeRequest(r))).join();
            Set<String> answered = new HashSet<>();
            while (answered.size() < hosts) {
                List<Delivery> got = transport.receive(replyTo, 10, Duration.ofSeconds(30));
                if (got.isEmpty()) {
                    throw new IllegalStateException("bare caller: " + answered.size() + " answers of " + hosts);
                }
                for (Delivery d : got) {
                    Response answer = codec.decodeResponse(d.message().body()).document();
                    if (answer.requestId().equals(r.id()) && answer.isOk()) {
                        answered.add(answer.worker());
                    }
                }
                transport.ackBatch(got).join();
            }
            return new long[] {System.nanoTime() - t0, mx.getCurrentThreadCpuTime() - c0, mx.getCurrentThreadUserTime() - u0};
        }
    }

    /**
     * The caller's transport, measuring the CPU its sends take on the calling thread. In memory a
     * send is the broker's work done by the caller: the request copied into every subscribed
     * queue and each worker's waiting receive woken (a futex wake per host); on SQS/SNS the
     * caller makes one publish and the fan-out and wake-ups happen in the service.
     */
    private static final class SendMeter extends ForwardingTransport {
        private final ThreadMXBean mx;
        final LongAdder cpu = new LongAdder();

        SendMeter(Transport inner, ThreadMXBean mx) {
            super(inner);
            this.mx = mx;
        }

        @Override
        public CompletableFuture<Void> send(String destination, Message message) {
            long c0 = mx.getCurrentThreadCpuTime();
            try {
                return delegate().send(destination, message);
            } finally {
                cpu.add(mx.getCurrentThreadCpuTime() - c0);
            }
        }

        @Override
        public CompletableFuture<Void> sendBatch(String destination, List<Message> messages) {
            long c0 = mx.getCurrentThreadCpuTime();
            try {
                return delegate().sendBatch(destination, messages);
            } finally {
                cpu.add(mx.getCurrentThreadCpuTime() - c0);
            }
        }

        @Override
        public void close() {
            // the benchmark closes the transport itself
        }
    }
}
