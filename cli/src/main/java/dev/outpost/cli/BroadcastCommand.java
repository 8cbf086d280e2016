package dev.outpost.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.cli.internal.DurationConverter;
import dev.outpost.cli.internal.Params;
import dev.outpost.spi.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code outpost broadcast COLLECTOR}: one publish to a topic every worker of a group reads; the
 * answers are printed as they arrive, with a progress bar on a terminal, until {@code --expect}
 * workers have answered or {@code --deadline} passed.
 */
@Command(name = "broadcast", description = "Publishes a request to a topic and prints each worker's answer as it arrives.",
        footer = {"", "Example: outpost broadcast demo.uptime --param unit=s --demo"})
final class BroadcastCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "COLLECTOR", description = "The collector every worker runs.")
    String collector;

    @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "A param (JSON when it parses as JSON).")
    Map<String, String> params;

    @Option(names = "--params-json", paramLabel = "JSON", description = "All params as one JSON object.")
    String paramsJson;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "The topic (default: fleet).")
    String topic;

    @Option(names = "--expect", paramLabel = "N", description = "Stop once N workers answered (default: the known fleet size).")
    Integer expect;

    @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "Stop waiting after this long (default ${DEFAULT-VALUE}).")
    Duration deadline;

    @Override
    public Integer call() throws Exception {
        if (expect != null && expect < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--expect: at least 1 worker, was " + expect);
        }
        ObjectNode p = Params.of(spec.commandLine(), paramsJson, params); // before connecting
        try (Connection c = Connection.open(global, Optional.ofNullable(topic).or(() -> Optional.of("fleet")))) {
            // built once connected: its ttl counts from here, not from before the connection was set up
            Request request = Request.builder(collector).params(p).ttl(deadline).build();
            int expected = expect != null ? expect : c.knownFleetSize().orElse(Integer.MAX_VALUE);
            Output out = new Output(global, spec.commandLine().getOut(), spec.commandLine().getErr(),
                    expected == Integer.MAX_VALUE ? 0 : expected);
            Set<String> answered = ConcurrentHashMap.newKeySet();
            CountDownLatch enough = new CountDownLatch(1);
            c.client().onResponse(r -> {
                // counted where it is printed, so the summary never misses an answer still being printed
                if (r.requestId().equals(request.id()) && answered.add(r.worker()) && out.answer(r) >= expected) {
                    enough.countDown();
                }
            });
            c.client().send(request).get();
            enough.await(deadline.toMillis(), TimeUnit.MILLISECONDS);
            if (answered.isEmpty()) {
                requireReachable(c);
            }
            List<String> missing = new ArrayList<>(c.demoIds());
            missing.removeAll(answered);
            return out.finish(missing);
        }
    }

    /**
     * No answer at all: from no worker, or from none that could be heard. As a call's timeout, a server gone away
     * since the publish is blamed (exit 69), not the fleet (exit 2).
     */
    private void requireReachable(Connection c) {
        String replyTo = c.client().replyTo();
        c.client().replyFailure().ifPresent(why -> {
            throw new TransportException(replyTo, "no answer within " + deadline + ": the client cannot receive from its"
                    + " reply destination '" + replyTo + "' (" + why + "); the answers may be waiting there");
        });
    }
}
