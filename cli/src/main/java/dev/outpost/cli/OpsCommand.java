package dev.outpost.cli;

import dev.outpost.core.config.OutpostConfig;
import dev.outpost.ops.Caller;
import dev.outpost.ops.CommandRouter;
import dev.outpost.ops.Console;
import dev.outpost.ops.Reply;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code outpost ops}: the chat-ops bot on the console (OCTOBOX's no-Slack mode), built from
 * configuration alone by {@link OpsSetup}: the rules act on what the bot sees, the journal keeps it
 * and the daily export sends it to S3 while the console runs. {@code -e COMMAND} (repeatable) runs
 * commands and exits instead of reading the keyboard. With {@code outpost.ops.slack.app-token}
 * configured (and no {@code -e}) it is {@code outpost ops-bot}: the bot in Slack until SIGTERM.
 */
@Command(name = "ops", description = "The ops bot on the console (in Slack when outpost.ops.slack.app-token is set): list servers, run collectors, rules, the daily export.",
        footer = {"", "Keys: outpost.ops.* (access, rules, export, console), outpost.sqs.*, outpost.fleet.* (docs/configuration.md).",
                "Try: outpost ops --demo -e 'list servers' -e 'run auth.failures on tag:web'"})
final class OpsCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Option(names = {"-e", "--execute"}, paramLabel = "COMMAND", description = "Runs COMMAND (repeatable) and exits; without it the console reads the keyboard until quit.")
    List<String> commands = new ArrayList<>();

    /** Adds {@code ops} and {@code ops-bot} to the {@code outpost} command line. */
    @Override
    public Integer call() throws Exception {
        OutpostConfig config = global.load();
        if (commands.isEmpty() && config.string("outpost.ops.slack.app-token").filter(t -> !t.isBlank()).isPresent()) {
            // OCTOBOX's modes: the console by default, Slack when a token is configured
            OpsBotCommand bot = new OpsBotCommand();
            bot.global = global;
            bot.spec = spec;
            return bot.call();
        }
        PrintWriter out = spec.commandLine().getOut();
        String user = config.string("outpost.ops.console.user").filter(s -> !s.isBlank())
                .orElse(System.getProperty("user.name", "console"));
        try (OpsSetup ops = new OpsSetup(config, global.demo, m -> {
            out.println("[rules] " + Output.printableLines(m)); // it quotes what hosts answered, as the replies do
            out.flush();
        })) {
            CommandRouter router = ops.router(Optional.of(user));
            ops.start();
            if (!commands.isEmpty()) {
                boolean allOk = true;
                for (String c : commands) {
                    Reply r = router.handle(new Caller(user, "console"), c);
                    out.println(Output.printableLines(r.text())); // it quotes what hosts answered
                    out.flush();
                    allOk &= r.ok();
                }
                // the rules act after the answer is printed: let them finish what these commands set off (bounded)
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
                while (!ops.rules.idle() && System.nanoTime() < deadline) {
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
                return allOk ? ExitCodes.OK : ExitCodes.SOME_FAILED;
            }
            try (Console console = Console.builder(router).user(user).configure(config).build().start()) {
                out.println("outpost ops on " + ops.where + "; type help (quit to leave)");
                out.flush();
                console.done().join();
            }
            return ExitCodes.OK;
        }
    }
}
