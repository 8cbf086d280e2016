package dev.outpost.host;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.CollectorException;
import dev.outpost.ConfigException;
import dev.outpost.Request;
import dev.outpost.host.internal.CommandLaunch;
import dev.outpost.host.internal.CommandSettings;
import dev.outpost.host.internal.ProcessRunner;
import dev.outpost.host.internal.RevertStore;
import dev.outpost.host.internal.Settings;
import dev.outpost.host.internal.Template;
import dev.outpost.host.internal.Threads;
import dev.outpost.Json;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code host.command}: runs only the commands named in its allow-list ({@link CommandSpec}),
 * with params checked against each command's JSON Schema.
 *
 * <p>Params: {@code {"command": "allow", "params": {"ip": "203.0.113.7", "port": 22}}}. Returns a
 * {@link CommandResult}. A non-zero exit code is a result, not an error. Refused with a permanent
 * error: {@code command-not-allowed} (not in the allow-list), {@code bad-params} (schema
 * violations, a NUL, an over-long value, an object where text is needed), {@code start-failed}
 * (the program could not be started). Commands are never retried by the worker: a command has
 * side effects.
 *
 * <p>No shell is involved; arguments are a list; the environment holds only {@code PATH}
 * ({@link CommandSpec#DEFAULT_PATH} unless set), the variables the spec sets and those it
 * inherits; stdin is closed; the working directory is the spec's; after the timeout (or the
 * request's deadline, if sooner) the process and its descendants are killed.
 *
 * <p>Nothing a command starts outlives it (Linux): each command runs through {@code setsid(1)} as
 * the leader of a session of its own, and when it ends (normally, at the timeout, when the calling
 * thread is interrupted) every process still in that session gets {@code SIGKILL}, background and
 * double-forked children included, before the result is returned. Limits: a process that starts a
 * session of its own ({@code setsid(2)}, as daemons do) escapes, which only a cgroup would prevent;
 * under sudo, root's processes are out of the worker's reach (see the module README); without
 * {@code /proc} and {@code setsid(1)} (not Linux) only the timeout's kill of the process tree
 * applies, with one warning logged.
 *
 * <p>Reverts: a spec with {@link CommandSpec.Builder#revert} makes each run write a revert entry
 * to the state directory (durably, before the command starts); a thread
 * ({@code outpost-host-command-revert}) runs due entries and deletes them afterwards. Entries
 * survive restarts: a new collector on the same state directory runs what became due meanwhile.
 * A crash while a revert runs runs it again after the restart, so revert commands must be
 * idempotent (as {@code ufw delete allow ...} is).
 *
 * <pre>{@code
 * try (CommandCollector commands = CommandCollector.builder()
 *         .command(allow).command(disallow)
 *         .stateDirectory(Path.of("/var/lib/outpost/commands"))
 *         .build()) {
 *     Worker worker = Worker.builder(transport).collector(commands).build().start();
 * }
 * }</pre>
 *
 * Not found by {@code ServiceLoader}: a command runner is wired on purpose, in code or with
 * {@link #fromSettings(Map)}.
 */
public final class CommandCollector implements Collector, AutoCloseable {
    /** The collector's name. */
    public static final String NAME = "host.command";
    private static final Logger log = LoggerFactory.getLogger(CommandCollector.class);
    private static final JsonNode SCHEMA = Json.parse("""
            {"type": "object", "additionalProperties": false, "required": ["command"],
             "properties": {
               "command": {"type": "string", "pattern": "^[a-z0-9_][a-z0-9._-]*$", "maxLength": 128},
               "params": {"type": "object"}}}""");

    private final Map<String, CommandSpec> commands;
    private final Optional<RevertStore> reverts;
    private final Set<String> revertTargets;
    private final Clock clock;
    private final CommandLaunch launch;
    private final int maxArgChars;
    private final ScheduledExecutorService revertThread;
    /** Ids of reverts whose command still runs here: not run before it ends (after a crash none is). */
    private final Set<String> commandsRunning = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private CommandCollector(Builder b) throws IOException {
        this.commands = Map.copyOf(b.commands);
        this.clock = b.clock;
        this.launch = new CommandLaunch(b.sudoPath, b.timeoutPath, b.threadFactory);
        this.maxArgChars = b.maxArgChars;
        this.revertTargets = commands.values().stream().flatMap(c -> c.revertCommand().stream()).collect(Collectors.toUnmodifiableSet());
        if (b.stateDirectory.isPresent()) {
            RevertStore store = new RevertStore(b.stateDirectory.get());
            store.open(); // refuses a directory others own or may write
            this.reverts = Optional.of(store);
            ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1,
                    r -> Threads.newThread(b.threadFactory, r, "outpost-host-command-revert"));
            long every = b.revertCheckInterval.compareTo(Duration.ofDays(36_500)) > 0 // toMillis() overflows past 292e6 years
                    ? TimeUnit.DAYS.toMillis(36_500) : b.revertCheckInterval.toMillis();
            ex.scheduleWithFixedDelay(() -> {
                try {
                    runDueReverts();
                } catch (Throwable t) {
                    log.error("host.command: revert check failed", t);
                }
            }, 0, every, TimeUnit.MILLISECONDS);
            this.revertThread = ex;
        } else {
            this.reverts = Optional.empty();
            this.revertThread = null;
        }
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A collector configured by the settings {@code outpost.collectors.host.command.*} (pass them
     * unprefixed, e.g. {@code config.subset("outpost.collectors.host.command")}); see the module
     * README for the keys.
     *
     * @throws ConfigException naming every bad or unknown key (with the nearest valid one)
     * @throws IOException when the state directory cannot be used
     */
    public static CommandCollector fromSettings(Map<String, String> settings) throws IOException {
        return fromSettings(settings, Clock.systemUTC());
    }

    /** {@link #fromSettings(Map)} with a clock (for tests). */
    public static CommandCollector fromSettings(Map<String, String> settings, Clock clock) throws IOException {
        List<ConfigException.Problem> problems = new ArrayList<>();
        Builder b = CommandSettings.parse(settings, problems).clock(clock);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return b.build();
    }

    /**
     * {@inheritDoc} Every key is checked (an unknown one is named with the nearest valid one) and
     * every value parsed, as {@link #fromSettings} would; nothing is created.
     */
    @Override
    public void validateSettings(Map<String, String> settings) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        CommandSettings.parse(settings, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "runs an allow-listed command (no shell) and returns its exit code and capped output";
    }

    @Override
    public JsonNode paramsSchema() {
        return SCHEMA.deepCopy();
    }

    /** The allow-list. */
    public Map<String, CommandSpec> commands() {
        return commands;
    }

    @Override
    public Object collect(Request request, CollectorContext context) throws Exception {
        String name = request.params().path("command").asText();
        CommandSpec spec = commands.get(name);
        if (spec == null) {
            throw CollectorException.permanent("command-not-allowed", "command '" + name + "' is not in the allow-list");
        }
        JsonNode params = request.params().has("params") ? request.params().get("params") : Json.parse("{}");
        List<String> argv = argv(spec, params);
        Duration timeout = spec.timeout();
        Duration remaining = context.remaining();
        if (remaining.isZero()) {
            throw CollectorException.permanent("timeout", "the request's deadline passed before '" + name + "' could start");
        }
        if (remaining.compareTo(timeout) < 0) {
            timeout = remaining;
        }
        Optional<CommandResult.Revert> revert = Optional.empty();
        if (spec.revertCommand().isPresent()) {
            revert = Optional.of(scheduleRevert(spec, params, request.id()));
        }
        log.info("host.command: running '{}' for request {}", name, request.id());
        ProcessRunner.Outcome o;
        try {
            o = run(spec, argv, timeout);
        } finally {
            revert.ifPresent(r -> commandsRunning.remove(r.id()));
        }
        return new CommandResult(name, o.exitCode(), o.timedOut(), o.durationMs(), o.stdout(), o.stdoutBytes(),
                o.stdoutTruncated(), o.stderr(), o.stderrBytes(), o.stderrTruncated(), revert);
    }

    /** The revert entries waiting (those that pass their check), oldest due first. */
    public List<CommandResult.Revert> pendingReverts() throws IOException {
        List<CommandResult.Revert> out = new ArrayList<>();
        if (reverts.isPresent()) {
            for (Path p : reverts.get().files()) {
                try {
                    RevertStore.Entry e = reverts.get().read(p);
                    out.add(new CommandResult.Revert(e.id(), e.command(), e.dueAt()));
                } catch (RevertStore.Refused refused) {
                    // set aside by the next revert check
                }
            }
        }
        out.sort(Comparator.comparing(CommandResult.Revert::dueAt));
        return out;
    }

    /**
     * Runs every revert entry that is due by the clock and deletes it. The revert thread calls this
     * every check interval; call it yourself to run them at once.
     *
     * @return how many ran
     */
    public synchronized int runDueReverts() throws IOException {
        if (reverts.isEmpty()) {
            return 0;
        }
        RevertStore store = reverts.get();
        int ran = 0;
        Instant now = clock.instant();
        for (Path file : store.files()) {
            RevertStore.Entry entry;
            try {
                entry = store.read(file);
            } catch (RevertStore.Refused e) {
                store.setAside(file, e.getMessage());
                continue;
            } catch (IOException | RuntimeException e) {
                log.warn("host.command: cannot read revert entry {} now: {}; tried again later", file.getFileName(), e.toString());
                continue;
            }
            if (entry.dueAt().isAfter(now) || commandsRunning.contains(entry.id())) {
                continue; // not due, or due before its command ended (a delay shorter than the run): its effect would outlive it
            }
            if (!revertTargets.contains(entry.command())) {
                store.setAside(file, "'" + entry.command() + "' is not the revert of any allow-listed command");
                continue;
            }
            CommandSpec spec = commands.get(entry.command());
            try {
                ProcessRunner.Outcome o = run(spec, argv(spec, entry.params()), spec.timeout());
                log.info("host.command: revert {} ran '{}': exit {}{}", entry.id(), entry.command(), o.exitCode(),
                        o.timedOut() ? " (timed out)" : "");
            } catch (CollectorException e) {
                if (e.code().equals("bad-params")) {
                    store.setAside(file, "its params no longer fit '" + entry.command() + "': " + e.getMessage());
                } else {
                    log.error("host.command: revert {} ('{}') cannot run: {}; kept, will be tried again", entry.id(),
                            entry.command(), e.getMessage());
                }
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ran;
            }
            store.delete(file);
            ran++;
        }
        return ran;
    }

    /** Stops the revert thread; pending reverts stay on disk. Idempotent. */
    @Override
    public void close() {
        if (revertThread != null) {
            revertThread.shutdownNow();
            try {
                revertThread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private CommandResult.Revert scheduleRevert(CommandSpec spec, JsonNode params, String requestId) throws IOException {
        String revert = spec.revertCommand().get();
        CommandSpec target = commands.get(revert);
        if (target == null) {
            throw CollectorException.permanent("bad-settings", "command '" + spec.name() + "' reverts with '" + revert
                    + "', which is not in the allow-list");
        }
        argv(target, params); // the revert must accept the same params: refuse now, not in an hour
        if (reverts.isEmpty()) {
            throw CollectorException.permanent("bad-settings", "command '" + spec.name()
                    + "' has a revert but the collector has no state directory to keep it in");
        }
        Instant due = clock.instant().plus(spec.revertDelay());
        String id = UUID.randomUUID().toString();
        commandsRunning.add(id); // before the entry exists: the revert thread must not find it while the command runs
        try {
            // written (signed) before the command starts: if we crash while it runs, the revert still happens
            reverts.get().write(id, revert, params, due, requestId, clock.instant());
        } catch (IOException | RuntimeException | Error e) {
            commandsRunning.remove(id);
            throw e;
        }
        return new CommandResult.Revert(id, revert, due);
    }

    private List<String> argv(CommandSpec spec, JsonNode params) {
        List<String> violations = spec.schema().violations(params);
        if (!violations.isEmpty()) {
            throw CollectorException.permanent("bad-params", "command '" + spec.name() + "': " + String.join("; ", violations));
        }
        List<String> argv = new ArrayList<>();
        argv.add(spec.executable().toString());
        for (Template t : spec.templates()) {
            argv.add(t.render(p -> {
                String v = Template.text(params.get(p));
                if (v == null) {
                    throw CollectorException.permanent("bad-params", "command '" + spec.name() + "': param '" + p
                            + "' is missing or is not a string, number or boolean");
                }
                if (v.indexOf('\0') >= 0) {
                    throw CollectorException.permanent("bad-params", "command '" + spec.name() + "': param '" + p
                            + "' contains a NUL character");
                }
                if (v.length() > maxArgChars) {
                    throw CollectorException.permanent("bad-params", "command '" + spec.name() + "': param '" + p + "' is "
                            + v.length() + " characters, more than the " + maxArgChars + " allowed");
                }
                return v;
            }));
        }
        return argv;
    }

    private ProcessRunner.Outcome run(CommandSpec spec, List<String> argv, Duration timeout) throws InterruptedException {
        return launch.run(spec, argv, timeout);
    }

    /** Builds a {@link CommandCollector}. */
    public static final class Builder {
        private final Map<String, CommandSpec> commands = new LinkedHashMap<>();
        private Optional<Path> stateDirectory = Optional.empty();
        private Clock clock = Clock.systemUTC();
        private Path sudoPath = Path.of("/usr/bin/sudo");
        private Path timeoutPath = Path.of("/usr/bin/timeout");
        private int maxArgChars = 4096;
        private Duration revertCheckInterval = Duration.ofSeconds(1);
        private Optional<ThreadFactory> threadFactory = Optional.empty();

        Builder() {}

        /** Adds a command to the allow-list. */
        public Builder command(CommandSpec spec) {
            Objects.requireNonNull(spec, "spec");
            if (commands.putIfAbsent(spec.name(), spec) != null) {
                throw new IllegalArgumentException("command '" + spec.name() + "' added twice");
            }
            return this;
        }

        /** Where revert entries are kept; required when a command has a revert. */
        public Builder stateDirectory(Path dir) {
            this.stateDirectory = Optional.of(Objects.requireNonNull(dir, "dir"));
            return this;
        }

        /** The clock that dates reverts; the system clock by default. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The {@code sudo} program; {@code /usr/bin/sudo} by default. */
        public Builder sudoPath(Path path) {
            this.sudoPath = Objects.requireNonNull(path, "path");
            return this;
        }

        /**
         * The coreutils {@code timeout} program that enforces a {@code sudo} command's timeout
         * inside sudo (see the README for the sudoers line); {@code /usr/bin/timeout} by default.
         * A collector with a sudo command refuses to build without it.
         */
        public Builder timeoutPath(Path path) {
            this.timeoutPath = Objects.requireNonNull(path, "path");
            return this;
        }

        /** The longest argument a param may produce; 4096 by default (the OS allows 128 KiB). */
        public Builder maxArgChars(int chars) {
            if (chars < 1 || chars > 131072) {
                throw new IllegalArgumentException("maxArgChars must be 1 to 131072, was " + chars);
            }
            this.maxArgChars = chars;
            return this;
        }

        /** How often the revert thread looks for due entries; 1 s by default. */
        public Builder revertCheckInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.compareTo(Duration.ofMillis(1)) < 0) { // not toMillis(): it overflows past 292e6 years
                throw new IllegalArgumentException("revertCheckInterval must be at least 1 ms");
            }
            this.revertCheckInterval = interval;
            return this;
        }

        /**
         * Makes every thread the collector starts: the revert thread and, for each run, the two
         * that read the command's stdout and stderr. By default they are daemons named
         * {@code outpost-host-command-revert} and {@code outpost-host-command-stdout-PID} /
         * {@code outpost-host-command-stderr-PID}.
         */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /**
         * Builds the collector and, with a state directory, starts its revert thread (which at once
         * runs what became due while no collector was running).
         *
         * @throws IllegalArgumentException when a revert names a command not in the allow-list, or
         *     reverts are configured without a state directory
         * @throws IOException when the state directory cannot be used
         */
        public CommandCollector build() throws IOException {
            List<String> problems = new ArrayList<>();
            for (CommandSpec c : commands.values()) {
                c.revertCommand().ifPresent(r -> {
                    if (!commands.containsKey(r)) {
                        problems.add("command '" + c.name() + "' reverts with '" + r + "', which is not in the allow-list");
                    }
                    if (stateDirectory.isEmpty()) {
                        problems.add("command '" + c.name() + "' has a revert: set a state directory to keep reverts in");
                    }
                });
            }
            if (commands.values().stream().anyMatch(CommandSpec::sudo) && !Files.isExecutable(timeoutPath)) {
                problems.add("a sudo command needs coreutils timeout at " + timeoutPath
                        + " (it enforces the timeout on root's whole process tree): install it or set timeoutPath");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
            return new CommandCollector(this);
        }
    }
}
