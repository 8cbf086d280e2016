package dev.outpost.nacl;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A sender allowed to send sealed messages.
 *
 * @param key the sender's public key
 * @param name a name for logs and authorisation messages
 * @param collectors the collectors it may run; empty for any the worker allows
 */
public record KnownSender(NaclPublicKey key, String name, Optional<Set<String>> collectors) {
    /** Validates the components. */
    public KnownSender {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(collectors, "collectors");
        collectors = collectors.map(Set::copyOf);
        if (name.isBlank()) {
            throw new IllegalArgumentException("a known sender needs a name");
        }
    }

    /** A sender that may run anything the worker allows. */
    public static KnownSender of(NaclPublicKey key, String name) {
        return new KnownSender(key, name, Optional.empty());
    }
}
