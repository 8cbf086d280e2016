package dev.outpost.fleet.internal;

import dev.outpost.fleet.FleetMember;
import dev.outpost.fleet.HostRecord;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the inventory: every live, well-formed entry under {@code fleet/hosts/}; others are skipped. */
public final class Inventory {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.fleet.Fleet");
    /** Destinations already warned about, so that a call per second does not log a line per second. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private Inventory() {}

    /**
     * {@code selected} with the request destination of every host that shares it with another host
     * of {@code all} cleared. A message sent to a shared destination is run by whichever host reads
     * it first, so a direct send to one host could run on another, outside the call's target (a
     * copied configuration, or a host registering another's queue). Such hosts are reached over
     * the topic, where each host checks the selector itself, or reported not delivered on a
     * direct-only call.
     */
    public static List<HostRecord> withOwnDestinations(List<HostRecord> all, List<HostRecord> selected) {
        Map<String, Integer> uses = new HashMap<>();
        int named = 0;
        for (HostRecord h : all) {
            if (!h.requests().isEmpty()) {
                uses.merge(h.requests(), 1, Integer::sum);
                named++;
            }
        }
        if (uses.size() == named) {
            return selected; // the usual inventory: every destination is one host's
        }
        List<HostRecord> out = new ArrayList<>(selected.size());
        for (HostRecord h : selected) {
            if (!h.requests().isEmpty() && uses.getOrDefault(h.requests(), 0) > 1) {
                if (WARNED.size() < 1000 && WARNED.add(h.requests())) {
                    String shown = h.requests().length() > 200 ? h.requests().substring(0, 200) + "…" : h.requests();
                    log.warn("fleet: {} hosts register the request destination '{}' (host {} among them); a direct send there"
                            + " could run on any of them, so calls reach them over the topic, where each checks the selector"
                            + " itself (a call on Route.DIRECT reports them not delivered)", uses.get(h.requests()),
                            Printable.of(shown), h.id());
                }
                out.add(new HostRecord(h.id(), "", h.collectors(), h.tags(), h.facts(), h.startedAt()));
            } else {
                out.add(h);
            }
        }
        return out;
    }

    public static List<HostRecord> read(Registry registry) {
        List<HostRecord> out = new ArrayList<>();
        for (RegistryEntry e : registry.list(FleetMember.HOSTS_PREFIX)) {
            Optional<HostRecord> h = HostJson.read(e.value());
            // the key is the authority on the id: an entry claiming another host's id is skipped
            if (h.isPresent() && e.key().equals(FleetMember.HOSTS_PREFIX + h.get().id())) {
                out.add(h.get());
            }
        }
        return out;
    }
}
