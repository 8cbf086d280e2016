package dev.outpost.nacl;

import dev.outpost.nacl.internal.Sodium;
import dev.outpost.spi.CodecException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code crypto_box_beforenm} once per (own key, peer): the X25519 key agreement and HSalsa20 are
 * done once per peer, so a message costs two XSalsa20-Poly1305 passes. Peers are known senders,
 * recipients, or senders of requests that opened, so the cache is as large as those lists; it is
 * emptied (and refilled on use) if it ever holds more than {@link #MAX_PEERS} per key.
 */
final class SharedKeys {
    static final int MAX_PEERS = 65_536;

    private final List<NaclKeyPair> identities;
    private final List<Map<NaclPublicKey, byte[]>> byIdentity;
    // The pair last asked for: a worker's requests mostly come from one sender, and the same key
    // object opens the request and seals its response (matched by identity, not by its bytes).
    private volatile Last last;

    private record Last(int identity, NaclPublicKey peer, byte[] key) {}

    SharedKeys(List<NaclKeyPair> identities) {
        this.identities = identities;
        this.byIdentity = identities.stream().<Map<NaclPublicKey, byte[]>>map(i -> new ConcurrentHashMap<>()).toList();
    }

    /** The shared key of identity number {@code identity} and {@code peer}. */
    byte[] with(int identity, NaclPublicKey peer) {
        Last l = last;
        if (l != null && l.peer() == peer && l.identity() == identity) {
            return l.key();
        }
        Map<NaclPublicKey, byte[]> keys = byIdentity.get(identity);
        byte[] k = keys.get(peer);
        if (k != null) {
            last = new Last(identity, peer, k);
            return k;
        }
        if (keys.size() >= MAX_PEERS) {
            keys.clear();
        }
        k = keys.computeIfAbsent(peer, p -> {
            byte[] shared = new byte[32];
            if (!Sodium.box().cryptoBoxBeforeNm(shared, p.raw(), identities.get(identity).secret())) {
                throw new CodecException(SealRejects.BAD_SEAL, "key agreement with " + p.keyIdHex() + " failed");
            }
            return shared;
        });
        last = new Last(identity, peer, k);
        return k;
    }
}
