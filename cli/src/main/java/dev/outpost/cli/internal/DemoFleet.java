package dev.outpost.cli.internal;

import dev.outpost.CollectorException;
import dev.outpost.Json;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A fleet of workers in this process on the in-memory transport, so every command can be tried
 * with nothing set up. Each worker reads its own queue ({@code demo-N}) and the fleet topic
 * ({@code fleet}); {@code demo-3} answers slowly and {@code demo.fail} always fails on
 * {@code demo-5}, so the output shows errors and progress.
 */
public final class DemoFleet implements AutoCloseable {
    /** The topic every demo worker is subscribed to. */
    public static final String TOPIC = "fleet";

    private final InMemoryTransport transport;
    private final List<Worker> workers = new ArrayList<>();

    private DemoFleet(InMemoryTransport transport) {
        this.transport = transport;
    }

    /** Starts {@code size} workers. */
    public static DemoFleet start(int size) {
        return start(size, id -> true);
    }

    /**
     * Starts those of {@code size} workers whose id {@code which} accepts: a call to one worker
     * needs only that one (each worker costs start-up time: its collectors' schemas, its threads).
     */
    public static DemoFleet start(int size, java.util.function.Predicate<String> which) {
        InMemoryTransport transport = InMemoryTransport.create();
        transport.topic(TOPIC);
        DemoFleet fleet = new DemoFleet(transport);
        for (int i = 1; i <= size; i++) {
            String id = "demo-" + i;
            if (!which.test(id)) {
                continue;
            }
            transport.subscribe(TOPIC, id);
            boolean slow = i == 3;
            boolean failing = i == 5;
            Worker w = Worker.builder(transport).id(id).requests(id).pollWait(Duration.ofMillis(200))
                    .collector(Collector.of("demo.echo", "Returns its params.", Json.anyObjectSchema(), (req, ctx) -> {
                        if (slow) {
                            Thread.sleep(300);
                        }
                        return req.params();
                    }))
                    .collector(Collector.of("demo.uptime", "How long this demo worker's JVM has run.", Json.parse("""
                            {"type":"object","properties":{"unit":{"enum":["ms","s"]}},"additionalProperties":false}"""),
                            (req, ctx) -> {
                                long ms = ManagementFactory.getRuntimeMXBean().getUptime();
                                boolean s = req.params().path("unit").asText("ms").equals("s");
                                return Map.of("uptime", s ? ms / 1000 : ms, "unit", s ? "s" : "ms");
                            }))
                    .collector(Collector.of("demo.fail", "Fails on demo-5, succeeds elsewhere.", Json.anyObjectSchema(),
                            (req, ctx) -> {
                                if (failing) {
                                    throw CollectorException.permanent("demo-failure", "demo-5 always fails this one");
                                }
                                return Map.of("ok", true);
                            }))
                    .allowReplyTo("outpost-client-*")
                    .build().start();
            fleet.workers.add(w);
        }
        return fleet;
    }

    /** The fleet's transport. */
    public InMemoryTransport transport() {
        return transport;
    }

    /** The workers' ids. */
    public List<String> ids() {
        return workers.stream().map(Worker::id).toList();
    }

    /** Asks every worker to stop and returns at once: for a command line about to exit, nothing in memory to drain. */
    public void closeQuickly() {
        workers.forEach(w -> w.shutdown());
    }

    @Override
    public void close() {
        workers.forEach(w -> w.shutdown());
        workers.forEach(Worker::close);
        transport.close();
    }
}
