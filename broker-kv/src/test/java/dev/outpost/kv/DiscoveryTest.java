package dev.outpost.kv;

import static dev.outpost.kv.DiscoveryTestKeys.BROKER_KEY;
import static dev.outpost.kv.DiscoveryTestKeys.BROKER_PRIVATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.ConfigException;
import dev.outpost.core.registry.InMemoryRegistry;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** UDP discovery and ping on 127.0.0.1 only. */
class DiscoveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @Test
    void aHostFindsTheBrokerHoldingAKeyAndHearsNothingForAnUnknownKey() throws Exception {
        try (InMemoryRegistry kv = InMemoryRegistry.create();
                DiscoveryResponder responder = DiscoveryResponder.builder(kv, LOOPBACK_ANY_PORT).signingKey(BROKER_PRIVATE).discoverable("svc")
                        .brokerId("broker-1").reach(Map.of("transport", "sqs", "requests", "kv-requests")).build().start()) {
            kv.register("svc/billing", JSON.readTree("{\"secret\":\"s3cr3t\"}"), Optional.empty());
            kv.register("cfg/db", JSON.readTree("1"), Optional.empty());
            InetSocketAddress at = responder.address();

            DiscoveryClient.Found found = DiscoveryClient.find(at, "svc/billing", BROKER_KEY, Duration.ofSeconds(5)).orElseThrow();
            assertThat(found.broker()).isEqualTo("broker-1");
            assertThat(found.reach()).isEqualTo(Map.of("transport", "sqs", "requests", "kv-requests"));
            assertThat(found.from().getAddress().isLoopbackAddress()).isTrue();

            assertThat(DiscoveryClient.find(at, "svc/unknown", BROKER_KEY, Duration.ofMillis(300))).isEmpty();
            assertThat(DiscoveryClient.find(at, "cfg/db", BROKER_KEY, Duration.ofMillis(300))).as("not discoverable: no oracle").isEmpty();
            assertThat(DiscoveryClient.ping(at, JSON.readTree("{\"hello\":[1,2]}"), BROKER_KEY, Duration.ofSeconds(5)))
                    .contains(JSON.readTree("{\"hello\":[1,2]}"));
        }
    }

    @Test
    void answersCarryNoValueAndBadDatagramsAreDropped() throws Exception {
        try (InMemoryRegistry kv = InMemoryRegistry.create();
                DiscoveryResponder responder = DiscoveryResponder.builder(kv, LOOPBACK_ANY_PORT)
                        .signingKey(BROKER_PRIVATE).discoverable("svc").build().start();
                DatagramSocket raw = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            kv.register("svc/billing", JSON.readTree("{\"secret\":\"s3cr3t\"}"), Optional.empty());
            raw.setSoTimeout(5000);
            send(raw, responder.address(), "{\"v\":2,\"op\":\"find\",\"key\":\"svc/billing\",\"nonce\":\"n1\"}");
            String answer = receive(raw);
            assertThat(answer).doesNotContain("s3cr3t").doesNotContain("version").contains("\"sig\":");
            assertThat(JSON.readTree(answer).get("answer").asText()).contains("\"nonce\":\"n1\"");
            send(raw, responder.address(), "not json");
            send(raw, responder.address(), "x".repeat(2000));
            send(raw, responder.address(), "{\"v\":2,\"op\":\"delete\",\"nonce\":\"n2\"}");
            send(raw, responder.address(), "{\"v\":2,\"op\":\"ping\",\"nonce\":\"n3\",\"data\":7}");
            assertThat(JSON.readTree(receive(raw)).get("answer").asText()).contains("\"nonce\":\"n3\"").contains("\"data\":7");
            assertThat(responder.dropped()).isEqualTo(3);
        }
    }

    @Test
    void answersAreRateLimited() throws Exception {
        AtomicLong now = new AtomicLong();
        try (InMemoryRegistry kv = InMemoryRegistry.create();
                DiscoveryResponder responder = DiscoveryResponder.builder(kv, LOOPBACK_ANY_PORT).signingKey(BROKER_PRIVATE).discoverable("svc")
                        .maxAnswersPerSecond(3).ticker(now::get).build().start()) {
            for (int i = 0; i < 3; i++) {
                assertThat(DiscoveryClient.ping(responder.address(), JSON.readTree("1"), BROKER_KEY, Duration.ofSeconds(5))).isPresent();
            }
            assertThat(DiscoveryClient.ping(responder.address(), JSON.readTree("1"), BROKER_KEY, Duration.ofMillis(300))).isEmpty();
            now.addAndGet(Duration.ofSeconds(1).toNanos()); // the bucket refills with time, not with sleeps
            assertThat(DiscoveryClient.ping(responder.address(), JSON.readTree("1"), BROKER_KEY, Duration.ofSeconds(5))).isPresent();
            assertThat(responder.dropped()).isEqualTo(1);
        }
    }

    @Test
    void itRefusesAWildcardAddressUnlessAskedAndNeedsANamespace() {
        InMemoryRegistry kv = InMemoryRegistry.create();
        assertThatThrownBy(() -> DiscoveryResponder.builder(kv, new InetSocketAddress(0)).signingKey(BROKER_PRIVATE).discoverable("svc").build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("one interface");
        assertThatThrownBy(() -> DiscoveryResponder.builder(kv, LOOPBACK_ANY_PORT).signingKey(BROKER_PRIVATE).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("no discoverable namespace");
    }

    private static void send(DatagramSocket s, InetSocketAddress to, String text) throws Exception {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        s.send(new DatagramPacket(b, b.length, to));
    }

    private static String receive(DatagramSocket s) throws Exception {
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }
}
