package dev.outpost.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A rule: when an {@link Observation} matches the criteria, do the action (and undo it later).
 *
 * @param name the rule's name
 * @param collector the collector whose results it looks at
 * @param conditions all must hold on the result
 * @param tags the host must carry all of them
 * @param severity when present, the result's {@code severity} field must be at least this
 *     ({@code low < medium < high < critical})
 * @param action what to do
 * @param undo what to do after a delay, if anything
 * @param maxFirings at most this many firings per {@code window}
 * @param window the rate limit's window
 * @param dryRun announce the action instead of doing it
 */
public record Rule(String name, String collector, List<Condition> conditions, Set<String> tags,
        Optional<String> severity, Action action, Optional<Undo> undo, int maxFirings, Duration window, boolean dryRun) {
    /** Severities, lowest first. */
    public static final List<String> SEVERITIES = List.of("low", "medium", "high", "critical");

    /**
     * Copies and checks the components.
     *
     * @throws IllegalArgumentException when {@code severity} is none of {@link #SEVERITIES}
     */
    public Rule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(collector, "collector");
        conditions = List.copyOf(conditions);
        tags = Set.copyOf(tags);
        Objects.requireNonNull(severity, "severity");
        // an unknown severity ranks below low: the rule would match every result, severity or not
        if (severity.isPresent() && !SEVERITIES.contains(severity.get())) {
            throw new IllegalArgumentException("unknown severity '" + severity.get() + "', expected one of " + SEVERITIES);
        }
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(undo, "undo");
        Objects.requireNonNull(window, "window");
    }

    /** Whether {@code o} meets every criterion. */
    public boolean matches(Observation o) {
        if (!o.collector().equals(collector) || !o.tags().containsAll(tags)) {
            return false;
        }
        if (severity.isPresent()) {
            int have = SEVERITIES.indexOf(o.result().path("severity").asText(""));
            if (have < SEVERITIES.indexOf(severity.get())) {
                return false;
            }
        }
        return conditions.stream().allMatch(c -> c.test(o.result()));
    }

    /**
     * {@code path OP value}: the value at a dotted path of the result ({@code a.b.0.c}) compared with
     * a literal; numbers compare as numbers, anything else as text. Ops: {@code == != > >= < <=}
     * and {@code ~} (contains).
     *
     * @param path dotted path into the result
     * @param op the comparison
     * @param value the literal
     */
    public record Condition(String path, String op, String value) {
        /** The ops, longest first so that parsing finds {@code >=} before {@code >}. */
        public static final List<String> OPS = List.of("==", "!=", ">=", "<=", ">", "<", "~");

        /** Checks the op. */
        public Condition {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(value, "value");
            if (!OPS.contains(op)) {
                throw new IllegalArgumentException("unknown comparison '" + op + "', expected one of " + OPS);
            }
        }

        /** The longest number read: BigDecimal parses this many digits in microseconds, and no measure needs more. */
        private static final int MAX_NUMBER_CHARS = 1000;
        /** Possessive throughout: a host's value of a million digits and a letter is refused in one pass, no backtracking. */
        private static final java.util.regex.Pattern NUMERIC = java.util.regex.Pattern.compile(
                "\\s*+[-+]?+(?:\\d++(?:\\.\\d*+)?+|\\.\\d++)(?:[eE][-+]?+\\d++)?+\\s*+");

        private static boolean looksNumeric(String s) {
            return NUMERIC.matcher(s).matches();
        }

        /**
         * Whether the condition holds on {@code result}; a missing field never matches, nor does a
         * number too long to read.
         */
        public boolean test(JsonNode result) {
            JsonNode v = at(result, path);
            if (v.isMissingNode() || v.isNull() || v.isContainerNode()) {
                return false;
            }
            String text = v.asText();
            if (op.equals("~")) {
                return text.contains(value);
            }
            Optional<BigDecimal> a = number(text);
            Optional<BigDecimal> b = number(value);
            if (a.isEmpty() && looksNumeric(text) || b.isEmpty() && looksNumeric(value)) {
                return false; // a number too long (or its exponent too large) to read: like a missing field
            }
            int cmp = a.isPresent() && b.isPresent() ? a.get().compareTo(b.get()) : text.compareTo(value);
            return switch (op) {
                case "==" -> cmp == 0;
                case "!=" -> cmp != 0;
                case ">" -> cmp > 0;
                case ">=" -> cmp >= 0;
                case "<" -> cmp < 0;
                default -> cmp <= 0;
            };
        }

        private static Optional<BigDecimal> number(String s) {
            if (s.length() > MAX_NUMBER_CHARS) {
                return Optional.empty();
            }
            try {
                return Optional.of(new BigDecimal(s.trim()));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    /** The value at a dotted path ({@code a.b.0}); missing when absent. */
    public static JsonNode at(JsonNode root, String path) {
        return root.at("/" + path.replace("~", "~0").replace("/", "~1").replace('.', '/'));
    }

    /** The kinds of action. */
    public enum Kind {
        /** Call a collector on the host or on the hosts a selector picks. */
        CALL,
        /** Write a JSON object to a registry key. */
        REGISTRY,
        /** Send a message to the chat. */
        NOTIFY
    }

    /**
     * What a rule does. Text in {@code target}, {@code params}, {@code key} and {@code message}
     * may hold {@code ${host}}, {@code ${rule}} and {@code ${result.PATH}}.
     *
     * @param kind what kind of action
     * @param collector for CALL: the collector to call
     * @param target for CALL: {@code self} (the observed host) or a selector
     * @param params for CALL: the parameters; for REGISTRY: the fields written
     * @param key for REGISTRY: the key written
     * @param message for NOTIFY: the message
     */
    public record Action(Kind kind, String collector, String target, Map<String, String> params, String key,
            String message) {
        /** Copies the parameters. */
        public Action {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(collector, "collector");
            Objects.requireNonNull(target, "target");
            params = java.util.Collections.unmodifiableMap(new TreeMap<>(params));
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * An automatic undo: after {@code after}, do {@code action} (a CALL, or a REGISTRY action whose
     * key is deleted when its params are empty). Undos are stored before the action runs and survive
     * restarts.
     *
     * @param after the delay
     * @param action what to do then
     */
    public record Undo(Duration after, Action action) {
        /** Checks the components. */
        public Undo {
            Objects.requireNonNull(after, "after");
            Objects.requireNonNull(action, "action");
        }
    }
}
