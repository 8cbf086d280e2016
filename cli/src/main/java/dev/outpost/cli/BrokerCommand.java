package dev.outpost.cli;

import dev.outpost.cli.internal.Daemon;
import dev.outpost.cli.internal.Observability;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.kv.DiscoveryResponder;
import dev.outpost.kv.RegistryService;
import dev.outpost.kv.SqliteRegistry;
import dev.outpost.nacl.SealedCodec;
import dev.outpost.spi.Transport;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code outpost broker}: the durable registry served over the transport, from configuration alone:
 * a SQLite file ({@code outpost.broker.sqlite}), the namespace rules
 * ({@code outpost.broker.namespaces-file}), optional backups and UDP discovery.
 */
@Command(name = "broker", modelTransformer = GlobalOptions.WithoutDemo.class, description = "Runs the registry broker (SQLite, served over the transport) until SIGTERM.",
        footer = {"", "Keys: outpost.broker.*, outpost.worker.* (its worker), outpost.sqs.*, outpost.nacl.*,"
                + " outpost.audit.* (every registry write), outpost.metrics.prometheus.* (docs/configuration.md)."})
final class BrokerCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        global.refuseDemo(spec, "outpost demo runs a fleet in one process; a daemon needs a transport (outpost.sqs.*)");
        OutpostConfig config = global.load();
        Daemon daemon = new Daemon();
        return daemon.run(spec.commandLine().getOut(), () -> {
            Observability observed = Observability.from(config, daemon, true);
            Transport transport = observed.meter(daemon.own(WorkerCommand.transport(config)));
            SqliteRegistry registry = daemon.own(SqliteRegistry.builder().configure(config).build());
            RegistryService.Builder service = RegistryService.builder(observed.meter(registry)).configure(config).transport(transport);
            observed.audit().ifPresent(service::audit);
            boolean sealed = SealedCodec.Builder.isConfigured(config);
            if (sealed) {
                service.codec(SealedCodec.builder().configure(config).build());
            }
            RegistryService broker = daemon.own(service.build());
            Optional<DiscoveryResponder> discovery = config.string("outpost.broker.discovery.bind").filter(b -> !b.isBlank())
                    .map(b -> daemon.own(DiscoveryResponder.builder(registry).configure(config).build()));
            broker.worker().ifPresent(observed::monitor);
            observed.start();
            registry.start();
            broker.start();
            discovery.ifPresent(DiscoveryResponder::start);
            return "outpost broker " + config.string("outpost.broker.id").orElse("broker")
                    + " serving " + registry.file()
                    + broker.worker().map(w -> " on '" + w.status().source() + "'" + WorkerCommand.queue(config, w.status().source())).orElse("")
                    + ", sealing " + (sealed ? "on" : "OFF")
                    + discovery.map(d -> ", discovery on " + d.address()).orElse("") + observed.describe() + "; SIGTERM drains and stops";
        });
    }
}
