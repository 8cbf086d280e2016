package dev.outpost.micrometer;

import dev.outpost.core.Client;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * A {@link Client}'s figures as Micrometer meters: the gauge {@code outpost.client.pending} (calls
 * waiting for their response) and the counter {@code outpost.client.undecodable.responses}
 * (responses its codec refused). Call times are the caller's to measure: they end in the caller's
 * own future.
 */
public final class ClientMetrics {
    private ClientMetrics() {}

    /** Registers {@code client}'s meters in {@code registry} with {@code settings}' common tags. */
    public static void monitor(MeterRegistry registry, Client client, MeterSettings settings) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(client, "client");
        Gauge.builder("outpost.client.pending", client, Client::pending).description("calls waiting for a response")
                .tags(settings.commonTags()).register(registry);
        FunctionCounter.builder("outpost.client.undecodable.responses", client, Client::undecodableResponses)
                .description("responses the codec refused").tags(settings.commonTags()).register(registry);
        FunctionCounter.builder("outpost.client.handed.back.responses", client, Client::handedBackResponses)
                .description("answers to other clients' requests handed back on a shared reply destination")
                .tags(settings.commonTags()).register(registry);
    }

    /** {@link #monitor(MeterRegistry, Client, MeterSettings)} with the default settings. */
    public static void monitor(MeterRegistry registry, Client client) {
        monitor(registry, client, MeterSettings.DEFAULTS);
    }
}
