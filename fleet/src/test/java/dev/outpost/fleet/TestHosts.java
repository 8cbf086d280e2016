package dev.outpost.fleet;

import dev.outpost.CollectorException;
import dev.outpost.core.Worker;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Collector;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/** A few workers with fleet members on one in-memory transport and registry, for fleet's own tests. */
final class TestHosts implements AutoCloseable {
    enum Behaviour { OK, FAIL, SLOW, NO_COLLECTOR }

    final TestClock time = TestClock.create();
    final InMemoryTransport transport = InMemoryTransport.builder().ticker(time.ticker()).build();
    final InMemoryRegistry registry = InMemoryRegistry.create(time);
    final Map<String, Worker> workers = new ConcurrentHashMap<>();
    final Map<String, FaultyTransport> faults = new ConcurrentHashMap<>();
    final Map<String, FleetMember> members = new ConcurrentHashMap<>();
    final Map<String, Integer> runs = new ConcurrentHashMap<>();
    final CountDownLatch release = new CountDownLatch(1);
    final List<AutoCloseable> closeables = new ArrayList<>();

    TestHosts() {
        transport.topic(Fleet.DEFAULT_TOPIC);
    }

    Collector work(String host, Behaviour b) {
        return Collector.of("app.work", (r, c) -> {
            runs.merge(host, 1, Integer::sum);
            return switch (b) {
                case FAIL -> throw CollectorException.permanent("broken", "host " + host + " is broken");
                case SLOW -> {
                    release.await();
                    yield Map.of("host", host, "slow", true);
                }
                default -> Map.of("host", host, "version", r.params().path("version").asText("none"));
            };
        });
    }

    /** Declares host {@code id}'s queue (subscribed to the fleet topic) and builds, not starts, its worker and member. */
    void add(String id, Behaviour b, Function<Codec, Codec> codec, String... tags) {
        add(id, "requests-" + id, b, codec, tags);
    }

    /** Host {@code id} reading {@code queue}, which other hosts may read too. */
    void add(String id, String queue, Behaviour b, Function<Codec, Codec> codec, String... tags) {
        transport.subscribe(Fleet.DEFAULT_TOPIC, queue);
        List<Collector> collectors = b == Behaviour.NO_COLLECTOR ? List.of() : List.of(work(id, b));
        FleetMember m = FleetMember.builder(registry).id(id).requests(queue).collectors(collectors).tags(tags)
                .fact("index", id.replaceAll("\\D", "").isEmpty() ? "0" : id.replaceAll("\\D", ""))
                .clock(time).ticker(time.ticker()).build();
        FaultyTransport t = new FaultyTransport(transport);
        faults.put(id, t);
        Worker w = Worker.builder(t).id(id).requests(queue).collectors(collectors)
                .codec(codec.apply(JsonCodec.create())).filter(m.filter()).clock(time).ticker(time.ticker())
                .pollWait(Duration.ofMillis(100)).drainTimeout(Duration.ofMillis(200)).build();
        workers.put(id, w);
        members.put(id, m);
    }

    void add(String id, Behaviour b, String... tags) {
        add(id, b, c -> c, tags);
    }

    void start(String id) {
        workers.get(id).start();
        members.get(id).start();
    }

    Fleet.Builder fleet() {
        return Fleet.builder(transport).registry(registry).clock(time).ticker(time.ticker()).pollWait(Duration.ofMillis(100));
    }

    @Override
    public void close() {
        release.countDown();
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                // closing what a test left running
            }
        }
        workers.values().forEach(w -> w.shutdown().join());
        members.values().forEach(FleetMember::close);
        transport.close();
    }
}
