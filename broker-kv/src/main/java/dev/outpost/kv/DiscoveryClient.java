package dev.outpost.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.kv.internal.DiscoverySigning;
import dev.outpost.kv.internal.Wire;
import dev.outpost.spi.RegistryKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The host side of {@link DiscoveryResponder}: sends one datagram to an address (a broadcast
 * address on a LAN, or a broker's address) and takes the first answer within a timeout that the
 * broker's key signed for this very request.
 *
 * <pre>{@code
 * PublicKey brokerKey = DiscoveryKeys.publicKey("ed25519:...");   // what DiscoveryKeys.generate printed on the broker
 * Optional<DiscoveryClient.Found> broker = DiscoveryClient.find(new InetSocketAddress("10.0.0.255", 20443), "svc/billing",
 *         brokerKey, Duration.ofSeconds(2));
 * }</pre>
 *
 * <p>Fail closed: an answer that is unsigned, signed by another key, signed for another request
 * (another nonce, op, key or ping data) or altered in any byte is ignored, and the client keeps
 * waiting for a good one until the timeout. So a host on the LAN that answers first cannot send
 * this host (and then its access keys) elsewhere; at worst it can stay silent, as anyone can.
 */
public final class DiscoveryClient {
    private static final SecureRandom RANDOM = new SecureRandom();

    private DiscoveryClient() {}

    /**
     * What a broker answered to a find.
     *
     * @param broker the broker's id
     * @param reach how to reach it, as its operator configured
     * @param from the address the answer came from: not signed (anyone on the path can relay a genuine answer
     *     from an address of their own), so connect by {@code reach}, which is, never by this
     */
    public record Found(String broker, Map<String, String> reach, InetSocketAddress from) {
        /** Copies the map. */
        public Found {
            Objects.requireNonNull(broker, "broker");
            reach = Map.copyOf(reach);
            Objects.requireNonNull(from, "from");
        }
    }

    /**
     * The first broker holding {@code key} whose answer {@code brokerKey} signed, or empty when none
     * answers so within {@code timeout}.
     *
     * @param brokerKey the broker's public key ({@link DiscoveryKeys#publicKey}), pinned by the caller
     * @throws IllegalArgumentException when {@code brokerKey} is not an Ed25519 key
     */
    public static Optional<Found> find(InetSocketAddress target, String key, PublicKey brokerKey, Duration timeout) {
        RegistryKeys.checkKey(key);
        ObjectNode q = Wire.JSON.createObjectNode();
        q.put("op", "find");
        q.put("key", key);
        return exchange(target, q, brokerKey, timeout).map(a -> {
            Map<String, String> reach = new TreeMap<>();
            a.answer.path("reach").fields().forEachRemaining(e -> reach.put(e.getKey(), e.getValue().asText()));
            return new Found(a.answer.path("broker").asText(), reach, a.from);
        });
    }

    /** Pings {@code target} with {@code data}; the echoed data, or empty without an answer {@code brokerKey} signed in time. */
    public static Optional<JsonNode> ping(InetSocketAddress target, JsonNode data, PublicKey brokerKey, Duration timeout) {
        ObjectNode q = Wire.JSON.createObjectNode();
        q.put("op", "ping");
        q.set("data", data);
        return exchange(target, q, brokerKey, timeout).map(a -> a.answer.path("data"));
    }

    private record Answer(JsonNode answer, InetSocketAddress from) {}

    private static Optional<Answer> exchange(InetSocketAddress target, ObjectNode q, PublicKey brokerKey, Duration timeout) {
        Objects.requireNonNull(target, "target");
        if (!DiscoverySigning.isEd25519(Objects.requireNonNull(brokerKey, "brokerKey"))) {
            throw new IllegalArgumentException("the broker's discovery key is an Ed25519 key (DiscoveryKeys.publicKey), not "
                    + brokerKey.getAlgorithm());
        }
        String op = q.get("op").asText();
        String nonce = HexFormat.of().formatHex(randomBytes());
        q.put("v", DiscoverySigning.VERSION);
        q.put("nonce", nonce);
        byte[] out = q.toString().getBytes(StandardCharsets.UTF_8);
        if (out.length > DiscoveryResponder.MAX_DATAGRAM) {
            throw new IllegalArgumentException("request of " + out.length + " bytes, the limit is " + DiscoveryResponder.MAX_DATAGRAM);
        }
        // a timeout past a long of nanoseconds (292 years) waits as long as one can
        long budget = timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) > 0 ? Long.MAX_VALUE : timeout.toNanos();
        long deadline = System.nanoTime() + budget;
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setBroadcast(true);
            socket.send(new DatagramPacket(out, out.length, target));
            byte[] buf = new byte[DiscoveryResponder.MAX_DATAGRAM + 1];
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, left / 1_000_000)));
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    return Optional.empty();
                }
                // the first answer the pinned key signed for this request wins; anything else: keep waiting
                Optional<JsonNode> a = DiscoverySigning.verify(brokerKey, out, op, nonce, p.getData(), p.getLength());
                if (a.isPresent()) {
                    return Optional.of(new Answer(a.get(), (InetSocketAddress) p.getSocketAddress()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("discovery to " + target + " failed: " + e.getMessage(), e);
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return b;
    }
}
