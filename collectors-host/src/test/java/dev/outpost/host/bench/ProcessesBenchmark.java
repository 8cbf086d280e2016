package dev.outpost.host.bench;

import dev.outpost.Request;
import dev.outpost.host.ProcessesCollector;
import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Sender;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Time and CPU per {@code host.processes} call with about 500 processes on the host (dummy
 * {@code sleep}s are started to get there and killed at the end), against the JDK's
 * {@code ProcessHandle.allProcesses()} with {@code info()} in the same run as the baseline.
 *
 * <pre>
 * ./mvnw -q -pl collectors-host test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.outpost.host.bench.ProcessesBenchmark [-Dexec.args="500 40"]
 * </pre>
 */
public final class ProcessesBenchmark {
    private ProcessesBenchmark() {}

    public static void main(String[] args) throws Exception {
        int target = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        List<Process> dummies = new java.util.concurrent.CopyOnWriteArrayList<>();
        // the dummies die with the benchmark, also when it is interrupted
        Runtime.getRuntime().addShutdownHook(new Thread(() -> dummies.forEach(Process::destroyForcibly)));
        try {
            long existing = ProcessHandle.allProcesses().count();
            for (long i = existing; i < target; i++) {
                dummies.add(new ProcessBuilder("sleep", "600").start());
            }
            System.out.printf("processes on the host: %d (%d dummies started)%n", ProcessHandle.allProcesses().count(), dummies.size());
            ProcessesCollector collector = new ProcessesCollector();
            Request full = Request.builder(ProcessesCollector.NAME).build();
            Request details = Request.builder(ProcessesCollector.NAME).param("details", true).build();
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            for (int i = 0; i < 10; i++) {
                collector.collect(full, CONTEXT);
                baseline();
            }
            double[] base = measure(mx, calls, ProcessesBenchmark::baseline);
            double[] all = measure(mx, calls, () -> collector.collect(full, CONTEXT));
            double[] withDetails = measure(mx, calls, () -> collector.collect(details, CONTEXT));
            System.out.printf("ProcessHandle baseline  : %7.2f ms/call wall, %7.2f ms CPU/call%n", base[0], base[1]);
            System.out.printf("host.processes          : %7.2f ms/call wall, %7.2f ms CPU/call  (%.2fx baseline; goal <= 50 ms)%n",
                    all[0], all[1], all[0] / base[0]);
            System.out.printf("host.processes details  : %7.2f ms/call wall, %7.2f ms CPU/call  (%.2fx baseline)%n",
                    withDetails[0], withDetails[1], withDetails[0] / base[0]);
            System.out.printf("at one call every 5 s: %.2f%% of one core%n", all[1] / 5000 * 100);
        } finally {
            dummies.forEach(Process::destroyForcibly);
        }
    }

    interface Call {
        Object run() throws Exception;
    }

    /** Median wall ms and mean CPU ms per call. */
    private static double[] measure(ThreadMXBean mx, int calls, Call call) throws Exception {
        long[] wall = new long[calls];
        long cpu0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < calls; i++) {
            long t = System.nanoTime();
            call.run();
            wall[i] = System.nanoTime() - t;
        }
        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
        java.util.Arrays.sort(wall);
        return new double[] {wall[calls / 2] / 1e6, cpu / 1e6 / calls};
    }

    private static Object baseline() {
        long n = 0;
        for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {
            ProcessHandle.Info info = h.info();
            n += info.user().map(String::length).orElse(0) + info.command().map(String::length).orElse(0)
                    + info.arguments().map(a -> a.length).orElse(0) + info.totalCpuDuration().map(Duration::getNano).orElse(0);
        }
        return n;
    }

    private static final CollectorContext CONTEXT = new CollectorContext() {
        @Override
        public Instant deadline() {
            return Instant.now().plusSeconds(60);
        }

        @Override
        public Duration remaining() {
            return Duration.ofSeconds(60);
        }

        @Override
        public Optional<Sender> sender() {
            return Optional.empty();
        }

        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public Map<String, String> settings() {
            return Map.of();
        }


        @Override
        public void progress(String message) {}
    };
}
