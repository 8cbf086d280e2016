package dev.outpost.samples;

import dev.outpost.spi.ConfigSource;

/** How the samples choose their transport: SQS when the configuration names it, else in memory (a dry run). */
public final class SqsConfig {
    private SqsConfig() {}

    /**
     * Whether some layer other than the declared defaults sets an {@code outpost.sqs.*} key. The
     * transport module declares defaults of its own ({@code linger}, {@code ack-linger},
     * {@code payload-read-attempts}), so {@code outpost.sqs} is never empty and cannot tell.
     */
    public static boolean configured(ConfigSource config) {
        return config.subset("outpost.sqs").keySet().stream()
                .anyMatch(k -> !config.sourceOf("outpost.sqs." + k).orElse("defaults").equals("defaults"));
    }
}
