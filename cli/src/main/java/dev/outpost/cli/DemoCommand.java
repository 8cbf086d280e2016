package dev.outpost.cli;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.cli.internal.DemoFleet;
import dev.outpost.core.Client;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code outpost demo}: starts a fleet of five workers in this process, makes a few calls to show
 * what a user sees, and prints the commands to try next (each with {@code --demo}).
 */
@Command(name = "demo", description = "Runs a demo fleet in this process and a short tour of calls; needs nothing set up.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (DemoFleet fleet = DemoFleet.start(5);
             Client client = Client.builder(fleet.transport()).requests(DemoFleet.TOPIC).pollWait(Duration.ofMillis(100))
                     .build().start()) {
            out.println("Outpost demo: five workers (" + String.join(", ", fleet.ids()) + ") on an in-memory transport.");
            out.println();
            out.println("$ outpost call demo.uptime --param unit=s --to demo-1 --demo");
            Response one = client.call("demo-1", Request.builder("demo.uptime").param("unit", "s").build(),
                    Duration.ofSeconds(5)).get();
            out.println("  " + one.worker() + " " + one.status().code() + " " + one.result().map(Object::toString).orElse(""));
            out.println();
            out.println("$ outpost broadcast demo.fail --demo      (demo-5 always fails this one)");
            List<Response> all = client.broadcast(DemoFleet.TOPIC, Request.builder("demo.fail").build(), 5,
                    Duration.ofSeconds(5)).get();
            all.stream().sorted(java.util.Comparator.comparing(Response::worker)).forEach(r -> out.println("  " + r.worker()
                    + " " + r.status().code() + " " + r.result().map(Object::toString)
                    .orElseGet(() -> r.error().map(e -> e.code() + ": " + e.message()).orElse(""))));
            out.println();
            out.println("$ outpost call no.such.collector --to demo-2 --demo");
            Response refused = client.call("demo-2", Request.builder("no.such.collector").build(), Duration.ofSeconds(5)).get();
            out.println("  " + refused.worker() + " " + refused.status().code() + " "
                    + refused.error().map(e -> e.code() + ": " + e.message()).orElse(""));
            out.println();
            out.println("Try next (each starts its own demo fleet):");
            out.println("  outpost ping --demo");
            out.println("  outpost broadcast demo.uptime --demo --format json");
            out.println("  outpost collectors --demo");
            out.println("  outpost status --demo");
            return ExitCodes.OK;
        }
    }
}
