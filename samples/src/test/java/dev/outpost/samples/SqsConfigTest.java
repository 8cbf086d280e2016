package dev.outpost.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Transport;
import org.junit.jupiter.api.Test;

/** The samples run in memory unless the configuration names SQS, whatever defaults the SQS module declares. */
class SqsConfigTest {
    @Test
    void theDeclaredDefaultsAloneAreNotSqs() {
        OutpostConfig defaults = OutpostConfig.builder().build();
        assertThat(defaults.subset("outpost.sqs")).as("the transport's own defaults").isNotEmpty();
        assertThat(SqsConfig.configured(defaults)).isFalse();
        try (Transport t = WorkerDaemon.transport(defaults)) {
            assertThat(t).isInstanceOf(InMemoryTransport.class);
        }
    }

    @Test
    void anSqsKeyFromAnyLayerIsSqs() {
        assertThat(SqsConfig.configured(OutpostConfig.builder().set("outpost.sqs.region", "us-east-1").build())).isTrue();
        assertThat(SqsConfig.configured(OutpostConfig.builder().set("outpost.sqs.linger", "10ms").build())).isTrue();
    }
}
