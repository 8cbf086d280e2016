package dev.outpost.kv;

import static dev.outpost.kv.DiscoveryTestKeys.BROKER_PRIVATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.core.registry.InMemoryRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The responder's own failures. */
class DiscoveryResponderHardeningTest {
    private static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @Test
    void aThreadFactoryThatFailsLeavesNoSocketBound() throws Exception {
        try (InMemoryRegistry kv = InMemoryRegistry.create()) {
            DiscoveryResponder responder = DiscoveryResponder.builder(kv, LOOPBACK_ANY_PORT).signingKey(BROKER_PRIVATE).discoverable("svc")
                    .broadcast(false).threadFactory(r -> {
                        throw new IllegalStateException("no threads today");
                    }).build();
            assertThatThrownBy(responder::start).hasMessageContaining("no threads today");
            assertThat(responder.listening()).as("sockets closed when start fails").isEmpty();
            assertThat(responder.shutdown().get(10, TimeUnit.SECONDS).clean()).isTrue();
        }
    }
}
