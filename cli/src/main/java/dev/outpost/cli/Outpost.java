package dev.outpost.cli;

import dev.outpost.ConfigException;
import dev.outpost.core.CallTimeoutException;
import dev.outpost.nacl.KeyFileException;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.TransportException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/**
 * The {@code outpost} command: {@code outpost --help} lists the commands, {@code outpost help
 * COMMAND} explains one. Exit codes are in {@link ExitCodes}.
 */
@Command(name = "outpost", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, versionProvider = Version.class,
        description = "Send work to remote hosts over message queues and get results back.",
        footer = {"", "Exit codes: 0 all ok, 1 some failed or refused (nothing changed), 2 none answered, 64 usage, 69 unreachable,"
                + " 70 internal error, 74 file error, 78 configuration error.",
                "Try it with nothing set up: outpost demo, then e.g. outpost ping --demo"},
        synopsisSubcommandLabel = "COMMAND")
public final class Outpost implements Runnable {
    /**
     * Every subcommand, by name, in the order {@code --help} lists them; add a command with one line
     * here. Registered lazily: a run that names one command builds only that one (picocli reads
     * every registered command's annotations by reflection, the largest part of start-up before
     * the command runs); help, completion and unknown names get them all.
     */
    static final Map<String, Class<?>> COMMANDS = commands(
            "help", HelpCommand.class,
            "generate-completion", AutoComplete.GenerateCompletion.class,
            "call", CallCommand.class,
            "broadcast", BroadcastCommand.class,
            "ping", PingCommand.class,
            "status", StatusCommand.class,
            "collectors", CollectorsCommand.class,
            "demo", DemoCommand.class,
            "keygen", KeygenCommand.class,
            "senders", SendersCommand.class,
            "kv", KvCommand.class,
            "worker", WorkerCommand.class,
            "broker", BrokerCommand.class,
            "record-store", RecordStoreCommand.class,
            "host-agent", HostAgentCommand.class,
            "install-service", InstallServiceCommand.class,
            "ops", OpsCommand.class,
            "ops-bot", OpsBotCommand.class);

    /** The commands that run until stopped: their log is where an operator looks, warnings and all. */
    static final java.util.Set<String> DAEMONS = java.util.Set.of("worker", "broker", "record-store", "host-agent", "ops-bot");
    /** The commands built on a {@code Client}: a call that times out says itself when the reply destination was unreachable. */
    private static final java.util.Set<String> CLIENT_COMMANDS = java.util.Set.of("call", "ping", "status", "collectors");

    /**
     * A one-shot command reports its failure in one line and a hint. The warnings a transport logs
     * on the way there (a queue it could not check, the SDK's retries, a receive that keeps failing)
     * only repeat that line, so they are left out; the rest (an undecodable or unauthenticated
     * answer, which explains a missing one) still shows. {@code --verbose} shows everything.
     */
    private static void quietRepeatedWarnings(String command) {
        java.util.List<String> quiet = new java.util.ArrayList<>(java.util.List.of("dev.outpost.sqs.internal.QueueChecks",
                "software.amazon.awssdk", "io.netty"));
        if (CLIENT_COMMANDS.contains(command)) {
            quiet.add("dev.outpost.core.PollLoop");
        }
        for (String logger : quiet) {
            if (System.getProperty("org.slf4j.simpleLogger.log." + logger) == null) {
                System.setProperty("org.slf4j.simpleLogger.log." + logger, "error");
            }
        }
    }

    /**
     * As a command exits or a daemon stops, an SDK call still under way completes after its event loop ended: Netty says
     * so at ERROR with a stack trace ("Failed to submit a listener notification task. Event loop shut down?"), about
     * nothing left to do.
     */
    private static void quietEventLoopShutdown() {
        String rejected = "org.slf4j.simpleLogger.log.io.netty.util.concurrent.DefaultPromise.rejectedExecution";
        if (System.getProperty(rejected) == null) {
            System.setProperty(rejected, "off");
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command (outpost --help lists them)");
    }

    /** Runs the command line; {@link System#exit} with its exit code. */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = run(args, out, err);
        out.flush(); // autoflush covers println only: what a command print()s (a dry-run unit) would be lost
        err.flush();
        System.exit(code);
    }

    /** Runs the command line and returns its exit code (for embedding and tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        java.util.List<String> argList = java.util.Arrays.asList(args);
        boolean verbose = argList.contains("--verbose") || argList.contains("-v");
        java.util.List<String> commands = needed(args);
        // a demo fleet's workers run in this process: their refusals are already shown as results
        boolean demo = argList.contains("--demo") || argList.contains("demo");
        if (!verbose && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", demo ? "error" : "warn");
            if (commands.size() == 1 && !DAEMONS.contains(commands.get(0))) {
                quietRepeatedWarnings(commands.get(0));
            }
            quietEventLoopShutdown();
        }
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        String slackAuthTest = "org.slf4j.simpleLogger.log.com.slack.api.methods.impl.TeamIdCache";
        if (!verbose && System.getProperty(slackAuthTest) == null) {
            // the Slack SDK logs a failed auth.test at ERROR with its stack trace; the bot's start failure says it in a line
            System.setProperty(slackAuthTest, "off");
        }
        CommandLine cmd = new CommandLine(new Outpost());
        for (String name : commands) {
            // a CommandLine of its own: picocli applies a command's model transformer (GlobalOptions.WithoutDemo)
            // when it builds one, not to a class added to a command line already built
            cmd.addSubcommand(name, new CommandLine(COMMANDS.get(name)));
        }
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setExitCodeExceptionMapper(Outpost::exitCode);
        cmd.setParameterExceptionHandler((e, a) -> {
            // it quotes the bad argument as given, which may come from a file: one line, as printable as other errors
            e.getCommandLine().getErr().println("outpost: " + Output.printable(usageMessage(e).replaceAll("\\s+", " ")));
            e.getCommandLine().getErr().println("hint: " + helpCommand(commandPath(e.getCommandLine())));
            return ExitCodes.USAGE;
        });
        cmd.setExecutionExceptionHandler((e, c, parsed) -> {
            Throwable cause = unwrap(e);
            c.getErr().println("outpost: " + message(cause));
            hint(cause).ifPresent(h -> c.getErr().println("hint: " + h));
            if (verbose) {
                cause.printStackTrace(c.getErr());
            }
            return exitCode(cause);
        });
        return cmd.execute(args);
    }

    /** The subcommands this run needs: the one named, or (help, completion, a typo) all of them. */
    static java.util.List<String> needed(String[] args) {
        java.util.List<String> positional = java.util.Arrays.stream(args).filter(a -> !a.startsWith("-")).limit(2).toList();
        if (positional.isEmpty()) {
            return java.util.Arrays.asList(args).contains("--version") || java.util.Arrays.asList(args).contains("-V")
                    ? java.util.List.of() : java.util.List.copyOf(COMMANDS.keySet());
        }
        String first = positional.get(0);
        if (first.equals("help") && positional.size() == 2 && COMMANDS.containsKey(positional.get(1))) {
            return java.util.List.of("help", positional.get(1));
        }
        if (!COMMANDS.containsKey(first) || first.equals("help") || first.equals("generate-completion")) {
            return java.util.List.copyOf(COMMANDS.keySet());
        }
        return java.util.List.of(first);
    }

    private static Map<String, Class<?>> commands(Object... nameThenClass) {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenClass.length; i += 2) {
            m.put((String) nameThenClass[i], (Class<?>) nameThenClass[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** How to get a command's help: picocli's help command goes one level deep ("help kv put" shows kv's). */
    static String helpCommand(String path) {
        if (path.isEmpty()) {
            return "outpost help";
        }
        return path.contains(" ") ? "outpost " + path + " --help" : "outpost help " + path;
    }

    private static String commandPath(CommandLine c) {
        String name = c.getCommandSpec().qualifiedName(" ");
        return name.startsWith("outpost") ? name.substring("outpost".length()).trim() : name;
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException || t instanceof UncheckedIOException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * One line: white space collapsed, and control and bidirectional characters (a broker's or a
     * file's text may carry them) turned into spaces, as in tables.
     */
    static String message(Throwable t) {
        String m = t instanceof java.nio.file.FileSystemException f ? fileMessage(f)
                : t instanceof ConfigException c && c.problems().size() > 1 ? problems(c) : t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : clip(Output.printable(m.replaceAll("\\s+", " ")));
    }

    /** The longest error line: a remote's message (a broker's error) may be as long as it liked. */
    private static final int MAX_MESSAGE = 2000;

    private static String clip(String m) {
        if (m.length() <= MAX_MESSAGE) {
            return m;
        }
        int end = Character.isHighSurrogate(m.charAt(MAX_MESSAGE - 1)) ? MAX_MESSAGE - 1 : MAX_MESSAGE;
        return m.substring(0, end) + "… (" + (m.length() - end) + " more characters)";
    }

    /** Several problems, one per line in the exception's message: on one line they need a separator of their own. */
    private static String problems(ConfigException c) {
        // numbered: a problem's own text may hold "; " ("...(set in FILE); did you mean ...?")
        java.util.List<ConfigException.Problem> all = c.problems();
        return all.size() + " configuration problems: " + java.util.stream.IntStream.range(0, all.size())
                .mapToObj(i -> "(" + (i + 1) + ") " + all.get(i)).collect(java.util.stream.Collectors.joining(" "));
    }

    /** A file system error's message is often the path alone ("outpost: /etc/x"): add what is wrong with it. */
    static String fileMessage(java.nio.file.FileSystemException f) {
        if (f.getFile() == null) {
            return f.getMessage();
        }
        String reason = f.getReason() != null ? f.getReason()
                : f instanceof java.nio.file.NoSuchFileException ? "no such file or directory"
                : f instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                : f instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : f instanceof java.nio.file.NotDirectoryException ? "not a directory"
                : f instanceof java.nio.file.DirectoryNotEmptyException ? "directory not empty"
                : f.getClass().getSimpleName();
        return f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": " + reason;
    }

    static java.util.Optional<String> hint(Throwable t) {
        if (t instanceof ConfigException) {
            return java.util.Optional.of("fix the key named above where it was set; outpost help COMMAND lists the"
                    + " keys each command reads (docs/configuration.md has them all)");
        }
        if (brokerSilent(t)) {
            return java.util.Optional.of("is an outpost broker reading --broker-queue (default kv-requests), and does its"
                    + " outpost.worker.reply-to.allow let it answer to this command's outpost.client.reply-to? Its log says why"
                    + " it refused a request");
        }
        if (t instanceof dev.outpost.spi.NoSuchDestinationException) {
            return java.util.Optional.of("create the queue (commands create none), or fix the name where it was set:"
                    + " outpost.sqs.requests, outpost.client.reply-to, --to or --broker-queue");
        }
        if (localFileFailure(t)) {
            return java.util.Optional.of("check the file named above and its folder (outpost.broker.sqlite or --db):"
                    + " this user must be able to create and write it");
        }
        if (t instanceof TransportException || t instanceof RegistryException.Unavailable || unreachable(t)) {
            return java.util.Optional.of("check outpost.sqs.region / outpost.sqs.endpoint and the AWS credentials"
                    + " (AWS_PROFILE or AWS_ACCESS_KEY_ID), or try --demo");
        }
        if (t instanceof dev.outpost.ops.SlackUnavailableException) {
            return java.util.Optional.of("check outpost.ops.slack.api-url and that this host can reach it (a proxy?);"
                    + " outpost ops runs the console without Slack");
        }
        if (bindFailure(t)) {
            return java.util.Optional.of("another process listens on that address: stop it, or set another port"
                    + " (outpost.metrics.prometheus.port, outpost.records.http.port or outpost.broker.discovery.bind)");
        }
        if (t instanceof AlreadyThereException) {
            return java.util.Optional.of("nothing was changed: keys and senders are never overwritten; choose another NAME,"
                    + " --dir or --out, or outpost senders revoke the listed one first");
        }
        if (t instanceof KeyFileException && t.getCause() instanceof java.nio.file.NoSuchFileException) {
            return java.util.Optional.of("outpost keygen NAME makes a key pair; outpost senders add KEY --name NAME --file FILE"
                    + " creates a known-senders file");
        }
        if (t instanceof KeyFileException) {
            return java.util.Optional.of("check the file named above: keys and known-senders files must be owner-only");
        }
        if (t instanceof CallTimeoutException) {
            return java.util.Optional.of("is a worker reading that queue? outpost ping --to QUEUE");
        }
        // the registry's own answers (exit 1), not failures of the command: say what to do instead
        if (t instanceof RegistryException.KeyExists || t instanceof RegistryException.VersionConflict) {
            return java.util.Optional.of("nothing was changed: outpost kv get KEY shows the current version; put --version N"
                    + " replaces version N");
        }
        if (t instanceof RegistryException.NoSuchKey) {
            return java.util.Optional.of("nothing was changed: outpost kv put KEY JSON creates the key");
        }
        if (t instanceof RegistryException.Forbidden) {
            return java.util.Optional.of("nothing was changed: the broker's namespace rules refused this sender; present the"
                    + " namespace's access key (outpost.kv.access-key) or ask for a place in its readers or writers");
        }
        return java.util.Optional.of("run again with --verbose for the stack trace");
    }

    /** A local registry file that could not be created or opened: the disk is at fault, not a transport. */
    private static boolean localFileFailure(Throwable t) {
        return t instanceof RegistryException.Unavailable && t.getCause() instanceof IOException;
    }

    private static boolean bindFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.net.BindException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The broker did not answer while the reply queue could be read: SQS is reachable, so the credentials are not
     * the suspects; no broker on that queue, or one that refuses to answer to this reply queue, is.
     */
    private static boolean brokerSilent(Throwable t) {
        return t instanceof RegistryException.Unavailable u && (u.getCause() instanceof java.util.concurrent.TimeoutException
                || u.getCause() instanceof CallTimeoutException c && c.replyFailure().isEmpty());
    }

    /** A call that timed out while its reply destination could not be read: the transport is at fault, not a worker. */
    private static boolean unreachable(Throwable t) {
        return t instanceof CallTimeoutException c && c.replyFailure().isPresent();
    }

    static int exitCode(Throwable t) {
        Throwable c = unwrap(t);
        if (c instanceof ConfigException) {
            return ExitCodes.CONFIG;
        }
        if (localFileFailure(c)) {
            return ExitCodes.IO_ERROR;
        }
        if (c instanceof TransportException || c instanceof RegistryException.Unavailable || unreachable(c)
                || c instanceof dev.outpost.ops.SlackUnavailableException) {
            return ExitCodes.UNAVAILABLE;
        }
        if (c instanceof CallTimeoutException) {
            return ExitCodes.NONE_ANSWERED;
        }
        if (c instanceof AlreadyThereException) { // a refusal, as the registry's KeyExists: the file was read and left alone
            return ExitCodes.SOME_FAILED;
        }
        if (c instanceof IOException || c instanceof KeyFileException || c instanceof dev.outpost.kv.CorruptStoreException) {
            return ExitCodes.IO_ERROR;
        }
        if (c instanceof RegistryException) {
            return ExitCodes.SOME_FAILED;
        }
        return ExitCodes.SOFTWARE;
    }

    /**
     * picocli's message, except for a -D with no '=': picocli quotes the whole argument, and the
     * value may be a secret ({@code -D outpost.sqs.secret-access-key:…}), so only the key is named.
     */
    static String usageMessage(CommandLine.ParameterException e) {
        if (e.getArgSpec() instanceof CommandLine.Model.OptionSpec o && o.longestName().equals("-D") && e.getValue() != null) {
            String v = e.getValue();
            int end = 0;
            while (end < v.length() && (Character.isLetterOrDigit(v.charAt(end)) || ".-_".indexOf(v.charAt(end)) >= 0)) {
                end++;
            }
            return "-D takes KEY=VALUE: no '=' after '" + v.substring(0, end) + "' (the rest is not printed)";
        }
        return unknownCommand(e).map(Outpost::unknownCommandMessage).orElseGet(e::getMessage);
    }

    /** The name of a command that does not exist, from {@code outpost NAME} or {@code outpost help NAME}. */
    private static java.util.Optional<String> unknownCommand(CommandLine.ParameterException e) {
        if (e.getCommandLine().getParent() != null) {
            return java.util.Optional.empty();
        }
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            return java.util.Optional.of(u.getUnmatched().get(0));
        }
        String m = e.getMessage();
        return m != null && m.startsWith("Unknown subcommand '") && e.getValue() != null
                ? java.util.Optional.of(e.getValue()) : java.util.Optional.empty();
    }

    private static String unknownCommandMessage(String name) {
        // further than two edits is another word, not a typo
        java.util.Optional<String> nearest = dev.outpost.core.config.Suggestions.nearest(name, COMMANDS.keySet())
                .filter(c -> dev.outpost.core.config.Suggestions.distance(name.toLowerCase(java.util.Locale.ROOT), c) <= 2);
        return "unknown command '" + name + "'" + nearest.map(n -> "; did you mean '" + n + "'?").orElse(" (outpost help lists them)");
    }
}
