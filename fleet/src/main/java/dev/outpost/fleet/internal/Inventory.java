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
    /** Destinations (or hosts and destinations) already warned about: a call per second must not log a line per second. */
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

    /** Every live, well-formed entry, whatever destination it names (for which hosts are live, not where to send). */
    public static List<HostRecord> read(Registry registry) {
        return read(registry, ANY).hosts();
    }

    private static final Destinations ANY = Destinations.of(List.of("*"));

    /**
     * The inventory as read: the hosts, and how many entries were refused for naming a request
     * destination the fleet does not send to, with the first {@value #MAX_LISTED} of their ids.
     */
    public record Read(List<HostRecord> hosts, long refused, List<String> refusedHosts) {}

    /** How many refused hosts a read lists (all are counted). */
    public static final int MAX_LISTED = 100;

    /** Every live, well-formed entry; one whose destination {@code allowed} does not allow is refused, counted and logged. */
    public static Read read(Registry registry, Destinations allowed) {
        List<HostRecord> out = new ArrayList<>();
        List<String> refusedHosts = new ArrayList<>();
        long refused = 0;
        for (RegistryEntry e : registry.list(FleetMember.HOSTS_PREFIX)) {
            Optional<HostRecord> h = HostJson.read(e.value());
            // the key is the authority on the id: an entry claiming another host's id is skipped
            if (h.isEmpty() || !e.key().equals(FleetMember.HOSTS_PREFIX + h.get().id())) {
                continue;
            }
            HostRecord host = h.get();
            if (host.requests().isEmpty() || allowed.allows(host.requests())) { // none named: reached over the topic
                out.add(host);
                continue;
            }
            // anyone who may write the inventory could otherwise have the fleet send to any queue it can: the whole
            // entry is refused (its tags and facts came from the same writer)
            refused++;
            if (refusedHosts.size() < MAX_LISTED) {
                refusedHosts.add(host.id());
            }
            if (WARNED.size() < 1000 && WARNED.add(host.id() + "\n" + host.requests())) {
                log.warn("fleet: the inventory entry of host {} names the request destination '{}', which the fleet does"
                        + " not send to (outpost.fleet.destinations.allow: {}); the entry is left out of discovery",
                        host.id(), Printable.clipped(host.requests(), 100), allowed);
            }
        }
        return new Read(out, refused, refusedHosts);
    }

    /**
     * The hosts a caller listed by id, in id order: each as the inventory (when read) has it, else, as a listed host whose
     * entry is missing or was refused, with no destination known.
     */
    public static List<HostRecord> listed(java.util.Collection<String> ids, Optional<Read> inventory, java.time.Instant now) {
        Map<String, HostRecord> known = new HashMap<>();
        inventory.ifPresent(i -> withOwnDestinations(i.hosts(), i.hosts()).forEach(h -> known.put(h.id(), h)));
        List<HostRecord> hosts = new ArrayList<>();
        for (String id : new java.util.TreeSet<>(ids)) {
            hosts.add(known.getOrDefault(id, new HostRecord(id, "", List.of(), Set.of(), Map.of(), now)));
        }
        return hosts;
    }

    /**
     * {@code given} with every destination {@code allowed} does not allow cleared: the hosts a caller listed
     * itself stay expected, and are reached over the topic or reported not delivered, never sent to there.
     */
    public static List<HostRecord> withAllowedDestinations(List<HostRecord> given, Destinations allowed) {
        List<HostRecord> out = null;
        for (int i = 0; i < given.size(); i++) {
            HostRecord h = given.get(i);
            if (h.requests().isEmpty() || allowed.allows(h.requests())) {
                if (out != null) {
                    out.add(h);
                }
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(given.subList(0, i));
            }
            if (WARNED.size() < 1000 && WARNED.add(h.id() + "\n" + h.requests())) {
                log.warn("fleet: host {} of the expected set names the request destination '{}', which the fleet does not"
                        + " send to (outpost.fleet.destinations.allow: {}); it is reached over the topic instead (a call on"
                        + " Route.DIRECT reports it not delivered)", h.id(), Printable.clipped(h.requests(), 100), allowed);
            }
            out.add(new HostRecord(h.id(), "", h.collectors(), h.tags(), h.facts(), h.startedAt()));
        }
        return out == null ? given : out;
    }
}
