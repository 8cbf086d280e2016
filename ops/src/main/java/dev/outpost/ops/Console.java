package dev.outpost.ops;

import dev.outpost.core.files.OwnerOnlyFiles;
import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.spi.ConfigSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bot on a console: reads commands, one a line, and prints the {@link CommandRouter}'s
 * replies. With {@link Builder#lineEditing(boolean) line editing} (JLine: editing keys, history kept
 * in an owner-only file) when the input is a terminal; plain lines when it is piped, so
 * {@code echo 'list servers' | app} works. {@code quit} or {@code exit} or the end of the input
 * ends it; {@link #done()} completes then.
 *
 * <p>Nothing is read or created before {@link #start()}; one thread (from the thread factory)
 * reads. A failing command is answered, never ends the loop.
 */
public final class Console implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Console.class);
    /** The longest line read; longer lines are answered with an error. */
    public static final int MAX_LINE = CommandParser.MAX_LENGTH * 2;

    private final CommandRouter router;
    private final InputStream in;
    private final OutputStream out;
    private final boolean lineEditing;
    private final Optional<Path> history;
    private final Caller caller;
    private final String prompt;
    private final Lifecycle lifecycle;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicLong commands = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile Terminal terminal;
    private volatile BufferedReader plain;

    private Console(Builder b) {
        router = b.router;
        in = b.in;
        out = b.out;
        lineEditing = b.lineEditing;
        history = b.history;
        caller = new Caller(b.user, "console");
        prompt = b.prompt;
        lifecycle = new Lifecycle("outpost-ops-console", new OwnedThreads("ops-console", Optional.ofNullable(b.threads)));
    }

    /** A console for {@code router}, on standard input and output by default. */
    public static Builder builder(CommandRouter router) {
        return new Builder(router);
    }

    /** Opens the terminal (and history file) and starts reading. @throws IllegalStateException when started before */
    public Console start() {
        lifecycle.start();
        lifecycle.startThread("reader", this::loop);
        return this;
    }

    /** Completes when the input ends, {@code quit} is read, or the console is shut down. */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** Commands answered so far. */
    public long commands() {
        return commands.get();
    }

    /** Commands whose handling threw (answered with an error, the loop went on). */
    public long failures() {
        return failures.get();
    }

    private void loop() {
        try {
            if (lineEditing) {
                edited();
            } else {
                piped();
            }
        } catch (IOException | RuntimeException e) {
            if (lifecycle.running()) {
                LOG.warn("console input failed", e);
            }
        } finally {
            done.complete(null);
        }
    }

    private void piped() throws IOException {
        plain = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        PrintStream p = new PrintStream(out, true, StandardCharsets.UTF_8);
        while (lifecycle.running()) {
            String line = readBounded(plain);
            if (line == null || !answer(line, p::println)) {
                return;
            }
        }
    }

    /** A line of at most {@link #MAX_LINE} characters (the rest of a longer line is skipped), null at the end. */
    private static String readBounded(BufferedReader r) throws IOException {
        StringBuilder b = new StringBuilder();
        boolean any = false;
        for (int c = r.read(); c != -1; c = r.read()) {
            any = true;
            if (c == '\n') {
                return stripCr(b);
            }
            if (b.length() <= MAX_LINE) {
                b.append((char) c);
            }
        }
        return any ? stripCr(b) : null;
    }

    private static String stripCr(StringBuilder b) {
        int n = b.length();
        return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
    }

    private void edited() throws IOException {
        if (in == System.in && out == System.out) {
            terminal = TerminalBuilder.builder().name("outpost-ops").system(true).build();
        } else {
            // streams that are not the process's terminal: read them directly, with no pump thread
            terminal = new DumbTerminal("outpost-ops", "dumb", in, out, StandardCharsets.UTF_8);
        }
        LineReaderBuilder rb = LineReaderBuilder.builder().terminal(terminal).appName("outpost-ops");
        if (history.isPresent()) {
            try {
                OwnerOnlyFiles.createFile(history.get()); // what was typed may name hosts and secrets
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the history file " + history.get(), e);
            }
            rb.variable(LineReader.HISTORY_FILE, history.get());
            rb.variable(LineReader.HISTORY_FILE_SIZE, 1000);
        }
        LineReader reader = rb.build();
        while (lifecycle.running()) {
            String line;
            try {
                line = reader.readLine(prompt);
            } catch (UserInterruptException e) {
                continue;
            } catch (EndOfFileException e) {
                return;
            }
            boolean more = answer(line, s -> {
                terminal.writer().println(s);
                terminal.writer().flush();
            });
            history.ifPresent(Console::keepOwnerOnly);
            if (!more) {
                return;
            }
        }
    }

    /** The line reader rewrites the history file, perhaps with the umask's mode: narrowed again after each line. */
    private static void keepOwnerOnly(Path file) {
        try {
            if (Files.exists(file)) {
                OwnerOnlyFiles.narrow(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the history file " + file + " owner-only", e);
        }
    }

    private boolean answer(String line, java.util.function.Consumer<String> print) {
        String t = line.strip();
        if (t.isEmpty()) {
            return true;
        }
        // as any command word: case-insensitive, a leading / or ! ignored
        String word = (t.startsWith("/") || t.startsWith("!") ? t.substring(1).strip() : t).toLowerCase(java.util.Locale.ROOT);
        if (word.equals("quit") || word.equals("exit")) {
            return false;
        }
        if (line.length() > MAX_LINE) {
            print.accept("line too long");
            return true;
        }
        commands.incrementAndGet();
        try {
            print.accept(router.handle(caller, t).text());
        } catch (Throwable e) { // user code boundary: a failure is answered, the console goes on
            failures.incrementAndGet();
            LOG.warn("command failed", e);
            print.accept("The command failed: " + e.getClass().getSimpleName());
        }
        return true;
    }

    /** Stops reading and closes the terminal; idempotent, the same future every call. */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown(Duration.ofSeconds(5), true, () -> {
            try {
                Terminal t = terminal;
                if (t != null) {
                    t.close();
                }
                if (in != System.in) {
                    in.close();
                }
            } catch (IOException e) {
                LOG.debug("closing the console's input", e);
            }
            done.complete(null);
        });
    }

    /** {@link #shutdown()} and wait for it. */
    @Override
    public void close() {
        try {
            shutdown().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Builds a {@link Console}. */
    public static final class Builder {
        private final CommandRouter router;
        private InputStream in = System.in;
        private OutputStream out = System.out;
        private boolean lineEditing = System.console() != null;
        private Optional<Path> history = Optional.empty();
        private boolean historySet;
        private String user = System.getProperty("user.name", "console");
        private boolean userSet;
        private String prompt = "outpost> ";
        private ThreadFactory threads; // empty: Outpost's named threads
        private ConfigSource config;

        private Builder(CommandRouter router) {
            this.router = Objects.requireNonNull(router, "router");
        }

        /** Where commands come from (default standard input). */
        public Builder input(InputStream in) {
            this.in = Objects.requireNonNull(in, "in");
            return this;
        }

        /** Where replies go (default standard output). */
        public Builder output(OutputStream out) {
            this.out = Objects.requireNonNull(out, "out");
            return this;
        }

        /** JLine line editing and history (default: when standard input is a terminal). */
        public Builder lineEditing(boolean on) {
            this.lineEditing = on;
            return this;
        }

        /** The history file, created owner-only (0600) when line editing is on. */
        public Builder history(Path file) {
            this.history = Optional.of(file);
            historySet = true;
            return this;
        }

        /** The user the console acts as, checked by the router's access (default the OS user). */
        public Builder user(String user) {
            this.user = Objects.requireNonNull(user, "user");
            userSet = true;
            return this;
        }

        /** The prompt shown with line editing. */
        public Builder prompt(String prompt) {
            this.prompt = Objects.requireNonNull(prompt, "prompt");
            return this;
        }

        /** Makes the reader thread. */
        public Builder threadFactory(ThreadFactory threads) {
            this.threads = Objects.requireNonNull(threads, "threads");
            return this;
        }

        /** Binds {@code outpost.ops.console.history} and {@code outpost.ops.console.user}. */
        public Builder configure(ConfigSource config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** @throws ConfigException naming every bad key */
        public Console build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            if (config != null) {
                if (!historySet) {
                    config.string("outpost.ops.console.history").filter(s -> !s.isBlank()).ifPresent(s -> {
                        try {
                            history = Optional.of(Path.of(s));
                        } catch (java.nio.file.InvalidPathException e) {
                            problems.add(new ConfigException.Problem("outpost.ops.console.history",
                                    "'" + s + "' is not a path" + config.from("outpost.ops.console.history")));
                        }
                    });
                }
                if (!userSet) {
                    config.string("outpost.ops.console.user").filter(s -> !s.isBlank()).ifPresent(s -> user = s);
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new Console(this);
        }
    }
}
