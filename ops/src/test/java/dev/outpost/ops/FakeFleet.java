package dev.outpost.ops;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** A fleet of fixed servers whose collector calls are recorded and answered with their params. */
class FakeFleet implements Fleet {
    record Call(String selector, String collector, Map<String, String> params) {}

    final List<Server> servers = new ArrayList<>();
    final List<Call> calls = new CopyOnWriteArrayList<>();

    FakeFleet add(String id, List<String> tags, Map<String, String> facts) {
        servers.add(new Server(id, "requests-" + id, List.of("disk.usage"), new java.util.TreeSet<>(tags),
                new java.util.TreeMap<>(facts)));
        return this;
    }

    @Override
    public List<Server> servers() {
        return List.copyOf(servers);
    }

    @Override
    public Optional<Server> server(String id) {
        return servers.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    @Override
    public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
        calls.add(new Call(selector, collector, Map.copyOf(params)));
        List<HostAnswer> out = new ArrayList<>();
        for (Server s : select(selector)) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            params.forEach(o::put);
            out.add(new HostAnswer(s.id(), true, o));
        }
        return out;
    }
}
