package dev.outpost.kv;

import static dev.outpost.kv.DiscoveryTestKeys.BROKER_KEY;
import static dev.outpost.kv.DiscoveryTestKeys.BROKER_PRIVATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A find whose request fits a datagram is answered: the answer echoed the key, so a long key
 * with the operator's reach map made an answer over 1024 bytes that the responder dropped, and the
 * host saw the key as absent. A reach map that makes every answer too large is refused when built,
 * not dropped on every find.
 */
class DiscoveryAnswerSizeTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @Test
    void aLongKeyThatFitsTheRequestIsStillFound() throws Exception {
        Map<String, String> reach = Map.of("transport", "sqs", "requests", "kv-requests-" + "q".repeat(100),
                "region", "eu-west-1");
        try (InMemoryRegistry kv = InMemoryRegistry.create();
                DiscoveryResponder responder = DiscoveryResponder.builder(kv, LOOPBACK)
                        .signingKey(BROKER_PRIVATE).discoverable("svc").brokerId("broker-1")
                        .reach(reach).build().start()) {
            String key = "svc/" + "\u00e9".repeat(420); // 840 bytes of UTF-8: the request fits, the answer with the key did not
            kv.register(key, Json.parse("1"), Optional.empty());
            assertThat(DiscoveryClient.find(responder.address(), key, BROKER_KEY, Duration.ofSeconds(5))).get()
                    .satisfies(f -> assertThat(f.reach()).isEqualTo(reach));
            assertThat(responder.dropped()).isZero();
        }
    }

    @Test
    void aReachMapNoAnswerCanCarryIsRefusedWhenBuilt() {
        try (InMemoryRegistry kv = InMemoryRegistry.create()) {
            assertThatThrownBy(() -> DiscoveryResponder.builder(kv, LOOPBACK).signingKey(BROKER_PRIVATE).discoverable("svc")
                    .reach(Map.of("requests", "q".repeat(1000))).build())
                    .isInstanceOf(ConfigException.class).hasMessageContaining("reach").hasMessageContaining("1024");
        }
    }
}
