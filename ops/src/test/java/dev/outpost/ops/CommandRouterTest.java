package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ConfigException;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.ConfigSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandRouterTest {
    static final Caller ALICE = new Caller("alice", "ops");
    final FakeFleet fleet = new FakeFleet()
            .add("web-1", List.of("web", "eu"), Map.of("os", "linux"))
            .add("web-2", List.of("web"), Map.of())
            .add("db-1", List.of("db"), Map.of("os", "bsd"));
    final Access access = new Access(Set.of("alice"), Set.of("ops"), Set.of("disk.usage"));

    CommandRouter router() {
        return CommandRouter.builder(fleet).access(access).build();
    }

    @Test
    void listsDescribesAndSelectsServers() {
        Reply list = router().handle(ALICE, "list servers");
        assertThat(list.ok()).isTrue();
        assertThat(list.text()).contains("3 servers", "web-1 [eu, web]", "db-1 [db]");
        assertThat(router().handle(ALICE, "servers with tag web").text()).contains("2 servers", "web-1", "web-2")
                .doesNotContain("db-1");
        assertThat(router().handle(ALICE, "describe server db-1").text()).contains("db-1", "os: bsd", "requests-db-1");
        // a destination two entries name is no host's own: the fleet's discovery clears it
        fleet.servers.add(new Server("copy-1", "", List.of("disk.usage"), new java.util.TreeSet<>(), new java.util.TreeMap<>()));
        assertThat(router().handle(ALICE, "describe server copy-1").text()).contains("requests: (none of its own: reached over the topic)");
        Reply missing = router().handle(ALICE, "describe server nope");
        assertThat(missing.ok()).isFalse();
        assertThat(missing.text()).contains("no server 'nope'");
    }

    @Test
    void runCallsTheCollectorOnTheSelectedHosts() {
        Reply r = router().handle(ALICE, "run disk.usage on tag:web with path=/");
        assertThat(r.ok()).isTrue();
        assertThat(r.text()).contains("web-1 ok: {\"path\":\"/\"}", "web-2 ok:").doesNotContain("db-1");
        assertThat(fleet.calls).containsExactly(new FakeFleet.Call("tag:web", "disk.usage", Map.of("path", "/")));
    }

    @Test
    void aRunWhoseHostsFailedIsNotOk() {
        // `outpost ops -e 'run …'` exits by the reply's ok: it exited 0 when every host answered FAILED
        FakeFleet failing = new FakeFleet() {
            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, java.time.Duration timeout) {
                return List.of(new HostAnswer("web-1", true, JsonNodeFactory.instance.textNode("12%")),
                        new HostAnswer("db-1", false, JsonNodeFactory.instance.objectNode().put("error", "no-reply")));
            }
        }.add("web-1", List.of("web"), Map.of()).add("db-1", List.of("db"), Map.of());
        Reply r = CommandRouter.builder(failing).access(access).build().handle(ALICE, "run disk.usage on all");
        assertThat(r.text()).isEqualTo("web-1 ok: 12%\ndb-1 FAILED: {\"error\":\"no-reply\"}");
        assertThat(r.ok()).isFalse();
    }

    @Test
    void aHostsTextCannotForgeTheLinesOfAnotherHost() {
        FakeFleet liar = new FakeFleet() {
            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, java.time.Duration timeout) {
                return List.of(new HostAnswer("web-1", true, JsonNodeFactory.instance.textNode("12%\ndb-1 ok: 3%\u2028db-2 ok: 1%")),
                        new HostAnswer("db-1", false, JsonNodeFactory.instance.objectNode().put("error", "no-reply")));
            }
        }.add("web-1", List.of("web\n  db-9 [db]"), Map.of("os", "linux\r\n  requests: evil"));
        CommandRouter r = CommandRouter.builder(liar).access(access).build();
        List<String> run = r.handle(ALICE, "run disk.usage on all").text().lines().toList();
        assertThat(run).hasSize(2).anySatisfy(l -> assertThat(l).startsWith("db-1 FAILED"))
                .noneSatisfy(l -> assertThat(l).startsWith("db-1 ok"));
        assertThat(run.get(0)).doesNotContain("\u2028");
        assertThat(r.handle(ALICE, "list servers").text().lines()).hasSize(2);
        assertThat(r.handle(ALICE, "describe server web-1").text().lines()).filteredOn(l -> l.startsWith("  requests:")).hasSize(1);
    }

    @Test
    void aHostsTextCannotReorderWhatTheOperatorReads() {
        // a right-to-left override shows "10.0.0.1exe.jpg" as "10.0.0.1gpj.exe"; it is no control character, but as unsafe
        FakeFleet liar = new FakeFleet() {
            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, java.time.Duration timeout) {
                return List.of(new HostAnswer("web-1", true, JsonNodeFactory.instance.textNode("ok\u202Egpj.exe\u2066x")));
            }
        }.add("web-1", List.of("web\u202Ebd"), Map.of("os", "linux\u200F"));
        CommandRouter r = CommandRouter.builder(liar).access(access).build();
        for (String command : List.of("run disk.usage on all", "list servers", "describe server web-1")) {
            assertThat(r.handle(ALICE, command).text()).as(command).contains("web-1")
                    .doesNotContain("\u202E").doesNotContain("\u2066").doesNotContain("\u200F");
        }
    }

    @Test
    void unauthorisedUsersChannelsAndCollectorsAreRefused() {
        Reply stranger = router().handle(new Caller("mallory", "ops"), "list servers");
        assertThat(stranger.ok()).isFalse();
        assertThat(stranger.text()).contains("not allowed").doesNotContain("web-1");
        assertThat(router().handle(new Caller("alice", "random"), "list servers").text()).contains("not allowed");
        Reply forbidden = router().handle(ALICE, "run shell.exec on all with cmd=reboot");
        assertThat(forbidden.text()).contains("not allowed to run shell.exec");
        assertThat(fleet.calls).isEmpty();
        // fail closed: no access configured, nobody gets in
        assertThat(CommandRouter.builder(fleet).build().handle(ALICE, "help").text()).contains("not allowed");
    }

    @Test
    void unknownAndAmbiguousCommandsAreAnsweredHelpfully() {
        assertThat(router().handle(ALICE, "lst servers").text()).contains("did you mean", "list servers");
        assertThat(router().handle(ALICE, "ser").text()).contains("ambiguous");
        assertThat(router().handle(ALICE, "help").text()).contains("list servers", "describe server ID", "run COLLECTOR");
        assertThat(router().handle(ALICE, "help jobs").text()).isEqualTo("usage: jobs");
        // it answered "no command 'list'": the first word of a command names it
        assertThat(router().handle(ALICE, "help list").text()).isEqualTo("usage: list servers");
        assertThat(router().handle(ALICE, "help describe").text()).isEqualTo("usage: describe server ID");
        assertThat(router().handle(ALICE, "help lis").text()).contains("no command 'lis'");
        // it threw NullPointerException
        assertThat(router().handle(ALICE, null).text()).contains("empty command");
    }

    @Test
    void jobsHealthAndConfigReadTheirSources() {
        InMemoryRegistry reg = InMemoryRegistry.create();
        ObjectNode job = JsonNodeFactory.instance.objectNode().put("collector", "disk.usage");
        reg.register("fleet/calls/c1", job, Optional.empty());
        CommandRouter r = CommandRouter.builder(fleet).access(access).registry(reg)
                .health(() -> Map.of("rules.fired", "2")).config(() -> Map.of("outpost.ops.call-timeout", "30s")).build();
        assertThat(r.handle(ALICE, "jobs").text()).contains("1 job", "c1", "disk.usage");
        assertThat(r.handle(ALICE, "health").text()).contains("servers: 3", "rules.fired: 2");
        assertThat(r.handle(ALICE, "config").text()).isEqualTo("outpost.ops.call-timeout=30s");
    }

    @Test
    void repliesAreBounded() {
        for (int i = 0; i < 100; i++) {
            fleet.add("host-" + i, List.of("t"), Map.of());
        }
        Reply r = CommandRouter.builder(fleet).access(access).maxReplyChars(300).build().handle(ALICE, "list servers");
        assertThat(r.truncated()).isTrue();
        assertThat(r.text()).hasSizeLessThanOrEqualTo(300).endsWith("(cut at 300 characters)");
    }

    @Test
    void configurationIsBoundAndCheckedWithEveryProblem() {
        ConfigSource c = MapConfig.of(Map.of("outpost.ops.access.users", "alice", "outpost.ops.access.channels", "ops",
                "outpost.ops.reply.max-chars", "ten", "outpost.ops.call-timeout", "-1s"));
        assertThatThrownBy(() -> CommandRouter.builder(fleet).configure(c).build()).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(ConfigException.Problem::key)
                        .contains("outpost.ops.reply.max-chars", "outpost.ops.call-timeout"));
        // before: a '*' inside an entry was taken literally, so the entry allowed nobody and nothing
        assertThatThrownBy(() -> CommandRouter.builder(fleet).configure(MapConfig.of(Map.of("outpost.ops.access.users", "U0*",
                "outpost.ops.access.channels", "ops", "outpost.ops.access.collectors", "disk.*.usage", "outpost.ops.call-timeout", "-1s")))
                .build()).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(ConfigException.Problem::key)
                        .containsExactlyInAnyOrder("outpost.ops.access.users", "outpost.ops.access.collectors",
                                "outpost.ops.call-timeout"));
        assertThatThrownBy(() -> new Access(Set.of("*"), Set.of("C*1"), Set.of("disk.*"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("C*1");
        assertThat(new Access(Set.of("*"), Set.of("*"), Set.of("disk.*", "*")).allowsCollector(ALICE, "disk.usage")).isTrue();
        // before: built, then every "jobs" answered that the registry refused the prefix
        assertThatThrownBy(() -> CommandRouter.builder(fleet).configure(MapConfig.of(Map.of("outpost.ops.jobs-prefix", "calls")))
                .build()).isInstanceOf(ConfigException.class).hasMessageContaining("outpost.ops.jobs-prefix");
        CommandRouter ok = CommandRouter.builder(fleet).configure(MapConfig.of(Map.of("outpost.ops.access.users", "alice",
                "outpost.ops.access.channels", "ops"))).build();
        assertThat(ok.handle(ALICE, "list servers").ok()).isTrue();
        assertThat(ok.handle(ALICE, "run disk.usage on all").text()).contains("not allowed");
    }

    @Test
    void aCallTimeoutTooLongToComputeADeadlineWithIsRefusedAtBuild() {
        // 200000d was taken, and every run then answered "The command failed: ArithmeticException" (its deadline overflowed)
        ConfigSource c = MapConfig.of(Map.of("outpost.ops.call-timeout", "200000d"));
        assertThatThrownBy(() -> CommandRouter.builder(fleet).configure(c).build()).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(ConfigException.Problem::key)
                        .containsExactly("outpost.ops.call-timeout"))
                .hasMessageContaining("3650d");
        assertThatThrownBy(() -> CommandRouter.builder(fleet).callTimeout(java.time.Duration.ofDays(200_000)).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("outpost.ops.call-timeout");
        assertThat(CommandRouter.builder(fleet).callTimeout(java.time.Duration.ofDays(3650)).build()).isNotNull();
    }

    @Test
    void aFleetThatThrowsAnErrorGetsAnAnswerAndTheRouterGoesOn() {
        // the Fleet is the user's: `outpost ops -e` calls the router with nothing around it that catches an Error
        FakeFleet broken = new FakeFleet() {
            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, java.time.Duration timeout) {
                throw new AssertionError("/srv/secret/path broke");
            }
        }.add("web-1", List.of("web"), Map.of());
        CommandRouter r = CommandRouter.builder(broken).access(access).build();
        Reply failed = r.handle(ALICE, "run disk.usage on all");
        assertThat(failed.ok()).isFalse();
        assertThat(failed.text()).isEqualTo("The command failed: AssertionError").doesNotContain("/srv/secret");
        assertThat(r.handle(ALICE, "list servers").ok()).isTrue();
    }

    @Test
    void aFailedCommandsParamsCannotForgeALogLine() {
        FakeFleet broken = new FakeFleet() {
            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, java.time.Duration timeout) {
                throw new IllegalStateException("down");
            }
        }.add("web-1", List.of("web"), Map.of());
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(CommandRouter.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try {
            CommandRouter.builder(broken).access(access).build()
                    .handle(ALICE, "run disk.usage on all with path=/x\u001b[2J\u2028INFO:admin-logged-in");
        } finally {
            log.detachAppender(logged);
        }
        assertThat(logged.list).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .contains("disk.usage").doesNotContain("\u001b", "\u2028", "\n"));
    }
}
