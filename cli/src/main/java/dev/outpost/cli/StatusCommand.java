package dev.outpost.cli;

import dev.outpost.Request;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code outpost status}: a worker's counters, in-flight work and thread health. */
@Command(name = "status", description = "Prints a worker's status: counters, in-flight work, latencies, thread health.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Mixin
    CallOptions where;

    @Override
    public Integer call() throws Exception {
        return CallCommand.call(global, spec, Request.builder("outpost.status").build(), where.to, where.timeout);
    }
}
