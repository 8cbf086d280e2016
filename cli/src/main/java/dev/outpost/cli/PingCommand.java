package dev.outpost.cli;

import dev.outpost.Request;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code outpost ping}: is a worker there, and how fast does it answer. */
@Command(name = "ping", description = "Asks a worker (queue) for outpost.ping and prints who answered.")
final class PingCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Mixin
    CallOptions where;

    @Override
    public Integer call() throws Exception {
        return CallCommand.call(global, spec, Request.builder("outpost.ping").build(), where.to, where.timeout);
    }
}
