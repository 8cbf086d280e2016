package dev.outpost.host.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command's session (Linux): the command is started through {@code setsid(1)}, so it leads a session of its own
 * whose id is its pid, and when it has ended everything still in that session is killed with {@code SIGKILL}, even
 * what was re-parented to init (a background child, a double fork), which the process tree no longer shows.
 *
 * <p>Why {@code setsid(1)} in place: the JVM's child is never a process-group leader, so {@code setsid} calls
 * {@code setsid(2)} and execs the command in its own process: the pid the worker holds is the session's id. Why a
 * session rather than a process group: a job-control shell moves its jobs to groups of their own, but only
 * {@code setsid(2)} leaves a session. Members are found by the session id in {@code /proc/PID/stat}; Linux keeps a pid
 * from reuse while any process still has it as its session id, so the members found are the command's.
 *
 * <p>Limits: a process that calls {@code setsid(2)} itself (a daemon, {@code setsid}, sudo with {@code use_pty})
 * leaves the session and escapes; only a cgroup would hold it. Processes the worker may not signal (root's, under
 * sudo) cannot be killed; they are logged. Without {@code /proc} or {@code setsid(1)} (not Linux), commands run as
 * before, their descendants killed at the timeout only, with one warning.
 */
final class ProcessSession {
    private static final Logger log = LoggerFactory.getLogger(ProcessSession.class);
    private static final Path PROC = Path.of("/proc");
    private static final Optional<Path> SETSID = find();
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    /** How long the kill goes on while members remain (forking, or stuck in the kernel) before it gives up, logged. */
    private static final long KILL_FOR_NANOS = TimeUnit.SECONDS.toNanos(2);

    private ProcessSession() {}

    private static Optional<Path> find() {
        if (!Files.isReadable(PROC.resolve("self").resolve("stat"))) {
            return Optional.empty();
        }
        return List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid")).stream().filter(Files::isExecutable).findFirst();
    }

    /** Whether commands get a session of their own here. */
    static boolean supported() {
        return SETSID.isPresent();
    }

    /**
     * {@code argv} prefixed with {@code setsid --}; unchanged (warned once) where that is not supported. The program is
     * checked first, since {@code setsid} would otherwise report a missing one as exit code 127 rather than a failed
     * start.
     */
    static List<String> wrap(List<String> argv) throws IOException {
        if (SETSID.isEmpty()) {
            if (WARNED.compareAndSet(false, true)) {
                log.warn("host.command: no /proc or setsid(1) here: what a command leaves running is killed only at its"
                        + " timeout, and only while it descends from the command; use Linux with util-linux to have it killed"
                        + " whenever the command ends");
            }
            return argv;
        }
        Path program = Path.of(argv.get(0));
        if (program.isAbsolute()) {
            if (!Files.exists(program)) {
                throw new IOException("Cannot run program \"" + argv.get(0) + "\": error=2, No such file or directory");
            }
            if (!Files.isRegularFile(program) || !Files.isExecutable(program)) {
                throw new IOException("Cannot run program \"" + argv.get(0) + "\": error=13, Permission denied");
            }
        }
        List<String> wrapped = new ArrayList<>(argv.size() + 2);
        wrapped.add(SETSID.get().toString());
        wrapped.add("--");
        wrapped.addAll(argv);
        return wrapped;
    }

    /**
     * {@code setsid}'s own report that it could not execute the program (exit code 126 or 127, nothing on stdout, its
     * one line on stderr) as the exception a failed start throws; empty for anything else, the command's own 127
     * included. The check before the start cannot see every failure (a script whose interpreter is missing).
     */
    static Optional<IOException> execFailure(List<String> argv, int exitCode, long stdoutBytes, String stderr) {
        String prefix = "setsid: failed to execute " + argv.get(0) + ": ";
        if (SETSID.isEmpty() || (exitCode != 126 && exitCode != 127) || stdoutBytes != 0 || !stderr.startsWith(prefix)
                || stderr.indexOf('\n') != stderr.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(new IOException("Cannot run program \"" + argv.get(0) + "\": " + stderr.substring(prefix.length()).trim()));
    }

    /**
     * Kills with {@code SIGKILL} every process in {@code leader}'s session, the leader included, round after round
     * until none is left (a member may fork while the others die), for at most two seconds. Keeps the caller's
     * interrupt status but is not cut short by it: what the command left must go.
     */
    static void kill(Process leader) {
        if (SETSID.isEmpty()) {
            return;
        }
        long sid = leader.pid();
        boolean interrupted = Thread.interrupted();
        try {
            long deadline = System.nanoTime() + KILL_FOR_NANOS;
            Set<Long> refused = new HashSet<>();
            for (int round = 0;; round++) {
                if (!leader.isAlive() && Files.exists(PROC.resolve(Long.toString(sid)))) {
                    // the leader was reaped and its pid is in use again: then no member of ours was left to keep it
                    return;
                }
                List<Long> members = members(sid);
                if (members.isEmpty()) {
                    return;
                }
                boolean signalled = false;
                for (long pid : members) {
                    // the handle first, its session after: a pid reused in between fails the check, or the handle's
                    // start time (which destroyForcibly compares) no longer matches
                    Optional<ProcessHandle> h = ProcessHandle.of(pid);
                    if (h.isPresent() && session(pid) == sid) {
                        if (h.get().destroyForcibly()) {
                            signalled = true;
                        } else {
                            refused.add(pid);
                        }
                    }
                }
                if (!signalled && refused.containsAll(members)) {
                    log.warn("host.command: {} process(es) left in the session of command pid {} may not be killed by the"
                            + " worker (another user's, as under sudo): {}", members.size(), sid, clip(members));
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    log.warn("host.command: {} process(es) left in the session of command pid {} still run after 2 s of"
                            + " SIGKILL: {}", members.size(), sid, clip(members));
                    return;
                }
                if (round > 0) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // give SIGKILL time to land
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The pids in session {@code sid} that are not yet dead (zombies are: their parent or init reaps them). */
    static List<Long> members(long sid) {
        List<Long> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !name.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    continue;
                }
                long pid = Long.parseLong(name);
                if (pid != self && session(pid) == sid) {
                    out.add(pid);
                }
            }
        } catch (IOException e) {
            log.warn("host.command: cannot list /proc to find what command pid {} left running: {}", sid, e.toString());
        }
        return out;
    }

    /** Field 6 of {@code /proc/PID/stat}; -1 when the process is gone or a zombie. */
    static long session(long pid) {
        String stat;
        try {
            stat = new String(Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("stat")), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            return -1; // gone while read (ESRCH)
        }
        return parseSession(stat);
    }

    /** The session id in a {@code /proc/PID/stat} line; -1 for a zombie, a dead process or an unreadable line. */
    static long parseSession(String stat) {
        // the name between parentheses may hold spaces and ')': the fields start after the last one
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            return -1;
        }
        String[] f = stat.substring(close + 2).split(" ", 5);
        if (f.length < 5 || f[0].equals("Z") || f[0].equals("X") || f[0].equals("x")) {
            return -1;
        }
        try {
            return Long.parseLong(f[3]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String clip(List<Long> pids) {
        return pids.size() <= 20 ? pids.toString() : pids.subList(0, 20) + " and " + (pids.size() - 20) + " more";
    }
}
