package dev.outpost.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.ops.Access;
import dev.outpost.ops.CommandRouter;
import dev.outpost.ops.Console;
import dev.outpost.ops.DailyExporter;
import dev.outpost.ops.Fleet;
import dev.outpost.ops.HostAnswer;
import dev.outpost.ops.Observation;
import dev.outpost.ops.RegistryFleet;
import dev.outpost.ops.Rule;
import dev.outpost.ops.RulesEngine;
import dev.outpost.ops.Server;
import dev.outpost.ops.SlackBot;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
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
 * {@code outpost.ops.export.bucket} is set. Results are journalled per day under
 * {@code ./octobox-journal} (owner-only), which is what the export reads.
 *
 * <p>Try: {@code list servers}, {@code describe server web-1}, {@code run auth.failures on tag:web},
 * {@code run malware.scan on web-1}, {@code run firewall.list on tag:firewall}.
 */
public final class OctoboxOps {
    private OctoboxOps() {}

    public static void main(String[] args) throws Exception {
        OutpostConfig config = OutpostConfig.load(args.length > 0 ? Optional.of(Path.of(args[0])) : Optional.empty());
        Path journal = Path.of("octobox-journal");
        InMemoryRegistry registry = InMemoryRegistry.create();
        Set<String> blocked = ConcurrentHashMap.newKeySet();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker web = Worker.builder(transport).id("web-1").requests("requests-web-1")
                        .collector(fixed("auth.failures", "{\"count\":7,\"ip\":\"203.0.113.9\",\"severity\":\"high\"}"))
                        .collector(fixed("malware.scan", "{\"infected\":true,\"name\":\"EICAR-Test-File\"}"))
                        .collector(new DiskUsage()).build().start();
                Worker fw = Worker.builder(transport).id("fw-1").requests("requests-fw-1")
                        .collector(firewall("firewall.block", blocked, true))
                        .collector(firewall("firewall.unblock", blocked, false))
                        .collector(new Collector() {
                            @Override
                            public String name() {
                                return "firewall.list";
                            }

                            @Override
                            public Object collect(Request request, CollectorContext context) {
                                return Map.of("blocked", List.copyOf(blocked));
                            }
                        }).build().start();
                Client client = Client.builder(transport).build().start()) {
            host(registry, "web-1", "requests-web-1", List.of("web", "eu"), List.of("auth.failures", "malware.scan", "disk.usage"));
            host(registry, "fw-1", "requests-fw-1", List.of("firewall"), List.of("firewall.block", "firewall.unblock", "firewall.list"));
            RegistryFleet registryFleet = new RegistryFleet(registry, client);
            // every answer the bot or a rule gets is observed by the rules and journalled for the export
            AtomicReference<RulesEngine> engine = new AtomicReference<>();
            Fleet fleet = new Fleet() {
                @Override
                public List<Server> servers() {
                    return registryFleet.servers();
                }

                @Override
                public Optional<Server> server(String id) {
                    return registryFleet.server(id);
                }

                @Override
                public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
                    List<HostAnswer> answers = registryFleet.call(selector, collector, params, timeout);
                    answers.stream().filter(HostAnswer::ok).forEach(a -> observe(a, collector, registryFleet, engine.get(), journal));
                    return answers;
                }
            };
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
                try (DailyExporter export = exporter(config, journal)) {
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

    private static void observe(HostAnswer a, String collector, RegistryFleet fleet, RulesEngine rules, Path journal) {
        Set<String> tags = fleet.server(a.host()).map(Server::tags).map(Set::copyOf).orElse(Set.of());
        if (rules != null) {
            rules.offer(new Observation(a.host(), collector, tags, a.body()));
        }
        Instant now = Instant.now();
        ObjectNode line = JsonNodeFactory.instance.objectNode();
        line.put("host", a.host()).put("collector", collector).put("at", now.toString());
        line.set("result", a.body());
        try {
            Files.createDirectories(journal, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path day = journal.resolve(LocalDate.ofInstant(now, ZoneOffset.UTC) + ".jsonl");
            if (!Files.exists(day)) {
                Files.createFile(day, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            Files.writeString(day, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("journal: " + e.getMessage());
        }
    }

    /** The daily export when a bucket is configured; otherwise a stand-in that does nothing. */
    private static DailyExporter exporter(OutpostConfig config, Path journal) {
        if (config.string("outpost.ops.export.bucket").filter(s -> !s.isBlank()).isEmpty()) {
            return null;
        }
        S3AsyncClient s3 = S3AsyncClient.create();
        return DailyExporter.builder(s3, day -> {
            Path f = journal.resolve(day + ".jsonl");
            List<JsonNode> out = new ArrayList<>();
            if (Files.exists(f)) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    out.add(Json.parse(line));
                }
            }
            return out;
        }).configure(config).build().start();
    }

    private static void host(InMemoryRegistry registry, String id, String requests, List<String> tags, List<String> collectors) {
        ObjectNode h = JsonNodeFactory.instance.objectNode().put("v", 1).put("id", id).put("requests", requests);
        tags.forEach(h.putArray("tags")::add);
        collectors.forEach(h.putArray("collectors")::add);
        h.putObject("facts").put("os", System.getProperty("os.name"));
        registry.register("fleet/hosts/" + id, h, Optional.empty());
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
