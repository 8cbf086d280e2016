package dev.outpost.fleet.internal;

import dev.outpost.fleet.FleetMember;
import dev.outpost.fleet.HostRecord;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads the inventory: every live, well-formed entry under {@code fleet/hosts/}; others are skipped. */
public final class Inventory {
    private Inventory() {}

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
