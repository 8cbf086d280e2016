package dev.outpost.host.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Runs one process: argument list (never a shell), given environment only, fixed directory, stdin
 * closed, stdout and stderr read to a cap (the rest drained and counted), killed with its
 * descendants when the timeout runs out. On Linux it leads a session of its own
 * ({@link ProcessSession}), and whatever is still in that session when it ends (normally, at the
 * timeout, on an interrupt, or when its run cannot go on) is killed: nothing it started outlives it,
 * except a process that left the session itself ({@code setsid(2)}).
 */
public final class ProcessRunner {
    /** Appended to output cut at the cap. */
    public static final String TRUNCATED = "\n[output truncated by outpost]";

    private ProcessRunner() {}

    /** What a run produced. */
    public record Outcome(int exitCode, boolean timedOut, long durationMs, String stdout, long stdoutBytes,
            boolean stdoutTruncated, String stderr, long stderrBytes, boolean stderrTruncated) {}

    public static Outcome run(List<String> argv, Map<String, String> env, Path directory, Duration timeout, int maxOutputBytes)
            throws IOException, InterruptedException {
        return run(argv, env, directory, timeout, maxOutputBytes, Optional.empty());
    }

    /** With the output readers' threads from {@code readers} (default: {@code outpost-host-command-stdout-PID} and {@code -stderr-PID}). */
    public static Outcome run(List<String> argv, Map<String, String> env, Path directory, Duration timeout, int maxOutputBytes,
            Optional<ThreadFactory> readers) throws IOException, InterruptedException {
        // a timeout past Long.MAX_VALUE ns (292 years) waits that long instead of failing after the start
        long timeoutNanos = timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : Math.max(1, timeout.toNanos());
        ProcessBuilder pb = new ProcessBuilder(ProcessSession.wrap(argv)).directory(directory.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        Capture out = new Capture(p.getInputStream(), maxOutputBytes);
        Capture err = new Capture(p.getErrorStream(), maxOutputBytes);
        Thread to = null;
        Thread te;
        try {
            p.getOutputStream().close(); // no stdin: a command waiting for input gets EOF, not a hang
            to = reader(readers, out, "outpost-host-command-stdout-" + p.pid());
            te = reader(readers, err, "outpost-host-command-stderr-" + p.pid());
        } catch (IOException | RuntimeException | Error e) {
            // nobody would wait for it, or read it (a full pipe stops it for ever): it goes, and its pipes with it
            abandon(p, to);
            throw e;
        }
        boolean finished = false;
        try {
            try {
                finished = p.waitFor(timeoutNanos, TimeUnit.NANOSECONDS);
                if (!finished) {
                    killTree(p);
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                killTree(p);
                throw e;
            } finally {
                // whichever way it ended, what it left behind goes, re-parented or not, holding its pipes or not;
                // the answer waits for none of it
                ProcessSession.kill(p);
            }
            // a process that left the session may still hold the pipes open: do not wait for it forever
            to.join(2000);
            te.join(2000);
        } finally {
            // on every way out, an interrupt included: a reader blocked on a pipe that an escaped process holds
            // would otherwise keep the pipe's end open in this JVM for as long as that process lives
            closeQuietly(p.getInputStream());
            closeQuietly(p.getErrorStream());
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        int exit = p.isAlive() ? -1 : p.exitValue();
        Optional<IOException> notStarted = ProcessSession.execFailure(argv, exit, out.total, err.text());
        if (notStarted.isPresent()) {
            throw notStarted.get();
        }
        return new Outcome(exit, !finished, ms, out.text(), out.total, out.truncated(), err.text(), err.total, err.truncated());
    }

    /**
     * Kills the process and every descendant; snapshots the tree first, before children are re-parented. What was
     * re-parented before (a double fork) is not in the tree: {@link ProcessSession#kill} finds it.
     */
    public static void killTree(Process p) {
        for (int round = 0; round < 3; round++) {
            List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
            p.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
            if (tree.isEmpty() || tree.stream().noneMatch(ProcessHandle::isAlive)) {
                break;
            }
        }
    }

    private static void abandon(Process p, Thread reader) {
        killTree(p);
        ProcessSession.kill(p);
        closeQuietly(p.getInputStream());
        closeQuietly(p.getErrorStream());
        try {
            p.waitFor(5, TimeUnit.SECONDS);
            if (reader != null) {
                reader.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the caller's failure is what it learns; the interrupt is kept
        }
    }

    private static Thread reader(Optional<ThreadFactory> readers, Capture c, String name) {
        Thread t = Threads.newThread(readers, c, name);
        t.start();
        return t;
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private static final class Capture implements Runnable {
        private final InputStream in;
        private final int cap;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private volatile long total;

        Capture(InputStream in, int cap) {
            this.in = in;
            this.cap = cap;
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (kept) {
                        int room = cap - kept.size();
                        if (room > 0) {
                            kept.write(buf, 0, Math.min(room, n));
                        }
                    }
                    total += n;
                }
            } catch (IOException e) {
                // the stream was closed under us: keep what we have
            }
        }

        boolean truncated() {
            return total > cap;
        }

        String text() {
            synchronized (kept) {
                String s = kept.toString(StandardCharsets.UTF_8);
                return truncated() ? s + TRUNCATED : s;
            }
        }
    }
}
