package dev.outpost.samples.host;

import dev.outpost.core.config.OutpostConfig;
import dev.outpost.samples.SqsConfig;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Transport;
import dev.outpost.sqs.SqsTransport;

/** The transport the host samples use: SQS when {@code outpost.sqs.*} is set, else in-memory (a dry run in one process). */
final class HostTransports {
    private HostTransports() {}

    /** Maps the logical {@code names} to the queues {@code outpost.sqs.NAME} names. */
    static Transport from(OutpostConfig config, String... names) {
        if (!SqsConfig.configured(config)) {
            return InMemoryTransport.create();
        }
        SqsTransport.Builder b = SqsTransport.builder().configure(config);
        for (String name : names) {
            b.queue(name, config.require("outpost.sqs." + name));
        }
        return b.build();
    }
}
