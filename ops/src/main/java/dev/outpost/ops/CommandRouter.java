package dev.outpost.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.ConfigException;
import dev.outpost.ops.internal.RuleConfig;
import dev.outpost.ops.internal.Text;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers chat-ops commands: parses the text ({@link CommandParser}), checks the caller
 * ({@link Access}, failing closed), and maps the command to fleet calls and registry reads. Every
 * reply is bounded ({@code outpost.ops.reply.max-chars}); hostile text from hosts is made printable.
 * No threads: {@link #handle} runs on the caller's thread and is thread-safe.
 */
public final class CommandRouter {
    private static final Logger LOG = LoggerFactory.getLogger(CommandRouter.class);
    private static final int MAX_JOBS = 50;
    /** The fewest characters of a host's answer a {@code run} reply shows, however many hosts answered. */
    private static final int MIN_HOST_SHARE = 200;

    private final Fleet fleet;
    private final Optional<Registry> registry;
    private final Access access;
    private final int maxChars;
    private final Duration callTimeout;
    private final String jobsPrefix;
    private final Supplier<Map<String, String>> health;
    private final Supplier<Map<String, String>> config;

    private CommandRouter(Builder b) {
        fleet = b.fleet;
        registry = b.registry;
        access = b.access;
        maxChars = b.maxChars;
        callTimeout = b.callTimeout;
        jobsPrefix = b.jobsPrefix;
        health = b.health;
        config = b.config;
    }

    /** A router over {@code fleet}; nobody is allowed until {@link Builder#access} or configuration says so. */
    public static Builder builder(Fleet fleet) {
        return new Builder(fleet);
    }

    /** The answer to {@code text} from {@code caller}; never throws for bad input (a null text is an empty command). */
    public Reply handle(Caller caller, String text) {
        java.util.Objects.requireNonNull(caller, "caller");
        if (!access.allows(caller)) {
            LOG.info("refused a command from user {} in channel {}", Text.printable(caller.user()),
                    Text.printable(caller.channel()));
            return new Reply("You are not allowed to use this bot here.", false, false);
        }
        Command c;
        try {
            c = CommandParser.parse(text);
        } catch (CommandException e) {
            return bounded(e.getMessage(), false);
        }
        try {
            return answer(caller, c);
        } catch (RuntimeException | Error e) { // the Fleet is user code: an Error from it is one command's failure too
            LOG.warn("command {} failed", Text.oneLine(c.toString()), e); // its params are the chat's text: one line
            return bounded("The command failed: " + e.getClass().getSimpleName(), false);
        }
    }

    private Reply answer(Caller caller, Command c) {
        StringBuilder out = new StringBuilder();
        if (c instanceof Command.Help h) {
            if (h.topic().isPresent()) {
                String topic = h.topic().get();
                // "help list" means "list servers": a command's first words name it as well as all of them do
                List<String> usages = CommandParser.USAGE.entrySet().stream()
                        .filter(e -> e.getKey().equals(topic) || e.getKey().startsWith(topic + " "))
                        .map(e -> "usage: " + e.getValue()).toList();
                return bounded(usages.isEmpty() ? "no command '" + Text.printable(topic) + "'; type help"
                        : String.join("\n", usages), !usages.isEmpty());
            }
            out.append("Commands:\n");
            CommandParser.USAGE.values().forEach(u -> out.append("  ").append(u).append('\n'));
        } else if (c instanceof Command.ListServers) {
            servers(out, fleet.servers());
        } else if (c instanceof Command.ServersWithTag t) {
            servers(out, fleet.select("tag:" + t.tag()));
        } else if (c instanceof Command.DescribeServer d) {
            Optional<Server> s = fleet.server(d.id());
            if (s.isEmpty()) {
                return bounded("no server '" + d.id() + "'", false);
            }
            Server h = s.get();
            out.append(h.id()).append('\n');
            // empty when the inventory has none for it, or one that other hosts register too (see the fleet README)
            out.append("  requests: ").append(h.requests().isEmpty() ? "(none of its own: reached over the topic)"
                    : Text.oneLine(h.requests())).append('\n');
            out.append("  tags: ").append(Text.oneLine(String.join(", ", h.tags()))).append('\n');
            out.append("  collectors: ").append(Text.oneLine(String.join(", ", h.collectors()))).append('\n');
            h.facts().forEach((k, v) -> out.append("  ").append(Text.oneLine(k)).append(": ")
                    .append(Text.oneLine(v)).append('\n'));
        } else if (c instanceof Command.Jobs) {
            if (registry.isEmpty()) {
                return bounded("no registry configured: no jobs to show", false);
            }
            List<RegistryEntry> jobs = registry.get().list(jobsPrefix, MAX_JOBS, Optional.empty()).entries();
            out.append(jobs.size()).append(jobs.size() == 1 ? " job" : " jobs").append('\n');
            for (RegistryEntry e : jobs) {
                // one line each: JSON leaves U+2028 and U+2029 as they are, and they end a line in a chat
                out.append("  ").append(Text.oneLine(e.key().substring(jobsPrefix.length()))).append(": ")
                        .append(Text.clip(Text.oneLine(e.value().toString()), 200)).append('\n');
            }
        } else if (c instanceof Command.Health) {
            out.append("servers: ").append(fleet.servers().size()).append('\n');
            health.get().forEach((k, v) -> out.append(k).append(": ").append(Text.printable(v)).append('\n'));
        } else if (c instanceof Command.Config) {
            config.get().forEach((k, v) -> out.append(k).append('=').append(Text.printable(v)).append('\n'));
        } else if (c instanceof Command.Run r) {
            if (!access.allowsCollector(caller, r.collector())) {
                return bounded("You are not allowed to run " + r.collector() + ".", false);
            }
            List<HostAnswer> answers = fleet.call(r.selector(), r.collector(), r.params(), callTimeout);
            if (answers.isEmpty()) {
                return bounded("no server matches " + r.selector(), false);
            }
            // each host a share of the reply: one host's huge answer must not push the others out of it
            int share = Math.max(MIN_HOST_SHARE, maxChars / answers.size());
            for (HostAnswer a : answers) {
                if (out.length() > maxChars) {
                    break; // cut below anyway: not built in memory first
                }
                out.append(a.host()).append(a.ok() ? " ok: " : " FAILED: ")
                        .append(Text.oneLine(Text.clip(compact(a.body()), share))).append('\n');
            }
            // a script's exit status (outpost ops -e) says whether every host answered ok
            return bounded(out.toString().stripTrailing(), answers.stream().allMatch(HostAnswer::ok));
        }
        return bounded(out.toString().stripTrailing(), true);
    }

    private static String compact(JsonNode n) {
        return n.isTextual() ? n.asText() : n.toString();
    }

    private static void servers(StringBuilder out, List<Server> servers) {
        out.append(servers.size()).append(servers.size() == 1 ? " server" : " servers").append('\n');
        for (Server s : servers) {
            out.append("  ").append(s.id());
            if (!s.tags().isEmpty()) {
                out.append(" [").append(Text.oneLine(String.join(", ", s.tags()))).append(']');
            }
            out.append('\n');
        }
    }

    private Reply bounded(String text, boolean ok) {
        if (text.length() <= maxChars) {
            return new Reply(text, ok, false);
        }
        String note = "\n… (cut at " + maxChars + " characters)";
        return new Reply(text.substring(0, Math.max(0, maxChars - note.length())) + note, ok, true);
    }

    /** Builds a {@link CommandRouter}. */
    public static final class Builder {
        private final Fleet fleet;
        private Optional<Registry> registry = Optional.empty();
        private Access access = Access.none();
        private boolean accessSet;
        private int maxChars = 40_000;
        private boolean maxCharsSet;
        private Duration callTimeout = Duration.ofSeconds(30);
        private boolean callTimeoutSet;
        private String jobsPrefix = "fleet/calls/";
        private boolean jobsPrefixSet;
        private Supplier<Map<String, String>> health = Map::of;
        private Supplier<Map<String, String>> config = Map::of;
        private ConfigSource source;

        private Builder(Fleet fleet) {
            this.fleet = Objects.requireNonNull(fleet, "fleet");
        }

        /** The registry {@code jobs} reads. */
        public Builder registry(Registry registry) {
            this.registry = Optional.of(registry);
            return this;
        }

        /** Who may do what (default: nobody). */
        public Builder access(Access access) {
            this.access = Objects.requireNonNull(access, "access");
            accessSet = true;
            return this;
        }

        /** The longest reply in characters (default 40000). */
        public Builder maxReplyChars(int chars) {
            this.maxChars = chars;
            maxCharsSet = true;
            return this;
        }

        /** How long {@code run} waits for the hosts (default 30 s). */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = Objects.requireNonNull(timeout, "timeout");
            callTimeoutSet = true;
            return this;
        }

        /** The registry prefix {@code jobs} lists (default {@code fleet/calls/}). */
        public Builder jobsPrefix(String prefix) {
            this.jobsPrefix = Objects.requireNonNull(prefix, "prefix");
            jobsPrefixSet = true;
            return this;
        }

        /** What {@code health} shows beside the fleet's size. */
        public Builder health(Supplier<Map<String, String>> health) {
            this.health = Objects.requireNonNull(health, "health");
            return this;
        }

        /** What {@code config} shows: pass a redacted listing (such as {@code OutpostConfig.redacted()}). */
        public Builder config(Supplier<Map<String, String>> config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Binds {@code outpost.ops.access.*}, {@code outpost.ops.reply.max-chars}, {@code outpost.ops.call-timeout}, {@code outpost.ops.jobs-prefix}. */
        public Builder configure(ConfigSource config) {
            this.source = Objects.requireNonNull(config, "config");
            return this;
        }

        /** @throws ConfigException naming every bad key */
        public CommandRouter build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            if (source != null) {
                ConfigSource c = source;
                if (!accessSet) {
                    collect(problems, () -> access = Access.from(c));
                }
                collect(problems, () -> {
                    if (!maxCharsSet) {
                        c.intValue("outpost.ops.reply.max-chars").ifPresent(v -> maxChars = v);
                    }
                });
                collect(problems, () -> {
                    if (!callTimeoutSet) {
                        c.duration("outpost.ops.call-timeout").ifPresent(v -> callTimeout = v);
                    }
                });
                if (!jobsPrefixSet) {
                    c.string("outpost.ops.jobs-prefix").filter(s -> !s.isBlank()).ifPresent(v -> jobsPrefix = v);
                }
            }
            if (maxChars < 100 || maxChars > 10_000_000) {
                problems.add(new ConfigException.Problem("outpost.ops.reply.max-chars",
                        "must be 100 to 10000000, was " + maxChars));
            }
            // a run's deadline is computed in nanoseconds and millis: past 292 years every run failed with an overflow
            if (callTimeout.isNegative() || callTimeout.isZero() || callTimeout.compareTo(RuleConfig.MAX_DURATION) > 0) {
                problems.add(new ConfigException.Problem("outpost.ops.call-timeout",
                        "must be positive and at most 3650d, was " + callTimeout));
            }
            try { // before: a bad prefix failed every "jobs" at run time instead
                dev.outpost.spi.RegistryKeys.checkPrefix(jobsPrefix);
            } catch (dev.outpost.spi.RegistryException.InvalidKey e) {
                problems.add(new ConfigException.Problem("outpost.ops.jobs-prefix", e.getMessage()));
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new CommandRouter(this);
        }

        private static void collect(List<ConfigException.Problem> problems, Runnable r) {
            try {
                r.run();
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
    }
}
