package dev.outpost.kv;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;

/** Ed25519 key pairs for discovery tests: the broker's, and others to spoof with. */
final class DiscoveryTestKeys {
    /** The broker's pair in every discovery test that is not about keys. */
    static final KeyPair BROKER = generate();
    /** The broker's private key, that responders sign with. */
    static final java.security.PrivateKey BROKER_PRIVATE = BROKER.getPrivate();
    /** The broker's public key, that clients pin. */
    static final java.security.PublicKey BROKER_KEY = BROKER.getPublic();

    private DiscoveryTestKeys() {}

    static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
