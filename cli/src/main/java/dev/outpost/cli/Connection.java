package dev.outpost.cli;

import dev.outpost.ConfigException;
import dev.outpost.cli.internal.DemoFleet;
import dev.outpost.core.Client;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.nacl.SealedCodec;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Transport;
import dev.outpost.sqs.SqsTransport;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a calling command talks through: the configured transport and codec (SQS, sealed when keys
 * are configured), or the in-process demo fleet.
 */
final class Connection implements AutoCloseable {
    private final Transport transport;
    private final Optional<DemoFleet> demo;
    private final Client client;
    private final String requests;

    private Connection(Transport transport, Optional<DemoFleet> demo, Client client, String requests) {
        this.transport = transport;
        this.demo = demo;
        this.client = client;
        this.requests = requests;
    }

    static Connection open(GlobalOptions options) {
        return open(options, Optional.empty());
    }

    /** For a call to one queue ({@code to}, or the default): on the demo fleet only the worker reading it is started. */
    static Connection openFor(GlobalOptions options, String to) {
        String queue = to != null ? to : "demo-1";
        return open(options, Optional.empty(), id -> !DEMO_IDS.contains(queue) || id.equals(queue));
    }

    /** The queues the demo fleet's workers read, one each. */
    static final List<String> DEMO_IDS = List.of("demo-1", "demo-2", "demo-3", "demo-4", "demo-5");

    /** @param sendTo where the client's {@code send} goes (a broadcast's topic); default the configured requests */
    static Connection open(GlobalOptions options, Optional<String> sendTo) {
        return open(options, sendTo, id -> true);
    }

    private static Connection open(GlobalOptions options, Optional<String> sendTo, java.util.function.Predicate<String> demoWorkers) {
        if (options.demo) {
            DemoFleet fleet = DemoFleet.start(DEMO_IDS.size(), demoWorkers);
            Client client = Client.builder(fleet.transport()).requests(sendTo.orElse("demo-1"))
                    .pollWait(Duration.ofMillis(100)).build().start();
            return new Connection(fleet.transport(), Optional.of(fleet), client, "demo-1");
        }
        OutpostConfig config = options.load();
        if (!sqsConfigured(config)) {
            throw ConfigException.of("outpost.sqs", "no transport is configured: set outpost.sqs.region (and"
                    + " outpost.sqs.requests for the queue workers read), or try the in-process fleet with --demo");
        }
        Transport transport = SqsTransport.builder().configure(config).build();
        Codec codec = SealedCodec.Builder.isConfigured(config) ? SealedCodec.builder().configure(config).build()
                : JsonCodec.create();
        // commands run at once on one configured reply queue: each takes its own answers and hands the others back
        Client.Builder cb = Client.builder(transport).codec(codec).configure(config).pollWait(commandPollWait(config))
                .sharedReplyTo(true);
        sendTo.ifPresent(cb::requests);
        Client client = cb.build().start();
        return new Connection(transport, Optional.empty(), client, config.string("outpost.client.requests").orElse("requests"));
    }

    /**
     * The longest a one-shot command's client long-polls its reply queue: closing the client waits
     * for the poll in progress (what it receives may be another command's answer, to be handed
     * back), so a longer wait only delays the exit; {@code outpost.client.poll-wait} is kept when shorter.
     */
    static final Duration COMMAND_POLL_WAIT = Duration.ofSeconds(1);

    /** {@code outpost.client.poll-wait}, at most {@link #COMMAND_POLL_WAIT}. */
    static Duration commandPollWait(OutpostConfig config) {
        return config.duration("outpost.client.poll-wait").filter(w -> w.compareTo(COMMAND_POLL_WAIT) < 0)
                .orElse(COMMAND_POLL_WAIT);
    }

    /** Whether SQS is configured: a region, an endpoint or a profile (the tuning keys have defaults, these do not). */
    static boolean sqsConfigured(OutpostConfig config) {
        return java.util.stream.Stream.of("outpost.sqs.region", "outpost.sqs.endpoint", "outpost.sqs.profile")
                .anyMatch(k -> config.string(k).filter(v -> !v.isBlank()).isPresent());
    }

    Client client() {
        return client;
    }

    Transport transport() {
        return transport;
    }

    /** Where a call goes when no --to names a worker queue. */
    String defaultDestination() {
        return requests;
    }

    /** The default topic of a broadcast. */
    String defaultTopic() {
        return demo.isPresent() ? DemoFleet.TOPIC : "fleet";
    }

    /** The number of workers a broadcast should expect by default (the demo's size, else none known). */
    Optional<Integer> knownFleetSize() {
        return demo.map(d -> d.ids().size());
    }

    List<String> demoIds() {
        return demo.map(DemoFleet::ids).orElse(List.of());
    }

    @Override
    public void close() {
        if (demo.isPresent()) {
            // nothing to lose in memory: do not wait out the poll loops of a fleet the process leaves
            client.shutdown();
            demo.get().closeQuickly();
        } else {
            client.close();
            transport.close();
        }
    }
}
