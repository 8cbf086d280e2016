package dev.outpost.cli;

import dev.outpost.cli.internal.Daemon;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.ops.SlackBot;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code outpost ops-bot}: the ops bot as a daemon, from configuration alone: in Slack (Socket Mode,
 * dialling out: {@code outpost.ops.slack.app-token} and {@code .bot-token}, both secrets), with the
 * rules and the daily export, until SIGTERM. Rule notifications are logged at INFO.
 */
@Command(name = "ops-bot", description = "Runs the ops bot in Slack (Socket Mode, no inbound port) with the rules and the daily export until SIGTERM.",
        footer = {"", "Keys: outpost.ops.slack.*, outpost.ops.access.*, outpost.ops.rules.*, outpost.ops.export.*, outpost.sqs.* (docs/configuration.md)."})
final class OpsBotCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger("dev.outpost.ops.rules");

    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        OutpostConfig config = global.load();
        Daemon daemon = new Daemon();
        return daemon.run(spec.commandLine().getOut(), () -> {
            OpsSetup ops = daemon.own(new OpsSetup(config, global.demo, m -> LOG.info("{}", m)));
            SlackBot bot = daemon.own(SlackBot.builder(ops.router(Optional.empty())).configure(config).build());
            ops.start();
            bot.start();
            return "outpost ops-bot on " + ops.where + ": connected to Slack, "
                    + ops.rules.rules().size() + " rules, export " + ops.exporter.map(x -> "on").orElse("off")
                    + "; SIGTERM stops";
        });
    }
}
