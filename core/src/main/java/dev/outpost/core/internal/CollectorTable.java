package dev.outpost.core.internal;

import dev.outpost.ConfigException;
import dev.outpost.core.WorkerStatus;
import dev.outpost.core.config.Suggestions;
import dev.outpost.core.json.JsonSchema;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.spi.Collector;
import dev.outpost.spi.ConfigSource;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The worker's collectors as built: names checked, built-ins added, settings from code and
 * configuration merged and checked (by the declared keys and by the collector itself), schemas
 * compiled, the allow-list applied.
 */
public final class CollectorTable {
    private static final Pattern NAME = Pattern.compile("[a-z0-9_][a-z0-9._-]{0,127}");
    private static final Set<String> WORKER_COLLECTOR_KEYS = Set.of("timeout", "max-attempts");

    private CollectorTable() {}

    /** What the builder collected about collectors. */
    public record Registrations(List<Collector> fromCode, List<Collector> discovered, boolean builtins,
            Map<String, Duration> timeouts, Map<String, Integer> attempts, Map<String, Map<String, String>> settings) {}

    /**
     * Builds the entries; problems go to {@code problems}.
     *
     * @param status the worker's status, for {@code outpost.status}
     * @param config the values the worker runs with, for {@code outpost.config}
     */
    public static Map<String, CollectorEntry> build(Registrations reg, WorkerBinding bound, Optional<ConfigSource> config,
            String workerId, Supplier<WorkerStatus> status, Supplier<Map<String, String>> configView,
            List<ConfigException.Problem> problems) {
        List<String> allowList = bound.list(WorkerBinding.ALLOW);
        Map<String, Collector> all = new LinkedHashMap<>();
        Set<String> fromCode = new TreeSet<>();
        for (Collector c : reg.fromCode()) {
            if (register(c, all, problems)) {
                fromCode.add(c.name());
            }
        }
        for (Collector c : reg.discovered()) {
            if (!all.containsKey(c.name())) {
                register(c, all, problems);
            }
        }
        Map<String, CollectorEntry> entries = new TreeMap<>();
        if (reg.builtins()) {
            for (Collector c : Builtins.all(workerId, status, () -> entries, configView)) {
                all.putIfAbsent(c.name(), c);
            }
        }
        Map<String, Map<String, String>> configured = configuredSettings(reg, config, problems);
        for (String name : configured.keySet()) {
            if (!all.containsKey(name)) {
                problems.add(new ConfigException.Problem("outpost.collectors." + name, "no collector named '" + name
                        + "' on this worker" + Suggestions.nearest(name, all.keySet()).map(n -> "; did you mean " + n + "?")
                        .orElse(" (registered: " + all.keySet() + ")")));
            }
        }
        for (Map.Entry<String, Collector> e : all.entrySet()) {
            String name = e.getKey();
            Collector c = e.getValue();
            JsonSchema schema;
            try {
                schema = JsonSchema.of(c.paramsSchema());
            } catch (RuntimeException ex) {
                problems.add(new ConfigException.Problem("collector " + name, "params schema: " + ex.getMessage()));
                continue;
            }
            Optional<JsonSchema> resultSchema;
            try {
                resultSchema = CollectorEntry.resultSchemaOf(c).map(JsonSchema::of);
            } catch (RuntimeException ex) {
                problems.add(new ConfigException.Problem("collector " + name, "result schema: " + ex.getMessage()));
                continue;
            }
            Map<String, String> fromConfig = configured.getOrDefault(name, Map.of());
            String prefix = "outpost.collectors." + name + ".";
            Duration t = reg.timeouts().containsKey(name)
                    ? (Duration) Objects.requireNonNullElse(WorkerBinding.withinLongest(prefix + "timeout",
                            reg.timeouts().get(name), problems), bound.duration(WorkerBinding.TIMEOUT))
                    : perCollector(config, prefix + "timeout", bound.duration(WorkerBinding.TIMEOUT), problems,
                            "a duration (500ms, 30s, 5m, 1h, 2d or PT30S) that fits one", v -> ConfigSource.parseDuration(v),
                            d -> !d.isNegative() && !d.isZero()
                                    && d.compareTo(WorkerBinding.LONGEST) <= 0,
                            "positive and at most " + WorkerBinding.LONGEST.toDays() + "d");
            int a = reg.attempts().containsKey(name) ? reg.attempts().get(name)
                    : perCollector(config, prefix + "max-attempts", bound.integer(WorkerBinding.MAX_ATTEMPTS), problems,
                            "a whole number", v -> Integer.parseInt(v.strip()), n -> n >= 1 && n <= 100, "between 1 and 100");
            Map<String, String> own = new TreeMap<>(fromConfig);
            WORKER_COLLECTOR_KEYS.forEach(own::remove);
            own.putAll(reg.settings().getOrDefault(name, Map.of()));
            Set<String> declared = ConfigKeys.get().under(prefix);
            if (!declared.isEmpty()) {
                for (String k : own.keySet()) {
                    if (!declared.contains(prefix + k)) {
                        problems.add(ConfigKeys.get().unknown(prefix + k, config.flatMap(cs -> cs.sourceOf(prefix + k))));
                    }
                }
            }
            try {
                c.validateSettings(Map.copyOf(own));
            } catch (ConfigException ce) {
                ce.problems().forEach(p -> problems.add(new ConfigException.Problem(
                        p.key().startsWith("outpost.") ? p.key() : prefix + p.key(), p.message())));
            } catch (RuntimeException ex) {
                problems.add(new ConfigException.Problem(prefix + "*", "collector '" + name + "' refused its settings: "
                        + ex.getMessage()));
            }
            boolean allowed = allowList.isEmpty()
                    ? fromCode.contains(name) || Builtins.OPEN_BY_DEFAULT.contains(name)
                    : Patterns.anyMatches(allowList, name);
            entries.put(name, new CollectorEntry(c, schema, allowed, name.equals(Builtins.CONFIG), t, a, Map.copyOf(own),
                    resultSchema));
        }
        for (String pattern : allowList) {
            if (!pattern.equals("*") && all.keySet().stream().noneMatch(n -> Patterns.matches(pattern, n))) {
                problems.add(new ConfigException.Problem(WorkerBinding.ALLOW, ConfigSource.quote(pattern)
                        + " matches no registered collector (registered: " + all.keySet() + ")"));
            }
        }
        return entries;
    }

    private static <T> T perCollector(Optional<ConfigSource> config, String key, T fallback, List<ConfigException.Problem> problems,
            String form, java.util.function.Function<String, T> parse, java.util.function.Predicate<T> valid, String rule) {
        Optional<String> text = config.flatMap(c -> c.string(key)).filter(v -> !v.isBlank());
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            T v = parse.apply(text.get());
            if (valid.test(v)) {
                return v;
            }
            problems.add(new ConfigException.Problem(key, "must be " + rule + ", was " + config.get().shown(key, text.get())
                    + config.get().from(key)));
        } catch (RuntimeException e) { // the parsers' messages quote the value in full: not repeated
            problems.add(new ConfigException.Problem(key, config.get().shown(key, text.get()) + " is not " + form
                    + config.get().from(key)));
        }
        return fallback;
    }

    private static boolean register(Collector c, Map<String, Collector> all, List<ConfigException.Problem> problems) {
        String name;
        try {
            name = c.name();
        } catch (RuntimeException e) {
            problems.add(new ConfigException.Problem("collector " + c.getClass().getName(), "name() threw " + e));
            return false;
        }
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add(new ConfigException.Problem("collector " + name,
                    "names are lower-case letters, digits, '.', '-' and '_' (at most 128), e.g. disk.usage"));
            return false;
        }
        if (name.startsWith("outpost.")) {
            problems.add(new ConfigException.Problem("collector " + name, "names starting with 'outpost.' are reserved"));
            return false;
        }
        if (all.putIfAbsent(name, c) != null) {
            problems.add(new ConfigException.Problem("collector " + name, "registered twice"));
            return false;
        }
        return true;
    }

    /** {@code outpost.collectors.NAME.KEY} from configuration, by collector name. */
    private static Map<String, Map<String, String>> configuredSettings(Registrations reg, Optional<ConfigSource> config,
            List<ConfigException.Problem> problems) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        if (config.isEmpty()) {
            return out;
        }
        Set<String> names = new TreeSet<>();
        names.addAll(reg.fromCode().stream().map(Collector::name).filter(Objects::nonNull).toList());
        names.addAll(reg.discovered().stream().map(Collector::name).filter(Objects::nonNull).toList());
        names.addAll(Builtins.NAMES);
        for (String key : config.get().keys()) {
            if (!key.startsWith("outpost.collectors.") || key.equals(WorkerBinding.ALLOW)) {
                continue;
            }
            String rest = key.substring("outpost.collectors.".length());
            // names contain dots: the longest registered name that prefixes the key wins
            String name = names.stream().filter(n -> rest.startsWith(n + ".")).max((a, b) -> a.length() - b.length())
                    .orElse(rest.contains(".") ? rest.substring(0, rest.lastIndexOf('.')) : rest);
            String setting = rest.length() > name.length() ? rest.substring(name.length() + 1) : "";
            if (setting.isEmpty()) {
                problems.add(new ConfigException.Problem(key, "collector settings are outpost.collectors.NAME.KEY"));
                continue;
            }
            out.computeIfAbsent(name, k -> new TreeMap<>()).put(setting, config.get().string(key).orElse(""));
        }
        return out;
    }

    /** Closes the collectors that hold resources (connection pools, threads), each inside {@code guard}. */
    static void closeAll(Iterable<CollectorEntry> entries, Guard guard) {
        for (CollectorEntry e : entries) {
            if (e.collector() instanceof AutoCloseable c) {
                guard.run("closing collector '" + e.collector().name() + "'", () -> {
                    try {
                        c.close();
                    } catch (Exception ex) {
                        throw new CompletionException(ex);
                    }
                });
            }
        }
    }
}
