package dev.outpost.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import dev.outpost.cli.internal.Daemon;
import dev.outpost.cli.internal.Observability;
import dev.outpost.core.Scheduler;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.host.ProcessesCollector;
import dev.outpost.host.outbox.OutboxTransport;
import dev.outpost.spi.Transport;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code outpost host-agent}: the process shipper from configuration alone: {@code host.processes}
 * every {@code outpost.agent.period}, through an on-disk outbox ({@code outpost.outbox.*}) to the
 * {@code records} queue, so samples taken during an outage are shipped when it ends.
 */
@Command(name = "host-agent", modelTransformer = GlobalOptions.WithoutDemo.class, description = "Ships this host's process list every period to the records queue, through a disk outbox.",
        footer = {"", "Keys: outpost.agent.*, outpost.outbox.*, outpost.collectors.host.processes.*, outpost.sqs.*, outpost.metrics.prometheus.*."})
final class HostAgentCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        global.refuseDemo(spec, "outpost demo runs a fleet in one process; a daemon needs a transport (outpost.sqs.*)");
        OutpostConfig config = global.load();
        String id = config.string("outpost.agent.id").filter(s -> !s.isBlank())
                .orElse(InetAddress.getLocalHost().getHostName());
        Duration period = config.duration("outpost.agent.period").orElse(Duration.ofSeconds(5));
        if (period.isNegative() || period.isZero()) {
            throw dev.outpost.ConfigException.of("outpost.agent.period", "must be positive, was '"
                    + config.string("outpost.agent.period").orElse("") + "'"
                    + config.from("outpost.agent.period"));
        }
        int top = config.intValue("outpost.agent.top").orElse(0);
        Daemon daemon = new Daemon();
        return daemon.run(spec.commandLine().getOut(), () -> {
            Observability observed = Observability.from(config, daemon, false);
            Transport network = observed.meter(daemon.own(WorkerCommand.transport(config)));
            OutboxTransport.Builder ob = OutboxTransport.builder(network).configure(config);
            if (config.string("outpost.outbox.dir").filter(s -> !s.isBlank()).isEmpty()) {
                ob.directory(java.nio.file.Path.of("outbox"));
            }
            OutboxTransport outbox = daemon.own(ob.build());
            ObjectNode params = (ObjectNode) Json.toTree(top > 0 ? Map.of("top", top, "sortBy", "cpu") : Map.of());
            Scheduler.Job job = new Scheduler.Job(new ProcessesCollector(), period, "records", params, Optional.empty(), period,
                    config.subset("outpost.collectors.host.processes"));
            Scheduler scheduler = daemon.own(Scheduler.builder(outbox).id(id).job(job).build());
            observed.monitor(scheduler);
            observed.start();
            try {
                outbox.start();
            } catch (java.io.IOException e) {
                // the JDK's message is the path alone: name the key that chose it, and where it was set
                throw new java.io.IOException("outpost.outbox.dir '"
                        + config.string("outpost.outbox.dir").filter(d -> !d.isBlank()).orElse("outbox") + "'"
                        + config.from("outpost.outbox.dir") + " cannot be used: "
                        + (e instanceof java.nio.file.FileSystemException f ? Outpost.fileMessage(f) : e.getMessage()), e);
            }
            scheduler.start();
            return "outpost host-agent " + id + ": host.processes every " + period
                    + " to 'records'; outbox has " + outbox.pending() + " waiting" + observed.describe()
                    + "; SIGTERM stops (the outbox keeps what is unsent)";
        });
    }
}
