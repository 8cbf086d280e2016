package dev.outpost.spi;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An authenticated sender, as a sealing codec established it.
 *
 * @param id a stable identifier of the sender's key (for example its public key, encoded)
 * @param name a human name for logs and status, from the known-senders list
 * @param collectors the collectors this sender may run; empty means any the worker allows
 */
public record Sender(String id, String name, Optional<Set<String>> collectors) {
    /** Validates and copies the components. */
    public Sender {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(collectors, "collectors");
        collectors = collectors.map(Set::copyOf);
    }

    /** A sender allowed every collector the worker allows. */
    public static Sender of(String id, String name) {
        return new Sender(id, name, Optional.empty());
    }

    /**
     * Whether this sender may run {@code collector}. Entries ending in {@code *} match by prefix.
     */
    public boolean mayRun(String collector) {
        if (collectors.isEmpty()) {
            return true;
        }
        for (String allowed : collectors.get()) {
            if (allowed.equals(collector)
                    || allowed.endsWith("*") && collector.startsWith(allowed.substring(0, allowed.length() - 1))) {
                return true;
            }
        }
        return false;
    }
}
