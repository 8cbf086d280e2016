package dev.outpost.kv;

import static dev.outpost.kv.DiscoveryTestKeys.BROKER_KEY;
import static dev.outpost.kv.DiscoveryTestKeys.BROKER_PRIVATE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A generous timeout is a timeout, not a failure: one longer than an {@code int} of milliseconds
 * (24.8 days) made the socket timeout negative, and the find threw before reading any answer.
 */
class DiscoveryClientTimeoutTest {
    @Test
    void aTimeoutLongerThanAnIntOfMillisecondsStillWaitsForTheAnswer() throws Exception {
        try (InMemoryRegistry kv = InMemoryRegistry.create();
                DiscoveryResponder responder = DiscoveryResponder.builder(kv, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .signingKey(BROKER_PRIVATE)
                        .discoverable("svc").brokerId("broker-1").build().start()) {
            kv.register("svc/billing", Json.parse("1"), Optional.empty());
            Duration month = Duration.ofDays(30);
            assertThat(DiscoveryClient.find(responder.address(), "svc/billing", BROKER_KEY, month).orElseThrow().broker()).isEqualTo("broker-1");
            assertThat(DiscoveryClient.ping(responder.address(), Json.parse("7"), BROKER_KEY, month)).contains(Json.parse("7"));
        }
    }
}
