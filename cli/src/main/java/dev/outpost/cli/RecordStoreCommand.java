package dev.outpost.cli;

import dev.outpost.cli.internal.Daemon;
import dev.outpost.cli.internal.Observability;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.host.records.RecordConsumer;
import dev.outpost.host.records.RecordHttpServer;
import dev.outpost.host.records.RecordStore;
import dev.outpost.spi.Transport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code outpost record-store}: the process shipper's server from configuration alone: the record
 * store ({@code outpost.records.dir}), a consumer of the {@code records} queue, and the token-guarded
 * HTTP API ({@code outpost.records.http.*}).
 */
@Command(name = "record-store", modelTransformer = GlobalOptions.WithoutDemo.class, description = "Runs the record store: consumes shipped records, serves count/latest over HTTP.",
        footer = {"", "Keys: outpost.records.*, outpost.sqs.*, outpost.metrics.prometheus.* (docs/configuration.md)."})
final class RecordStoreCommand implements Callable<Integer> {
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
            Observability observed = Observability.from(config, daemon, false);
            Transport transport = observed.meter(daemon.own(WorkerCommand.transport(config)));
            RecordStore store = daemon.own(RecordStore.builder().configure(config).build());
            RecordConsumer consumer = daemon.own(RecordConsumer.builder(transport, "records", store).configure(config).build());
            RecordHttpServer server = daemon.own(RecordHttpServer.builder(store).configure(config).build());
            observed.monitor(store, consumer, server);
            observed.start();
            store.start();
            consumer.start();
            server.start();
            return "outpost record-store " + store.directory() + ": " + store.count()
                    + " records, retention " + store.retention() + "; HTTP"
                    + (config.string("outpost.records.http.keystore").filter(k -> !k.isBlank()).isPresent() ? "S" : "")
                    + " on port " + server.port() + "; consuming 'records'" + observed.describe() + "; SIGTERM stops";
        });
    }
}
