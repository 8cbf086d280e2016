package dev.outpost.host.internal;

import dev.outpost.CollectorException;
import dev.outpost.host.CommandSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;

/**
 * How {@code host.command} starts one allow-listed command: its environment, and the sudo wrapping. The
 * run itself, in a session of its own that is killed when it ends, is {@link ProcessRunner}'s.
 */
public final class CommandLaunch {
    /** Extra time the {@code timeout} wrapper gives a command after TERM before it sends KILL. */
    public static final Duration KILL_AFTER = Duration.ofSeconds(2);

    private final Path sudoPath;
    private final Path timeoutPath;
    private final Optional<ThreadFactory> threads;

    public CommandLaunch(Path sudoPath, Path timeoutPath, Optional<ThreadFactory> threads) {
        this.sudoPath = sudoPath;
        this.timeoutPath = timeoutPath;
        this.threads = threads;
    }

    /**
     * Runs {@code argv} as {@code spec} says, within {@code timeout}.
     *
     * @throws CollectorException {@code start-failed} (permanent) when the program cannot be started
     */
    public ProcessRunner.Outcome run(CommandSpec spec, List<String> argv, Duration timeout) throws InterruptedException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", CommandSpec.DEFAULT_PATH);
        for (String name : spec.inheritEnv()) {
            String v = System.getenv(name);
            if (v != null) {
                env.put(name, v);
            }
        }
        env.putAll(spec.env());
        List<String> command = argv;
        Duration ours = timeout;
        if (spec.sudo()) {
            // root's processes are out of the worker's reach: the timeout is enforced inside sudo by
            // coreutils timeout, which runs in a process group of its own and signals the whole group
            // (TERM, then KILL); the worker's own kill of sudo comes a little later, as a last resort.
            // sudo leads the command's session (ProcessRunner): when it ends, what is left there is
            // killed if the worker may signal it (a worker running as root), else it is logged
            command = new ArrayList<>();
            command.add(sudoPath.toString());
            command.add("-n");
            command.add("--");
            command.add(timeoutPath.toString());
            command.add("--kill-after=" + KILL_AFTER.toSeconds() + "s");
            command.add(String.format(Locale.ROOT, "%.3fs", Math.max(0.001, timeout.getSeconds() + timeout.getNano() / 1e9)));
            command.addAll(argv);
            ours = timeout.plus(KILL_AFTER).plusSeconds(3);
        }
        try {
            ProcessRunner.Outcome o = ProcessRunner.run(command, env, spec.workingDirectory(), ours, spec.maxOutputBytes(), threads);
            if (spec.sudo() && !o.timedOut() && (o.exitCode() == 124 || o.exitCode() == 137)) {
                // timeout's own codes: the command ran out of time inside sudo
                return new ProcessRunner.Outcome(o.exitCode(), true, o.durationMs(), o.stdout(), o.stdoutBytes(), o.stdoutTruncated(),
                        o.stderr(), o.stderrBytes(), o.stderrTruncated());
            }
            return o;
        } catch (IOException e) {
            // the message names the executable, never the params
            throw CollectorException.permanent("start-failed", "command '" + spec.name() + "' could not be started: "
                    + e.getMessage().replace(String.join(" ", argv), spec.executable().toString()));
        }
    }
}
