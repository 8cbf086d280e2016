package dev.outpost.samples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.core.Worker;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.fleet.FleetMember;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.ops.Access;
import dev.outpost.ops.CommandRouter;
import dev.outpost.ops.Console;
import dev.outpost.ops.DailyExporter;
import dev.outpost.ops.Fleet;
import dev.outpost.ops.ObservingFleet;
import dev.outpost.ops.OutpostFleet;
import dev.outpost.ops.ResultJournal;
import dev.outpost.ops.Rule;
import dev.outpost.ops.RulesEngine;
import dev.outpost.ops.SlackBot;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * An OCTOBOX-style ops program on an in-process fleet (two hosts on the in-memory transport): the
 * bot on the console (or in Slack when {@code outpost.ops.slack.app-token} is set), two rules (five
 * failed logins from an address block it on the firewall for an hour; a malware finding
 * quarantines the host in the registry), and the daily export of every result to S3 when
 * {@code outpost.ops.export.bucket} is set. Results are journalled per day (owner-only) in
 * {@code outpost.ops.export.journal}, else in a new directory under {@code java.io.tmpdir}; the
 * directory is printed at start. The journal is what the export reads.
 *
 * <p>Try: {@code list servers}, {@code describe server web-1}, {@code run auth.failures on tag:web},
 * {@code run malware.scan on web-1}, {@code run firewall.list on tag:firewall}.
 */
public final class OctoboxOps {
    private OctoboxOps() {}

    public static void main(String[] args) throws Exception {
        OutpostConfig config = OutpostConfig.load(args.length > 0 ? Optional.of(Path.of(args[0])) : Optional.empty());
        // a fresh temporary directory unless configured: a sample run leaves nothing in the working directory
        Optional<String> configured = config.string("outpost.ops.export.journal").filter(s -> !s.isBlank());
        Path journal = configured.isPresent() ? Path.of(configured.get()) : Files.createTempDirectory("octobox-journal-");
        System.out.println("results journal: " + journal.toAbsolutePath());
        InMemoryRegistry registry = InMemoryRegistry.create();
        Set<String> blocked = ConcurrentHashMap.newKeySet();
        Collector[] webCollectors = {fixed("auth.failures", "{\"count\":7,\"ip\":\"203.0.113.9\",\"severity\":\"high\"}"),
                fixed("malware.scan", "{\"infected\":true,\"name\":\"EICAR-Test-File\"}"), new DiskUsage()};
        Collector[] fwCollectors = {firewall("firewall.block", blocked, true), firewall("firewall.unblock", blocked, false),
                new Collector() {
                    @Override
                    public String name() {
                        return "firewall.list";
                    }

                    @Override
                    public Object collect(Request request, CollectorContext context) {
                        return Map.of("blocked", List.copyOf(blocked));
                    }
                }};
        try (InMemoryTransport transport = InMemoryTransport.create();
                FleetMember webMember = FleetMember.builder(registry).id("web-1").requests("requests-web-1")
                        .collectors(List.of(webCollectors)).tags("web", "eu").build().start();
                FleetMember fwMember = FleetMember.builder(registry).id("fw-1").requests("requests-fw-1")
                        .collectors(List.of(fwCollectors)).tags("firewall").build().start();
                Worker web = worker(transport, "web-1", webCollectors);
                Worker fw = worker(transport, "fw-1", fwCollectors);
                dev.outpost.fleet.Fleet outpostFleet = dev.outpost.fleet.Fleet.builder(transport).registry(registry).build().start()) {
            // every answer the bot or a rule gets is observed by the rules and journalled for the export
            ResultJournal results = new ResultJournal(journal);
            AtomicReference<RulesEngine> engine = new AtomicReference<>();
            Fleet fleet = new ObservingFleet(new OutpostFleet(outpostFleet), o -> {
                if (engine.get() != null) {
                    engine.get().offer(o);
                }
                results.append(o.host(), o.collector(), o.result());
            });
            boolean slack = config.string("outpost.ops.slack.app-token").filter(s -> !s.isBlank()).isPresent();
            String me = System.getProperty("user.name", "console");
            // the console's user may do everything unless configured; Slack is configured explicitly
            Access access = config.string("outpost.ops.access.users").filter(s -> !s.isBlank()).isPresent()
                    ? Access.from(config) : new Access(Set.of(me), Set.of("console"), Set.of("*"));
            CommandRouter router = CommandRouter.builder(fleet).registry(registry).access(access)
                    .config(config::redacted).configure(config).build();

            try (RulesEngine rules = RulesEngine.builder(fleet).registry(registry).configure(config)
                    .rule(new Rule("block-ip", "auth.failures", List.of(new Rule.Condition("count", ">=", "5")), Set.of("web"),
                            Optional.of("medium"),
                            new Rule.Action(Rule.Kind.CALL, "firewall.block", "tag:firewall", Map.of("ip", "${result.ip}"), "", ""),
                            Optional.of(new Rule.Undo(Duration.ofSeconds(3600), new Rule.Action(Rule.Kind.CALL, "firewall.unblock",
                                    "tag:firewall", Map.of("ip", "${result.ip}"), "", ""))),
                            10, Duration.ofHours(1), false))
                    .rule(new Rule("quarantine", "malware.scan", List.of(new Rule.Condition("infected", "==", "true")), Set.of(),
                            Optional.empty(), new Rule.Action(Rule.Kind.REGISTRY, "", "self",
                                    Map.of("reason", "${result.name}"), "ops/quarantine/${host}", ""),
                            Optional.empty(), 100, Duration.ofHours(1), false))
                    .notifier(m -> System.out.println("[rules] " + m)).build().start()) {
                engine.set(rules);
                try (DailyExporter export = exporter(config, results)) {
                    if (slack) {
                        try (SlackBot bot = SlackBot.builder(router).configure(config).build().start()) {
                            System.out.println("OCTOBOX-style bot connected to Slack; press Enter to stop");
                            System.in.read();
                        }
                    } else {
                        try (Console console = Console.builder(router).user(me).configure(config).build().start()) {
                            System.out.println("OCTOBOX-style bot; type help (quit to leave)");
                            console.done().join();
                        }
                    }
                }
            }
        }
    }

    private static Worker worker(InMemoryTransport transport, String id, Collector... collectors) {
        Worker.Builder b = Worker.builder(transport).id(id).requests("requests-" + id);
        for (Collector c : collectors) {
            b.collector(c);
        }
        return b.build().start();
    }

    /** The daily export when a bucket is configured; otherwise a stand-in that does nothing. */
    private static DailyExporter exporter(OutpostConfig config, ResultJournal journal) {
        if (config.string("outpost.ops.export.bucket").filter(s -> !s.isBlank()).isEmpty()) {
            return null;
        }
        return DailyExporter.builder(S3AsyncClient.create(), journal).configure(config).build().start();
    }

    private static Collector fixed(String name, String json) {
        JsonNode result = Json.parse(json);
        return new Collector() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Object collect(Request request, CollectorContext context) {
                return result;
            }
        };
    }

    private static Collector firewall(String name, Set<String> blocked, boolean block) {
        return new Collector() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Object collect(Request request, CollectorContext context) {
                String ip = request.params().path("ip").asText();
                boolean changed = block ? blocked.add(ip) : blocked.remove(ip);
                return Map.of("ip", ip, "changed", changed);
            }
        };
    }
}
