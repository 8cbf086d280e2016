package dev.outpost.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.kv.internal.DiscoveryNet;
import dev.outpost.kv.internal.DiscoverySigning;
import dev.outpost.kv.internal.Wire;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.PrivateKey;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link DiscoveryResponder} answers to one datagram: the rate limit, the checks of the request, the registry
 * look-up and the signed answer, with the counts of answered and dropped requests. Separate from the responder, which
 * owns the sockets and the thread, so that what a request gets is read in one place.
 */
final class DiscoveryAnswers {
    // the responder's logger: operators filter on it, whichever class writes
    private static final Logger log = LoggerFactory.getLogger(DiscoveryResponder.class);

    private final Registry registry;
    private final InetSocketAddress bind;
    private final Set<String> namespaces;
    private final ObjectNode reach;
    private final String brokerId;
    private final PrivateKey signingKey;
    private final DiscoveryNet.TokenBucket bucket;
    private final AtomicBoolean toldOfOldClients = new AtomicBoolean();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    /** @param bind the responder's address, for its log lines */
    DiscoveryAnswers(Registry registry, InetSocketAddress bind, Set<String> namespaces, ObjectNode reach, String brokerId,
            PrivateKey signingKey, DiscoveryNet.TokenBucket bucket) {
        this.registry = registry;
        this.bind = bind;
        this.namespaces = Set.copyOf(namespaces);
        this.reach = reach;
        this.brokerId = brokerId;
        this.signingKey = signingKey;
        this.bucket = bucket;
    }

    long answered() {
        return answered.get();
    }

    long dropped() {
        return dropped.get();
    }

    /**
     * Answers the request in {@code p} from {@code from} through {@code unicast}, or drops it.
     *
     * @throws RuntimeException or {@link Error} what the registry threw, the request already counted as dropped
     */
    void handle(ByteBuffer p, SocketAddress from, DatagramChannel unicast) {
        if (p.remaining() > DiscoveryResponder.MAX_DATAGRAM || !bucket.take()) {
            dropped.incrementAndGet();
            return;
        }
        byte[] request = new byte[p.remaining()];
        p.get(request); // the answer's signature covers these very bytes
        JsonNode q;
        try {
            q = Wire.JSON.readTree(request);
        } catch (IOException e) {
            dropped.incrementAndGet();
            return;
        }
        if (q != null && q.path("v").asInt() == 1) {
            dropped.incrementAndGet();
            if (toldOfOldClients.compareAndSet(false, true)) {
                log.warn("discovery on {}: a format-1 request from {} gets no answer (answers are signed since format 2);"
                        + " give that host a DiscoveryClient that verifies them. Logged once; all are counted as dropped", bind, from);
            }
            return;
        }
        if (q == null || q.path("v").asInt() != DiscoverySigning.VERSION || !q.path("nonce").isTextual()
                || q.get("nonce").asText().length() > 64) {
            dropped.incrementAndGet();
            return;
        }
        ObjectNode a = Wire.JSON.createObjectNode();
        a.put("v", DiscoverySigning.VERSION);
        a.put("op", q.path("op").asText());
        a.put("nonce", q.get("nonce").asText());
        a.put("broker", brokerId);
        switch (q.path("op").asText()) {
            case "find" -> {
                String key = q.path("key").asText("");
                try {
                    RegistryKeys.checkKey(key);
                } catch (RegistryException e) {
                    dropped.incrementAndGet();
                    return;
                }
                boolean held;
                try {
                    held = namespaces.contains(RegistryKeys.namespaceOf(key)) && registry.get(key).isPresent();
                } catch (RuntimeException | Error e) {
                    dropped.incrementAndGet();
                    throw e;
                }
                if (!held) {
                    return; // silence, whether unknown or not discoverable
                }
                a.set("reach", reach); // not the key: the nonce matches it, and an echoed key can push it past a datagram
            }
            case "ping" -> a.set("data", q.path("data"));
            default -> {
                dropped.incrementAndGet();
                return;
            }
        }
        byte[] out = DiscoverySigning.sign(signingKey, request, a);
        if (out.length > DiscoveryResponder.MAX_DATAGRAM) {
            dropped.incrementAndGet();
            return;
        }
        try {
            unicast.send(ByteBuffer.wrap(out), from); // from the bound address, whichever socket heard it
            answered.incrementAndGet();
        } catch (IOException e) {
            log.debug("discovery: answer to {} failed: {}", from, e.toString());
        }
    }
}
