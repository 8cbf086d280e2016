package dev.outpost.ops;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.outpost.Request;
import dev.outpost.core.Worker;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.fleet.Fleet;
import dev.outpost.fleet.FleetMember;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Message;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The bot over outpost-fleet: inventory from FleetMembers, targeting by selector, one fleet call per command. */
class OutpostFleetTest {
    static Collector disk(String host) {
        return new Collector() {
            @Override
            public String name() {
                return "disk.usage";
            }

            @Override
            public Object collect(Request request, CollectorContext context) {
                return new java.util.TreeMap<>(Map.of("host", host, "path", request.params().path("path").asText()));
            }
        };
    }

    @Test
    void theRouterListsTargetsAndCallsThroughTheFleet() throws Exception {
        InMemoryRegistry registry = InMemoryRegistry.create();
        registry.register("fleet/hosts/junk", JsonNodeFactory.instance.textNode("nope"), Optional.empty());
        try (InMemoryTransport transport = InMemoryTransport.create();
                FleetMember webMember = FleetMember.builder(registry).id("web-1").requests("requests-web-1")
                        .collectors(List.of(disk("web-1"))).tags("web").fact("os", "linux").build().start();
                FleetMember dbMember = FleetMember.builder(registry).id("db-1").requests("requests-db-1")
                        .collectors(List.of(disk("db-1"))).tags("db").build().start();
                Worker web = Worker.builder(transport).id("web-1").requests("requests-web-1").collector(disk("web-1"))
                        .filter(webMember.filter()).build().start();
                Fleet fleet = Fleet.builder(transport).registry(registry).build().start()) {
            OutpostFleet f = new OutpostFleet(fleet);
            assertThat(f.servers()).extracting(Server::id).containsExactlyInAnyOrder("web-1", "db-1");
            assertThat(f.server("web-1")).hasValueSatisfying(s -> {
                assertThat(s.requests()).isEqualTo("requests-web-1");
                assertThat(s.tags()).containsExactly("web");
                assertThat(s.facts()).containsEntry("os", "linux");
                assertThat(s.collectors()).containsExactly("disk.usage");
            });
            assertThat(f.server("../x")).isEmpty();
            assertThat(f.select("tag:web")).extracting(Server::id).containsExactly("web-1");
            assertThat(f.select("fact:os=linux")).extracting(Server::id).containsExactly("web-1");
            assertThat(f.select("tag:nope")).isEmpty();

            CommandRouter router = CommandRouter.builder(f).access(new Access(Set.of("op"), Set.of("ops"), Set.of("disk.usage")))
                    .build();
            Caller op = new Caller("op", "ops");
            assertThat(router.handle(op, "servers with tag db").text()).isEqualTo("1 server\n  db-1 [db]");
            assertThat(router.handle(op, "run disk.usage on tag:web with path=/").text())
                    .contains("web-1 ok: {\"host\":\"web-1\",\"path\":\"/\"}");
            // db-1 is in the inventory but runs no worker: the fleet reports it, once. The deadline is real time, and
            // web-1 must answer within it: 500 ms was too short on a loaded machine, where web-1 then ended no-reply too
            List<HostAnswer> all = f.call("all", "disk.usage", Map.of("path", "/var"), Duration.ofSeconds(3));
            assertThat(all).extracting(HostAnswer::host).containsExactlyInAnyOrder("web-1", "db-1");
            assertThat(all).filteredOn(HostAnswer::ok).extracting(HostAnswer::host).containsExactly("web-1");
            assertThat(all).filteredOn(a -> !a.ok()).singleElement()
                    .satisfies(a -> assertThat(a.body().path("error").asText()).isEqualTo("no-reply"));
            assertThat(router.handle(op, "run disk.usage on tag:(").text()).containsIgnoringCase("selector");
        }
    }

    @Test
    void aTagOrSelectorTheFleetRefusesIsAnsweredAsSuchAndEveryTagItTakesCanBeListed() throws Exception {
        InMemoryRegistry registry = InMemoryRegistry.create();
        try (InMemoryTransport transport = InMemoryTransport.create();
                FleetMember webMember = FleetMember.builder(registry).id("web-1").requests("requests-web-1")
                        .collectors(List.of(disk("web-1"))).tags("eu/west", "role:web").build().start();
                Fleet fleet = Fleet.builder(transport).registry(registry).build().start()) {
            CommandRouter router = CommandRouter.builder(new OutpostFleet(fleet))
                    .access(new Access(Set.of("op"), Set.of("ops"), Set.of("disk.usage"))).build();
            Caller op = new Caller("op", "ops");
            // tags a member registers were refused as "not a valid tag"
            assertThat(router.handle(op, "servers with tag eu/west").text()).isEqualTo("1 server\n  web-1 [eu/west, role:web]");
            assertThat(router.handle(op, "servers with tag role:web").text()).isEqualTo("1 server\n  web-1 [eu/west, role:web]");
            // the parser let these through, the fleet refused them: "The command failed: IllegalArgumentException"
            for (String bad : List.of("run disk.usage on tag:", "run disk.usage on host:", "run disk.usage on web:1",
                    "run disk.usage on fact:os", "run disk.usage on tag:a@b", "run disk.usage on tag:" + "t".repeat(65),
                    "servers with tag " + "t".repeat(65))) {
                Reply r = router.handle(op, bad);
                assertThat(r.ok()).as(bad).isFalse();
                assertThat(r.text()).as(bad).doesNotContain("The command failed").containsPattern("is not a (selector|valid tag)");
            }
        }
    }

    @Test
    void everyHostIdTheFleetTakesCanBeDescribed() throws Exception {
        InMemoryRegistry registry = InMemoryRegistry.create();
        String id = "db@eu:" + "1".repeat(150);
        try (InMemoryTransport transport = InMemoryTransport.create();
                FleetMember member = FleetMember.builder(registry).id(id).requests("requests-db").tags("db").build().start();
                Fleet fleet = Fleet.builder(transport).registry(registry).build().start()) {
            CommandRouter router = CommandRouter.builder(new OutpostFleet(fleet))
                    .access(new Access(Set.of("op"), Set.of("ops"), Set.of("disk.usage"))).build();
            // listed, but "describe server" refused it: "is not a valid server id"
            assertThat(router.handle(new Caller("op", "ops"), "list servers").text()).contains(id);
            assertThat(router.handle(new Caller("op", "ops"), "describe server " + id).text()).startsWith(id + "\n  requests: requests-db");
        }
    }

    @Test
    void everySelectedHostHasAnAnswerEvenPastTheHostsOneCallAddresses() throws Exception {
        InMemoryRegistry registry = InMemoryRegistry.create();
        int n = OutpostFleet.MAX_HOSTS_PER_CALL + 2;
        for (int i = 0; i < n; i++) {
            String id = String.format("web-%04d", i);
            registry.register("fleet/hosts/" + id, dev.outpost.Json.parse("{\"v\":1,\"id\":\"" + id + "\",\"requests\":\"requests-" + id
                    + "\",\"collectors\":[],\"tags\":[\"web\"],\"facts\":{},\"startedAt\":\"2026-12-04T12:00:00Z\"}"),
                    Optional.empty());
        }
        // every request sent is refused at once: no deadline to wait for
        try (InMemoryTransport memory = InMemoryTransport.create();
                ForwardingTransport transport = new ForwardingTransport(memory) {
                    @Override
                    public CompletableFuture<Void> send(String destination, Message message) {
                        return CompletableFuture.failedFuture(new IllegalStateException("no queue " + destination));
                    }
                };
                Fleet fleet = Fleet.builder(transport).registry(registry).build().start()) {
            List<HostAnswer> answers = new OutpostFleet(fleet).call("tag:web", "disk.usage", Map.of(), Duration.ofSeconds(30));
            // the hosts past the cap were left out: 1,000 answers for 1,002 selected hosts, and no word of the others
            assertThat(answers).hasSize(n);
            assertThat(answers.subList(0, OutpostFleet.MAX_HOSTS_PER_CALL))
                    .allSatisfy(a -> assertThat(a.body().path("error").asText()).isEqualTo("not-delivered"));
            assertThat(answers.subList(OutpostFleet.MAX_HOSTS_PER_CALL, n)).extracting(HostAnswer::host)
                    .containsExactly("web-1000", "web-1001");
            assertThat(answers.subList(OutpostFleet.MAX_HOSTS_PER_CALL, n)).allSatisfy(a -> {
                assertThat(a.ok()).isFalse();
                assertThat(a.body().path("error").asText()).isEqualTo("not-started");
                assertThat(a.body().path("message").asText()).contains("at most 1000 hosts");
            });
        }
    }

    @Test
    void autoRoutesACallOnTheWholeFleetOverTheTopicAndDirectIsTheDefault() throws Exception {
        InMemoryRegistry registry = InMemoryRegistry.create();
        List<String> sentTo = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (InMemoryTransport memory = InMemoryTransport.create();
                ForwardingTransport transport = new ForwardingTransport(memory) {
                    @Override
                    public CompletableFuture<Void> send(String destination, Message message) {
                        sentTo.add(destination);
                        return super.send(destination, message);
                    }
                };
                FleetMember one = FleetMember.builder(registry).id("web-1").requests("requests-web-1").tags("web").build().start();
                FleetMember two = FleetMember.builder(registry).id("web-2").requests("requests-web-2").tags("web").build().start();
                Worker w1 = Worker.builder(memory).id("web-1").requests("requests-web-1").collector(disk("web-1"))
                        .filter(one.filter()).build().start();
                Worker w2 = Worker.builder(memory).id("web-2").requests("requests-web-2").collector(disk("web-2"))
                        .filter(two.filter()).build().start();
                Fleet fleet = Fleet.builder(transport).registry(registry).build().start()) {
            memory.topic(Fleet.DEFAULT_TOPIC);
            memory.subscribe(Fleet.DEFAULT_TOPIC, "requests-web-1");
            memory.subscribe(Fleet.DEFAULT_TOPIC, "requests-web-2");
            // the README: AUTO "uses the fleet topic for the whole fleet"; it sent to each host's queue all the same
            assertThat(new OutpostFleet(fleet, dev.outpost.fleet.Route.AUTO).call("all", "disk.usage", Map.of(), Duration.ofSeconds(10)))
                    .extracting(HostAnswer::ok).containsExactly(true, true);
            assertThat(sentTo).containsExactly(Fleet.DEFAULT_TOPIC);
            sentTo.clear();
            assertThat(new OutpostFleet(fleet).call("all", "disk.usage", Map.of(), Duration.ofSeconds(10)))
                    .extracting(HostAnswer::ok).containsExactly(true, true);
            assertThat(sentTo).containsExactlyInAnyOrder("requests-web-1", "requests-web-2");
        }
    }

    @Test
    void aTransportsFailureTextIsNotSentToTheChat() throws Exception {
        InMemoryRegistry registry = InMemoryRegistry.create();
        String secret = "https://sqs.eu-west-1.amazonaws.com/123456789012/req-web-1 as AKIAIOSFODNN7EXAMPLE";
        try (InMemoryTransport memory = InMemoryTransport.create();
                ForwardingTransport transport = new ForwardingTransport(memory) {
                    @Override
                    public CompletableFuture<Void> send(String destination, Message message) {
                        return destination.equals("requests-web-1")
                                ? CompletableFuture.failedFuture(new IllegalStateException("access denied to " + secret))
                                : super.send(destination, message);
                    }
                };
                FleetMember webMember = FleetMember.builder(registry).id("web-1").requests("requests-web-1")
                        .collectors(List.of(disk("web-1"))).tags("web").build().start();
                Fleet fleet = Fleet.builder(transport).registry(registry).build().start()) {
            CommandRouter router = CommandRouter.builder(new OutpostFleet(fleet))
                    .access(new Access(Set.of("op"), Set.of("ops"), Set.of("disk.usage"))).build();
            String reply = router.handle(new Caller("op", "ops"), "run disk.usage on web-1").text();
            assertThat(reply).startsWith("web-1 FAILED: ").contains("not-delivered")
                    .doesNotContain("123456789012").doesNotContain("AKIA").doesNotContain("IllegalStateException");
        }
    }
}
