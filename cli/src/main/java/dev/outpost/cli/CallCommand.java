package dev.outpost.cli;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.cli.internal.Params;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code outpost call COLLECTOR}: one request to one worker queue, its answer printed. */
@Command(name = "call", description = "Calls a collector on one worker (queue) and prints the answer.",
        footer = {"", "Examples:", "  outpost call demo.uptime --param unit=s --demo",
                "  outpost call disk.usage --params-json '{\"path\":\"/var\"}' --to web-01-requests"})
final class CallCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "COLLECTOR", description = "The collector to run, e.g. disk.usage.")
    String collector;

    @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE",
            description = "A param; the value is JSON when it parses as JSON (3, true, [1]), else a string.")
    Map<String, String> params;

    @Option(names = "--params-json", paramLabel = "JSON", description = "All params as one JSON object.")
    String paramsJson;

    @Option(names = "--target", paramLabel = "TARGET", description = "The request's target (what the collector acts on).")
    String target;

    @Mixin
    CallOptions where;

    @Override
    public Integer call() throws Exception {
        Request.Builder b = Request.builder(collector).params(Params.of(spec.commandLine(), paramsJson, params));
        if (target != null) {
            b.target(target);
        }
        return call(global, spec, b.build(), where.to, where.timeout);
    }

    static int call(GlobalOptions global, CommandSpec spec, Request request, String to, Duration timeout) throws Exception {
        if (global.demo && to != null && !Connection.DEMO_IDS.contains(to)) { // else it waits out the timeout for no one
            throw new ParameterException(spec.commandLine(), "--to " + to + ": no demo worker reads it; the demo fleet's queues are "
                    + String.join(", ", Connection.DEMO_IDS));
        }
        try (Connection c = Connection.openFor(global, to)) {
            String destination = to != null ? to : c.defaultDestination();
            Output out = new Output(global, spec.commandLine().getOut(), spec.commandLine().getErr(), 1);
            Response r = c.client().call(destination, request, timeout).get();
            out.answer(r);
            return out.finish(List.of());
        }
    }
}
