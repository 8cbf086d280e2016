package dev.outpost.cli;

import dev.outpost.ConfigException;
import dev.outpost.cli.internal.Daemon;
import dev.outpost.cli.internal.Observability;
import dev.outpost.core.RequestFilter;
import dev.outpost.core.Worker;
import dev.outpost.core.WorkerStatus;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.fleet.FleetMember;
import dev.outpost.nacl.SealedCodec;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Transport;
import dev.outpost.sqs.SqsTransport;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code outpost worker}: a worker built from configuration alone. It runs the built-in collectors
 * and those found on the class path that {@code outpost.collectors.allow} names, reads the queue of
 * {@code outpost.worker.requests} through SQS ({@code outpost.sqs.*}), seals when
 * {@code outpost.nacl.*} names a key and known senders, and drains on SIGTERM.
 */
@Command(name = "worker", modelTransformer = GlobalOptions.WithoutDemo.class, description = "Runs a worker from configuration until SIGTERM (then drains in-flight work).",
        footer = {"", "Keys: outpost.worker.*, outpost.collectors.*, outpost.sqs.*, outpost.nacl.*, outpost.audit.*,"
                + " outpost.metrics.prometheus.*, outpost.fleet.host.* with outpost.ops.registry.* (docs/configuration.md)."})
final class WorkerCommand implements Callable<Integer> {
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
            Transport transport = observed.meter(daemon.own(transport(config)));
            Worker.Builder builder = Worker.builder(transport).configure(config).discoverCollectors();
            observed.instrument(builder);
            boolean sealed = SealedCodec.Builder.isConfigured(config);
            Codec codec = sealed ? SealedCodec.builder().configure(config).build() : JsonCodec.create();
            if (sealed) {
                builder.codec(codec);
            }
            boolean register = config.booleanValue("outpost.fleet.host.register").orElse(false);
            // the member's filter (broadcast selectors, cancellation) needs the member, which needs the worker's collectors
            AtomicReference<RequestFilter> memberFilter = new AtomicReference<>((request, sender) -> Optional.empty());
            Optional<Inventory> inventory = Optional.empty();
            if (register) {
                inventory = Optional.of(Inventory.open(config, transport, codec, daemon::own));
                builder.filter((request, sender) -> memberFilter.get().check(request, sender));
            }
            Worker worker = daemon.own(builder.build());
            Optional<FleetMember> member = inventory.map(i -> daemon.own(FleetMember.builder(i.registry()).id(worker.id())
                    .collectors(worker.collectors()).configure(config).build()));
            member.ifPresent(m -> memberFilter.set(m.filter()));
            observed.monitor(worker);
            observed.start();
            worker.start();
            member.ifPresent(FleetMember::start); // after the worker: a host in the inventory answers; a SIGTERM removes it first
            return "outpost worker " + worker.id() + " running: "
                    + worker.status().concurrency() + " slots" + prefetch(config, worker.status())
                    + " on '" + worker.status().source() + "'" + queue(config, worker.status().source()) + ", sealing "
                    + (sealed ? "on" : "OFF (anyone who can write to the queue is obeyed)") + observed.describe()
                    + inventory.map(i -> ", registered in " + i.where()).orElse("") + "; SIGTERM drains and stops";
        });
    }

    /**
     * {@code " (SQS queue 'https://.../prod-requests')"}: the real queue behind the logical source, what an operator
     * looks for in the console. The transport is built from {@code config} alone, so its mapping is the one
     * {@code SqsTransport.Builder.configure} reads: {@code outpost.sqs.requests}, {@code .dead-letter} or
     * {@code .responses}, and the logical name itself for any other (or when the key is empty).
     */
    static String queue(OutpostConfig config, String source) {
        String queue = List.of("requests", "dead-letter", "responses").contains(source)
                ? config.string("outpost.sqs." + source).map(String::strip).filter(q -> !q.isEmpty()).orElse(source)
                : source;
        return " (SQS queue '" + queue + "')";
    }

    /** {@code " (+72 prefetched)"}, {@code " (+ automatic prefetch)"}, or nothing when nothing is held beyond the slots. */
    static String prefetch(OutpostConfig config, WorkerStatus status) {
        return prefetch(config.string("outpost.worker.prefetch").orElse("auto"), status.prefetch(), status.concurrency(),
                status.threads().size());
    }

    /** From the configured value, the fixed prefetch the worker holds, its slots and its pollers. */
    static String prefetch(String configured, int held, int concurrency, int pollers) {
        if (!configured.strip().equalsIgnoreCase("auto")) {
            return held == 0 ? "" : " (+" + held + " prefetched)";
        }
        // auto opens at most 10 a poller beyond the slots (outpost-config.properties): none when the slots take all that
        return 10 * pollers > concurrency ? " (+ automatic prefetch)" : "";
    }

    static Transport transport(OutpostConfig config) {
        if (!Connection.sqsConfigured(config)) {
            throw ConfigException.of("outpost.sqs.region", "a daemon needs a transport: set outpost.sqs.region (and"
                    + " outpost.sqs.endpoint for an emulator); outpost demo runs a fleet in one process instead");
        }
        return SqsTransport.builder().configure(config).build();
    }
}
