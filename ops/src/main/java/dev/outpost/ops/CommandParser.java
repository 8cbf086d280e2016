package dev.outpost.ops;

import dev.outpost.core.config.Suggestions;
import dev.outpost.ops.internal.Text;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Parses chat-ops commands (the grammar is in the module's README). Words are separated by
 * white space; the command words are case-insensitive; a leading {@code /} or {@code !} is
 * ignored. Input longer than {@link #MAX_LENGTH} is refused. Thread-safe and stateless.
 */
public final class CommandParser {
    /** The longest command accepted, in characters. */
    public static final int MAX_LENGTH = 2000;
    /** The most parameters of one {@code run}. */
    public static final int MAX_PARAMS = 32;

    /** Each command's words and usage, in help order. */
    public static final Map<String, String> USAGE;

    static {
        Map<String, String> u = new LinkedHashMap<>();
        u.put("help", "help [COMMAND]");
        u.put("list servers", "list servers");
        u.put("describe server", "describe server ID");
        u.put("servers with tag", "servers with tag TAG");
        u.put("jobs", "jobs");
        u.put("health", "health");
        u.put("config", "config");
        u.put("run", "run COLLECTOR on SELECTOR [with KEY=VALUE[, KEY=VALUE]...]");
        USAGE = java.util.Collections.unmodifiableMap(u);
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** A tag as fleet members register them ({@code eu/west}, {@code role:web}). */
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9._:/-]{1,64}");
    /** A host id as the fleet takes it. */
    private static final Pattern HOST_ID = Pattern.compile("[A-Za-z0-9._:@-]{1,200}");
    /**
     * What the fleet takes: a host id (1 to 200 of {@code [A-Za-z0-9._:@-]}) bare only without a {@code :}, which
     * would read as selector text; the parser let through words the fleet then refused, answered as a failure.
     */
    private static final Pattern SELECTOR = Pattern.compile("all|\\*|tag:" + TAG.pattern()
            + "|host:" + HOST_ID.pattern() + "|[A-Za-z0-9._@-]{1,200}");
    private static final Pattern KEY = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,63}");

    private CommandParser() {}

    /**
     * The command {@code text} says.
     *
     * @throws CommandException when it says none, naming the nearest commands
     */
    public static Command parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.length() > MAX_LENGTH) {
            throw new CommandException("command too long (" + t.length() + " characters, at most " + MAX_LENGTH + ")",
                    List.of());
        }
        if (t.startsWith("/") || t.startsWith("!")) {
            t = t.substring(1).strip();
        }
        if (t.isEmpty()) {
            throw new CommandException("empty command; try: help", List.of(USAGE.get("help")));
        }
        String[] w = t.split("\\s+");
        String w0 = w[0].toLowerCase(Locale.ROOT);
        String w1 = w.length > 1 ? w[1].toLowerCase(Locale.ROOT) : "";
        String w2 = w.length > 2 ? w[2].toLowerCase(Locale.ROOT) : "";
        switch (w0) {
            case "help":
                if (w.length == 1) {
                    return new Command.Help(Optional.empty());
                }
                return new Command.Help(Optional.of(String.join(" ", Arrays.copyOfRange(w, 1, w.length))
                        .toLowerCase(Locale.ROOT)));
            case "list":
                if (w.length == 2 && (w1.equals("servers") || w1.equals("hosts"))) {
                    return new Command.ListServers();
                }
                throw usage("list servers", t);
            case "describe":
                if (w.length == 3 && (w1.equals("server") || w1.equals("host"))) {
                    return new Command.DescribeServer(checked(HOST_ID, w[2], "server id", "describe server"));
                }
                throw usage("describe server", t);
            case "servers":
                if (w.length == 4 && w1.equals("with") && w2.equals("tag")) {
                    return new Command.ServersWithTag(checked(TAG, w[3], "tag", "servers with tag"));
                }
                throw usage("servers with tag", t);
            case "jobs":
            case "health":
            case "config":
                if (w.length == 1) {
                    return switch (w0) {
                        case "jobs" -> new Command.Jobs();
                        case "health" -> new Command.Health();
                        default -> new Command.Config();
                    };
                }
                throw usage(w0, t);
            case "run":
                return run(w, t);
            default:
                throw unknown(t);
        }
    }

    private static Command run(String[] w, String t) {
        if (w.length < 4 || !w[2].equalsIgnoreCase("on")) {
            throw usage("run", t);
        }
        String collector = name(w[1], "collector", "run");
        if (!SELECTOR.matcher(w[3]).matches()) {
            throw new CommandException("'" + Text.clip(Text.printable(w[3]), 80)
                    + "' is not a selector (all, tag:T, host:ID or a host id)", List.of(USAGE.get("run")));
        }
        java.util.SortedMap<String, String> params = new TreeMap<>();
        if (w.length > 4) {
            if (!w[4].equalsIgnoreCase("with") || w.length == 5) {
                throw usage("run", t);
            }
            String rest = String.join(" ", Arrays.copyOfRange(w, 5, w.length));
            for (String pair : rest.split("[,\\s]+")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String k = eq < 0 ? pair : pair.substring(0, eq);
                if (eq <= 0 || !KEY.matcher(k).matches()) {
                    throw new CommandException("'" + Text.clip(Text.printable(pair), 80) + "' is not KEY=VALUE",
                            List.of(USAGE.get("run")));
                }
                if (params.put(k, pair.substring(eq + 1)) != null) {
                    throw new CommandException("parameter '" + k + "' given twice", List.of(USAGE.get("run")));
                }
                if (params.size() > MAX_PARAMS) {
                    throw new CommandException("more than " + MAX_PARAMS + " parameters", List.of(USAGE.get("run")));
                }
            }
        }
        return new Command.Run(collector, w[3], params);
    }

    private static String name(String s, String what, String command) {
        return checked(NAME, s, what, command);
    }

    private static String checked(Pattern p, String s, String what, String command) {
        if (!p.matcher(s).matches()) {
            throw new CommandException("'" + Text.clip(Text.printable(s), 80) + "' is not a valid " + what,
                    List.of(USAGE.get(command)));
        }
        return s;
    }

    private static CommandException usage(String command, String t) {
        return new CommandException("'" + Text.clip(Text.printable(t), 80) + "' is incomplete or has extra words; usage: "
                + USAGE.get(command), List.of(USAGE.get(command)));
    }

    /** Unknown: commands that start with what was typed (ambiguous), else the nearest by edit distance. */
    private static CommandException unknown(String t) {
        String typed = t.toLowerCase(Locale.ROOT);
        List<String> prefixed = new ArrayList<>();
        for (String head : USAGE.keySet()) {
            if (head.startsWith(typed) || Arrays.stream(head.split(" ")).anyMatch(x -> x.startsWith(typed))) {
                prefixed.add(head);
            }
        }
        String shown = Text.clip(Text.printable(t), 80);
        if (prefixed.size() > 1) {
            return new CommandException("'" + shown + "' is ambiguous; did you mean one of: "
                    + String.join(", ", prefixed) + "?", prefixed.stream().map(USAGE::get).toList());
        }
        if (prefixed.size() == 1) {
            String u = USAGE.get(prefixed.get(0));
            return new CommandException("unknown command '" + shown + "'; did you mean: " + u + "?", List.of(u));
        }
        String[] words = typed.split("\\s+");
        List<String> near = USAGE.keySet().stream()
                .map(head -> Map.entry(head, distance(words, head)))
                .filter(e -> e.getValue() <= Math.max(2, e.getKey().length() / 3))
                .sorted(Comparator.comparingInt(Map.Entry::getValue))
                .limit(3).map(e -> USAGE.get(e.getKey())).toList();
        return new CommandException("unknown command '" + shown + "'"
                + (near.isEmpty() ? "; type help for the commands" : "; did you mean: " + String.join(" | ", near) + "?"),
                near);
    }

    private static int distance(String[] words, String head) {
        int n = head.split(" ").length;
        String typed = String.join(" ", Arrays.copyOf(words, Math.min(n, words.length)));
        return Suggestions.distance(Text.clip(typed, 64), head);
    }
}
