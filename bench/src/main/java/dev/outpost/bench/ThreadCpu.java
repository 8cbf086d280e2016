package dev.outpost.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this process's threads by kind, from Linux's {@code /proc/self/task/N/schedstat}
 * (nanoseconds on the CPU) and {@code comm}: the JVM's own threads (GC, JIT) do not show in
 * {@code ThreadMXBean}, and on two cores they are a large part of a request's process CPU.
 * Elsewhere it measures nothing (empty maps). Threads that ended between two snapshots are lost.
 */
final class ThreadCpu {
    private ThreadCpu() {}

    /** Nanoseconds on the CPU so far, by {@link #kind kind} of thread. */
    static Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return out;
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path t : dir) {
                try {
                    String comm = Files.readString(t.resolve("comm")).trim();
                    String sched = Files.readString(t.resolve("schedstat")).trim();
                    long ns = Long.parseLong(sched.substring(0, sched.indexOf(' ')));
                    out.merge(kind(comm), ns, Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended while it was read
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /**
     * Context switches of this process's threads so far, voluntary or not, from
     * {@code /proc/self/task/N/status} (0 elsewhere): each hand-off to a parked thread costs one or
     * two, and unlike time they do not swing with the machine's load.
     */
    static long contextSwitches() {
        long sum = 0;
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return 0;
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path t : dir) {
                try {
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended while it was read
                }
            }
        } catch (IOException e) {
            return sum;
        }
        return sum;
    }

    /** The kind of a thread, from its (15-character) name. */
    static String kind(String comm) {
        if (comm.startsWith("outpost-worker")) {
            return "loop"; // the runners; names are cut at 15 characters
        }
        if (comm.startsWith("outpost-client")) {
            return "client"; // the client's reply poller and timer
        }
        if (comm.equals("java")) {
            return "main"; // the launcher's main thread: a benchmark's caller
        }
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
            return "gc";
        }
        if (comm.startsWith("C1 ") || comm.startsWith("C2 ")) {
            return "jit";
        }
        if (comm.startsWith("baseline-")) {
            return "loop";
        }
        if (comm.startsWith("results-drainer")) {
            return "drainer";
        }
        return "other";
    }

    /** {@code after - before} per kind, as µs per request, one line. */
    static String perRequest(Map<String, Long> before, Map<String, Long> after, int requests) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Long> e : after.entrySet()) {
            long ns = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            b.append(String.format(Locale.ROOT, "%s %.2f ", e.getKey(), ns / 1e3 / requests));
        }
        return b.toString().trim();
    }
}
