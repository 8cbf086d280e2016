package dev.outpost.fleet.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryException;
import java.time.Duration;
import java.util.Optional;

/** Writes the cancellation records the hosts' filters read: {@code fleet/cancelled/REQUEST}, one key per call. */
final class Cancellations {
    /**
     * The longest a record is kept: a request may take any ttl, but a registry adds the ttl to its clock, and no
     * queue keeps a message anywhere near this long (SQS: 14 days).
     */
    private static final Duration LONGEST_KEPT = Duration.ofDays(3650);

    private Cancellations() {}

    /**
     * Marks {@code host} ({@code "*"}: every host) cancelled for {@code requestId}, kept a while
     * past the request's ttl.
     *
     * @return the detail of the host's {@code cancelled} result
     */
    static String record(Registry r, String requestId, String host, Duration ttl) {
        String key = FleetAttributes.cancelKey(requestId);
        ObjectNode patch = Json.object();
        if (host.equals("*")) {
            patch.put("all", true);
        } else {
            patch.putObject("hosts").put(host, true);
        }
        try {
            try {
                r.update(key, patch);
            } catch (RegistryException.NoSuchKey e) {
                try {
                    r.register(key, patch, Optional.of(ttl.compareTo(LONGEST_KEPT) >= 0 ? LONGEST_KEPT : ttl.plusMinutes(5)));
                } catch (RegistryException.KeyExists raced) {
                    r.update(key, patch);
                }
            }
            return "cancelled by the caller; a worker that receives it refuses it";
        } catch (RuntimeException | Error e) { // the registry is user code: an Error here broke off Fleet.shutdown half done
            return "cancelled by the caller, but the cancellation could not be recorded (" + e + "): a worker may still run it";
        }
    }
}
