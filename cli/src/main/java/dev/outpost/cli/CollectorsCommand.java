package dev.outpost.cli;

import dev.outpost.Request;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code outpost collectors}: what a worker runs, with each collector's description and params schema. */
@Command(name = "collectors", description = "Lists the collectors a worker runs, with descriptions and params schemas.")
final class CollectorsCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Mixin
    CallOptions where;

    @Override
    public Integer call() throws Exception {
        return CallCommand.call(global, spec, Request.builder("outpost.collectors").build(), where.to, where.timeout);
    }
}
