package dev.outpost.fleet.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.fleet.HostRecord;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host's inventory entry in the registry: registered once, refreshed by {@code replace} at
 * each heartbeat (so the ttl moves on), taken over when another process wrote the same id, and
 * deleted at a graceful stop only while it is still ours. Thread-safe.
 */
public final class Registration {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.fleet.FleetMember");

    private final Registry registry;
    private final String id;
    private final String key;
    private final Duration ttl;
    private final LongAdder writes = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private long version;
    private boolean written;

    public Registration(Registry registry, String id, Duration ttl) {
        this.registry = registry;
        this.id = id;
        this.key = HostRecord.key(id);
        this.ttl = ttl;
    }

    /** Writes {@code record} (a registry that is down is counted and retried at the next call). */
    public synchronized void write(HostRecord record) {
        ObjectNode value = HostJson.write(record);
        try {
            if (!written) {
                register(value);
            } else {
                try {
                    version = registry.replace(key, value, version, Optional.of(ttl)).version();
                    writes.increment();
                } catch (RegistryException.NoSuchKey e) {
                    log.info("fleet member {}: entry had expired; registering again", id);
                    register(value);
                } catch (RegistryException.VersionConflict e) {
                    takeOver(value);
                }
            }
        } catch (RuntimeException | Error e) { // the registry is user code: an Error from it is one failed write too
            failures.increment();
            log.warn("fleet member {}: cannot write {} ({}); retrying at the next heartbeat", id, key, e.toString());
        }
    }

    /** Deletes the entry if this process wrote it and nobody took it over since. */
    public synchronized void delete() {
        if (!written) {
            return;
        }
        try {
            registry.delete(key, version);
            writes.increment();
        } catch (RuntimeException | Error e) {
            failures.increment();
            log.warn("fleet member {}: could not remove its entry ({}); it expires after {}", id, e.toString(), ttl);
        }
    }

    public long writes() {
        return writes.sum();
    }

    public long failures() {
        return failures.sum();
    }

    private void register(ObjectNode value) {
        try {
            version = registry.register(key, value, Optional.of(ttl)).version();
        } catch (RegistryException.KeyExists e) {
            takeOver(value);
            return;
        }
        writes.increment();
        written = true;
    }

    private void takeOver(ObjectNode value) {
        // another process wrote our id: the newest live process owns the entry, and says so
        Optional<RegistryEntry> e = registry.get(key);
        log.warn("fleet member {}: {} was written by another process ({}); taking it over", id, key,
                e.flatMap(RegistryEntry::updatedBy).map(w -> Printable.of(w.length() > 200 ? w.substring(0, 200) + "…" : w))
                        .orElse("unknown writer")); // whoever wrote the entry chose that name
        if (e.isPresent()) {
            version = registry.replace(key, value, e.get().version(), Optional.of(ttl)).version();
        } else {
            version = registry.register(key, value, Optional.of(ttl)).version();
        }
        writes.increment();
        written = true;
    }
}
