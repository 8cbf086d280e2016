package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ConfigException;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.fleet.TestHosts.Behaviour;
import dev.outpost.inmemory.QueueOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whoever may write {@code fleet/hosts/} names the destinations of direct sends, but the fleet sends with its own
 * credentials: it sends only where {@code outpost.fleet.destinations.allow} allows, and reports the entries it refused.
 */
class DestinationRuleTest {
    /** The registry broker's queue: one the fleet's credentials can send to, and no host's. */
    static final String BROKER = "kv-requests";
    final TestHosts hosts = new TestHosts();

    @BeforeEach
    void hostsAndAForgedEntry() {
        hosts.add("web-1", Behaviour.OK, "web");
        hosts.start("web-1");
        hosts.transport.queue(BROKER, QueueOptions.defaults());
        forge("evil", BROKER, "web");
    }

    @AfterEach
    void close() {
        hosts.close();
    }

    /** An entry written straight into the registry, as anyone allowed to write it can. */
    private void forge(String id, String requests, String tag) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("v", 1);
        o.put("id", id);
        o.put("requests", requests);
        o.putArray("collectors").add("app.work");
        o.putArray("tags").add(tag);
        o.putObject("facts");
        o.put("startedAt", hosts.time.instant().toString());
        hosts.registry.register(FleetMember.HOSTS_PREFIX + id, o, Optional.empty());
    }

    private Fleet fleet(Fleet.Builder b) {
        Fleet f = b.build().start();
        hosts.closeables.add(f);
        return f;
    }

    private FleetSummary finish(FleetCall call, int answering) {
        await().atMost(Duration.ofSeconds(20)).until(() -> call.results().size() >= answering);
        CompletableFuture<FleetSummary> s = call.summary();
        while (!s.isDone()) {
            hosts.time.advance(Duration.ofSeconds(6));
            await().atMost(Duration.ofSeconds(5)).until(() -> s.isDone() || call.pending().isEmpty());
        }
        return s.join();
    }

    @Test
    void anEntryNamingADestinationOutsideTheAllowedOnesIsNeverSentToAndIsReported() {
        Fleet fleet = fleet(hosts.fleet());

        FleetSummary s = finish(fleet.call(FleetRequest.builder("app.work").target(Selector.tag("web")).route(Route.DIRECT)
                .deadline(Duration.ofSeconds(5)).build()), 1);

        assertThat(hosts.transport.peek(BROKER)).as("sent to the broker's queue").isEmpty();
        assertThat(s.results().keySet()).containsExactly("web-1");
        assertThat(s.hosts(Outcome.OK)).containsExactly("web-1");
        assertThat(s.refusedEntries()).isEqualTo(1);
        assertThat(s.refusedHosts()).containsExactly("evil");
        assertThat(s.toString()).contains("refused inventory entries 1");
        Discovery d = fleet.discover(Selector.all());
        assertThat(d.ids()).containsExactly("web-1");
        assertThat(d.refusedEntries()).isEqualTo(1);
        assertThat(d.refusedHosts()).containsExactly("evil");
    }

    @Test
    void aHostTheCallerListsWhoseEntryIsRefusedIsNotDeliveredDirectly() {
        Fleet fleet = fleet(hosts.fleet());

        FleetSummary s = finish(fleet.call(FleetRequest.builder("app.work").hosts(List.of("web-1", "evil")).route(Route.DIRECT)
                .deadline(Duration.ofSeconds(5)).build()), 2);

        assertThat(hosts.transport.peek(BROKER)).isEmpty();
        assertThat(s.hosts(Outcome.OK)).containsExactly("web-1");
        assertThat(s.hosts(Outcome.NOT_DELIVERED)).containsExactly("evil");
        assertThat(s.refusedHosts()).containsExactly("evil");
    }

    @Test
    void aRefusedEntryStillSaysItsHostIsLiveSoAnUnansweredCallOnItIsNoReplyNotExpired() {
        // a real host whose queue the fleet does not send to: reached over the topic, it runs the request and is stuck
        hosts.add("web-2", "other-web-2", Behaviour.SLOW, c -> c, "web");
        hosts.start("web-2");
        Fleet fleet = fleet(hosts.fleet());

        FleetCall call = fleet.call(FleetRequest.builder("app.work").hosts(List.of("web-2")).deadline(Duration.ofSeconds(5))
                .build());
        await().atMost(Duration.ofSeconds(20)).until(() -> hosts.runs.containsKey("web-2"));
        FleetSummary s = finish(call, 0);

        // the refusal is about where the fleet sends, not whether the host is up: 'expired' would tell the operator
        // it is offline, when it heartbeats and received the request
        assertThat(s.refusedHosts()).containsExactly("evil", "web-2");
        assertThat(s.hosts(Outcome.NO_REPLY)).containsExactly("web-2");
    }

    @Test
    void anExpectedSetTheCallerBuiltIsHeldToTheSameRule() {
        Fleet fleet = fleet(hosts.fleet());
        HostRecord evil = new HostRecord("evil", BROKER, List.of("app.work"), Set.of("web"), Map.of(), hosts.time.instant());

        FleetSummary s = finish(fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).deadline(Duration.ofSeconds(5))
                .build(), new Discovery(Discovery.Source.LIST, List.of(evil), Duration.ZERO)), 1);

        assertThat(hosts.transport.peek(BROKER)).isEmpty();
        assertThat(s.hosts(Outcome.NOT_DELIVERED)).containsExactly("evil");
        assertThat(s.results().get("evil").detail()).contains("does not send to");
    }

    @Test
    void theAllowedDestinationsAreConfiguredAndAMethodWins() {
        OutpostConfig config = OutpostConfig.builder().set("outpost.fleet.destinations.allow", "kv-*, other").build();
        assertThat(fleet(hosts.fleet().configure(config)).discover(Selector.all()).ids()).as("configured").containsExactly("evil");
        assertThat(fleet(hosts.fleet().configure(config).allowDestinations("requests-web-1")).discover(Selector.all()).ids())
                .as("set by the builder").containsExactly("web-1");
        assertThat(fleet(hosts.fleet().allowDestinations("*")).discover(Selector.all()).ids()).containsExactly("evil", "web-1");
    }

    @Test
    void aPatternThatWouldMatchNothingIsRefusedAtBuild() {
        OutpostConfig config = OutpostConfig.builder().set("outpost.fleet.destinations.allow", "requests-*, *-requests").build();
        assertThatThrownBy(() -> hosts.fleet().configure(config).build()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("outpost.fleet.destinations.allow").hasMessageContaining("'*-requests' has a * before its end");
        assertThatThrownBy(() -> hosts.fleet().allowDestinations("requests-*-a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> hosts.fleet().allowDestinations()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> hosts.fleet().allowDestinations(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRefusedEntryIsLoggedOnceWithItsDestinationClippedAndMadePrintable() {
        String hostile = "prod-payments\u202Etxt.exe\u2028WARN admin logged in " + "x".repeat(300);
        forge("evil-2", hostile, "db");
        Fleet fleet = fleet(hosts.fleet());
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.outpost.fleet.Fleet");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try {
            fleet.discover(Selector.all());
            fleet.discover(Selector.all());
        } finally {
            log.detachAppender(logged);
        }
        List<String> lines = logged.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("evil-2")).toList();
        assertThat(lines).singleElement().satisfies(m -> assertThat(m)
                .contains("'prod-payments?txt.exe?WARN admin logged in x").contains("…(256 characters)")
                .contains("outpost.fleet.destinations.allow: requests,requests-*")
                .doesNotContain("\u202E", "\u2028", "x".repeat(120)));
    }
}
