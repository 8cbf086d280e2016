package dev.outpost.cli.internal;

import dev.outpost.Json;
import dev.outpost.core.Worker;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.fleet.FleetMember;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OCTOBOX sample's fleet in this process, for {@code outpost ops --demo}: {@code web-1} (tags
 * {@code web}, {@code eu}) reports seven failed logins from 203.0.113.9 and a malware finding;
 * {@code fw-1} (tag {@code firewall}) blocks, unblocks and lists addresses. Each host is a worker
 * and a {@code FleetMember} in an in-memory registry, as real hosts are in a shared one.
 */
public final class OpsDemoHosts implements AutoCloseable {
    private final InMemoryTransport transport = InMemoryTransport.create();
    private final InMemoryRegistry registry = InMemoryRegistry.create();
    private final List<AutoCloseable> running = new ArrayList<>();

    private OpsDemoHosts() {}

    /** Starts both hosts. */
    public static OpsDemoHosts start() {
        OpsDemoHosts d = new OpsDemoHosts();
        Set<String> blocked = ConcurrentHashMap.newKeySet();
        d.host("web-1", List.of("web", "eu"), List.of(
                fixed("auth.failures", "{\"count\":7,\"ip\":\"203.0.113.9\",\"severity\":\"high\"}"),
                fixed("malware.scan", "{\"infected\":true,\"name\":\"EICAR-Test-File\"}")));
        d.host("fw-1", List.of("firewall"), List.of(firewall("firewall.block", blocked, true),
                firewall("firewall.unblock", blocked, false),
                Collector.of("firewall.list", "The blocked addresses.", Json.anyObjectSchema(),
                        (req, ctx) -> Map.of("blocked", List.copyOf(new java.util.TreeSet<>(blocked))))));
        return d;
    }

    private void host(String id, List<String> tags, List<Collector> collectors) {
        FleetMember member = FleetMember.builder(registry).id(id).requests("requests-" + id).collectors(collectors)
                .tags(tags.toArray(String[]::new)).build();
        Worker.Builder w = Worker.builder(transport).id(id).requests("requests-" + id).pollWait(Duration.ofMillis(200))
                .filter(member.filter());
        collectors.forEach(w::collector);
        Worker worker = w.build();
        worker.start();
        member.start();
        running.add(worker);
        running.add(member);
    }

    private static Collector fixed(String name, String json) {
        return Collector.of(name, "A fixed OCTOBOX sample result.", Json.anyObjectSchema(), (req, ctx) -> Json.parse(json));
    }

    private static Collector firewall(String name, Set<String> blocked, boolean block) {
        return Collector.of(name, (block ? "Blocks" : "Unblocks") + " params.ip.", Json.anyObjectSchema(), (req, ctx) -> {
            String ip = req.params().path("ip").asText();
            boolean changed = block ? blocked.add(ip) : blocked.remove(ip);
            return Map.of("ip", ip, "changed", changed);
        });
    }

    /** The hosts' transport. */
    public InMemoryTransport transport() {
        return transport;
    }

    /** The registry the hosts' inventory is in. */
    public InMemoryRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        List<AutoCloseable> reversed = new ArrayList<>(running);
        Collections.reverse(reversed);
        for (AutoCloseable c : reversed) {
            try {
                c.close();
            } catch (Exception e) {
                // stopping the demo is best effort
            }
        }
        transport.close();
    }
}
