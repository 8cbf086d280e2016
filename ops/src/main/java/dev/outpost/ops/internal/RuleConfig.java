package dev.outpost.ops.internal;

import dev.outpost.ConfigException;
import dev.outpost.ops.OutpostFleet;
import dev.outpost.ops.Rule;
import dev.outpost.spi.ConfigSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads rules from {@code outpost.ops.rules.NAME.*}; every problem is collected with its key, value
 * and source.
 */
public final class RuleConfig {
    public static final String PREFIX = "outpost.ops.rules.";
    /** Engine-wide keys under the prefix: not rule names. */
    public static final Set<String> GLOBAL = Set.of("dry-run", "store", "poll", "queue");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Pattern RATE = Pattern.compile("(\\d{1,6})/(.+)");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{[A-Za-z0-9_.-]{1,200}}");
    /** The longest undo delay or rate window: far enough, and the clock can always add it. */
    public static final Duration MAX_DURATION = Duration.ofDays(3650);
    private static final Set<String> FIELDS = Set.of("collector", "when", "tags", "severity", "action", "action.collector",
            "action.target", "action.key", "action.message", "undo.after", "undo.action", "undo.collector", "undo.target",
            "undo.key", "rate", "dry-run");

    private RuleConfig() {}

    public static List<Rule> read(ConfigSource c, List<ConfigException.Problem> problems) {
        Map<String, Map<String, String>> byRule = new TreeMap<>();
        for (String k : c.keys()) {
            if (!k.startsWith(PREFIX)) {
                continue;
            }
            String rest = k.substring(PREFIX.length());
            int dot = rest.indexOf('.');
            String name = dot < 0 ? rest : rest.substring(0, dot);
            if (GLOBAL.contains(rest)) {
                continue;
            }
            if (dot < 0 || !NAME.matcher(name).matches()) {
                problems.add(unknown(c, k, "is not outpost.ops.rules.NAME.FIELD with NAME of a-z, 0-9 and -"));
                continue;
            }
            String field = rest.substring(dot + 1);
            if (!FIELDS.contains(field) && !field.startsWith("action.params.") && !field.startsWith("undo.params.")) {
                problems.add(unknown(c, k, "is not a rule field; fields: " + new java.util.TreeSet<>(FIELDS)
                        + ", action.params.P, undo.params.P"));
                continue;
            }
            byRule.computeIfAbsent(name, n -> new TreeMap<>()).put(field, k);
        }
        List<Rule> rules = new ArrayList<>();
        byRule.forEach((name, fields) -> {
            int before = problems.size();
            Rule r = rule(c, name, problems);
            if (problems.size() == before && r != null) {
                rules.add(r);
            }
        });
        return rules;
    }

    private static Rule rule(ConfigSource c, String name, List<ConfigException.Problem> problems) {
        String p = PREFIX + name + ".";
        String collector = required(c, p + "collector", problems);
        List<Rule.Condition> conditions = new ArrayList<>();
        c.string(p + "when").ifPresent(when -> {
            try {
                conditions.addAll(WhenClause.parse(when));
            } catch (WhenClause.Malformed e) {
                problems.add(problem(c, p + "when", e.getMessage()));
            }
        });
        Set<String> tags = new LinkedHashSet<>(c.list(p + "tags"));
        Optional<String> severity = c.string(p + "severity").map(s -> s.trim().toLowerCase(Locale.ROOT));
        if (severity.isPresent() && !Rule.SEVERITIES.contains(severity.get())) {
            problems.add(problem(c, p + "severity", "must be one of " + Rule.SEVERITIES));
            severity = Optional.empty(); // the problem is reported; the rule is dropped with it
        }
        Rule.Action action = action(c, p + "action", true, problems);
        Optional<Rule.Undo> undo = Optional.empty();
        if (c.string(p + "undo.after").isPresent()) {
            Duration after = duration(c, p + "undo.after", problems);
            Rule.Action a = action(c, p + "undo", false, problems);
            if (after != null && a != null) {
                if (a.kind() == Rule.Kind.NOTIFY) {
                    problems.add(problem(c, p + "undo.action", "an undo is a call or a registry write"));
                }
                undo = Optional.of(new Rule.Undo(after, a));
            }
        }
        int max = Integer.MAX_VALUE;
        Duration window = Duration.ofHours(1);
        Optional<String> rate = c.string(p + "rate").filter(s -> !s.isBlank());
        if (rate.isPresent()) {
            Matcher m = RATE.matcher(rate.get().trim());
            Duration w = null;
            if (m.matches()) {
                try {
                    w = parseDuration(m.group(2));
                } catch (RuntimeException e) {
                    w = null;
                }
            }
            if (w == null || w.isZero() || w.isNegative() || w.compareTo(MAX_DURATION) > 0 || Integer.parseInt(m.group(1)) < 1) {
                problems.add(problem(c, p + "rate", "must be N/DURATION, such as 10/1h, DURATION at most 3650d"));
            } else {
                max = Integer.parseInt(m.group(1));
                window = w;
            }
        }
        boolean dry = false;
        try {
            dry = c.booleanValue(p + "dry-run").orElse(false);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        if (collector == null || action == null) {
            return null;
        }
        return new Rule(name, collector, conditions, tags, severity, action, undo, max, window, dry);
    }

    private static Rule.Action action(ConfigSource c, String p, boolean main, List<ConfigException.Problem> problems) {
        String kindKey = main ? p : p + ".action";
        String kindText = c.string(kindKey).orElse(main ? "" : "call").trim().toLowerCase(Locale.ROOT);
        Rule.Kind kind;
        switch (kindText) {
            case "call" -> kind = Rule.Kind.CALL;
            case "registry" -> kind = Rule.Kind.REGISTRY;
            case "notify" -> kind = Rule.Kind.NOTIFY;
            default -> {
                problems.add(problem(c, kindKey, "must be call, registry or notify"));
                return null;
            }
        }
        Map<String, String> params = new TreeMap<>();
        String pp = p + ".params.";
        for (String k : c.keys()) {
            if (k.startsWith(pp)) {
                c.string(k).ifPresent(v -> params.put(k.substring(pp.length()), v));
            }
        }
        String collector = "";
        String key = "";
        String message = "";
        if (kind == Rule.Kind.CALL) {
            collector = Optional.ofNullable(required(c, p + ".collector", problems)).orElse("");
        } else if (kind == Rule.Kind.REGISTRY) {
            key = Optional.ofNullable(required(c, p + ".key", problems)).orElse("");
        } else {
            message = Optional.ofNullable(required(c, p + ".message", problems)).orElse("");
        }
        String target = c.string(p + ".target").filter(s -> !s.isBlank()).orElse("self");
        if (kind == Rule.Kind.CALL && !target.trim().equals("self")) {
            // read now, as each firing will (its values from hosts are plain names): else the rule fails at every firing
            try {
                OutpostFleet.selector(VARIABLE.matcher(target).replaceAll("x"));
            } catch (IllegalArgumentException e) {
                problems.add(problem(c, p + ".target", "is not a selector (self, all, tag:T, host:ID, a host id or selector"
                        + " text such as id:web-* or fact:os.name=Linux): " + e.getMessage()));
            }
        }
        return new Rule.Action(kind, collector, target, params, key, message);
    }

    private static String required(ConfigSource c, String key, List<ConfigException.Problem> problems) {
        Optional<String> v = c.string(key).filter(s -> !s.isBlank());
        if (v.isEmpty()) {
            problems.add(new ConfigException.Problem(key, "is required but not set"));
            return null;
        }
        return v.get().trim();
    }

    private static Duration duration(ConfigSource c, String key, List<ConfigException.Problem> problems) {
        try {
            Duration d = c.duration(key).orElse(null);
            if (d != null && (d.isNegative() || d.isZero() || d.compareTo(MAX_DURATION) > 0)) {
                problems.add(problem(c, key, "must be positive and at most 3650d"));
                return null;
            }
            return d;
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return null;
        }
    }

    private static Duration parseDuration(String s) {
        MapSource one = new MapSource(Map.of("x", s));
        return one.duration("x").orElseThrow();
    }

    private static ConfigException.Problem problem(ConfigSource c, String key, String message) {
        String value = c.string(key).map(v -> " ('" + Text.clip(v, 80) + "')").orElse("");
        return new ConfigException.Problem(key, message + value + c.from(key));
    }

    /**
     * A key that is no rule field, named without its value: like any unknown key's, it may be
     * anything (a mistyped {@code action.param.token}), and rule keys are not shown.
     */
    private static ConfigException.Problem unknown(ConfigSource c, String key, String message) {
        return new ConfigException.Problem(key, message + c.from(key));
    }

    /** A one-key source, to reuse the configuration's duration syntax. */
    private record MapSource(Map<String, String> m) implements ConfigSource {
        @Override
        public Optional<String> string(String key) {
            return Optional.ofNullable(m.get(key));
        }

        @Override
        public Set<String> keys() {
            return m.keySet();
        }

        @Override
        public Optional<String> sourceOf(String key) {
            return Optional.empty();
        }
    }

    /**
     * Rules' rates of at least one firing, and windows and undo delays within what the clock can add at every firing,
     * wherever the rules came from.
     */
    public static void checkBounds(List<Rule> rules, List<ConfigException.Problem> problems) {
        for (Rule r : rules) {
            if (r.maxFirings() < 1) {
                // every match would be counted rate-limited: a rule that never acts, in silence
                problems.add(new ConfigException.Problem(PREFIX + r.name() + ".rate",
                        "at most " + r.maxFirings() + " firings per window: must be at least 1"));
            }
            if (r.window().compareTo(MAX_DURATION) > 0 || r.window().isNegative() || r.window().isZero()) {
                problems.add(new ConfigException.Problem(PREFIX + r.name() + ".rate",
                        "the window must be positive and at most 3650d, was " + r.window()));
            }
            if (r.undo().isPresent() && (r.undo().get().after().compareTo(MAX_DURATION) > 0
                    || r.undo().get().after().isNegative())) {
                problems.add(new ConfigException.Problem(PREFIX + r.name() + ".undo.after",
                        "must be 0 to 3650d, was " + r.undo().get().after()));
            }
        }
    }
}
