package dev.outpost.cli;

import dev.outpost.cli.internal.DurationConverter;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Where a one-worker command sends, and how long it waits. */
final class CallOptions {
    @Option(names = "--to", paramLabel = "QUEUE", description = "The worker's queue (default: outpost.client.requests).")
    String to;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long to wait for the answer (default ${DEFAULT-VALUE}).")
    Duration timeout;
}
