package dev.outpost.ops.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.ops.Rule;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An undo read back from the registry, checked before it is done: whoever can write the store's
 * prefix could otherwise have any collector called on any hosts. It must be what this engine's own
 * rules could have stored: a configured rule with an undo, that undo's kind, collector and parameter
 * names, its target and key templates filled with plain names, within size limits. This does not
 * prove an engine wrote it (a writer can still forge one a rule could have made); that takes a MAC.
 */
public final class StoredUndo {
    /** The longest undo record read, as JSON. */
    public static final int MAX_CHARS = 16 * 1024;
    /** The longest filled value (a template's text and its values, each value at most 256). */
    private static final int MAX_VALUE_CHARS = 4096;
    private static final Set<String> FIELDS = Set.of("rule", "host", "due", "action", "attempts");
    private static final Set<String> ACTION_FIELDS = Set.of("kind", "collector", "target", "params", "key", "message");
    /** What a fleet host id may be: a selector's {@code host:ID} made from it must pick that host alone. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:@-]{1,200}");
    private static final Pattern VAR = Pattern.compile("\\$\\{[A-Za-z0-9_.-]{1,200}}");
    private static final String PLAIN = "[A-Za-z0-9][A-Za-z0-9_.-]{0,255}";
    /** A value from a host as Templates fills text: one line, at most 256 characters ('.' matches no line break). */
    private static final String ANY = ".{0,256}";

    private StoredUndo() {}

    /** Why a stored undo is not done. */
    public static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        Rejected(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * The action to do for {@code record}, checked against {@code rules} (by name).
     *
     * @throws Rejected saying why, in words safe to log (nothing of the record is quoted but clipped, printable names)
     */
    public static Rule.Action check(JsonNode record, Map<String, List<Rule>> rules) throws Rejected {
        if (!record.isObject() || record.toString().length() > MAX_CHARS) {
            throw new Rejected("not a JSON object of at most " + MAX_CHARS + " characters");
        }
        onlyFields(record, FIELDS, "the record");
        JsonNode action = record.path("action");
        if (!action.isObject()) {
            throw new Rejected("it has no action");
        }
        onlyFields(action, ACTION_FIELDS, "the action");
        String host = text(record, "host");
        if (!HOST.matcher(host).matches()) {
            throw new Rejected("its host is not a host id");
        }
        if (record.has("attempts") && (!record.path("attempts").canConvertToInt() || record.path("attempts").asInt() < 0)) {
            throw new Rejected("its attempts are not a count");
        }
        String rule = text(record, "rule");
        List<Rule> named = rules.getOrDefault(rule, List.of()).stream().filter(r -> r.undo().isPresent()).toList();
        if (named.isEmpty()) {
            throw new Rejected("no rule '" + Text.clip(Text.oneLine(rule), 64) + "' with an undo is configured here");
        }
        String last = null;
        for (Rule r : named) {
            try {
                return matching(action, r.undo().get().action());
            } catch (Rejected e) {
                last = e.getMessage();
            }
        }
        throw new Rejected("it is not what rule " + Text.clip(Text.oneLine(rule), 64) + "'s undo stores: " + last);
    }

    private static Rule.Action matching(JsonNode action, Rule.Action expected) throws Rejected {
        if (!text(action, "kind").equals(expected.kind().name())) {
            throw new Rejected("another kind of action");
        }
        if (!text(action, "collector").equals(expected.collector())) {
            throw new Rejected("another collector");
        }
        String target = action.has("target") ? text(action, "target") : "self";
        if (!fits(target, expected.target(), PLAIN) || target.trim().equals("all") && !expected.target().trim().equals("all")) {
            throw new Rejected("another target");
        }
        if (!fits(text(action, "key"), expected.key(), PLAIN)) {
            throw new Rejected("another key");
        }
        if (!fits(text(action, "message"), expected.message(), ANY)) {
            throw new Rejected("another message");
        }
        JsonNode params = action.path("params");
        if (!params.isObject() && !params.isMissingNode()) {
            throw new Rejected("its params are not an object");
        }
        Map<String, String> filled = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> p = it.next();
            String template = expected.params().get(p.getKey());
            if (template == null || !p.getValue().isTextual() || !fits(p.getValue().asText(), template, ANY)) {
                throw new Rejected("another parameter, or a parameter's value");
            }
            filled.put(p.getKey(), p.getValue().asText());
        }
        if (!filled.keySet().equals(expected.params().keySet())) {
            throw new Rejected("a parameter missing");
        }
        return new Rule.Action(expected.kind(), expected.collector(), target, filled, text(action, "key"), text(action, "message"));
    }

    /** Whether {@code value} is {@code template} with each {@code ${...}} filled by text matching {@code fill}. */
    private static boolean fits(String value, String template, String fill) {
        if (value.length() > MAX_VALUE_CHARS) {
            return false;
        }
        StringBuilder regex = new StringBuilder();
        Matcher m = VAR.matcher(template);
        int at = 0;
        while (m.find()) {
            regex.append(Pattern.quote(template.substring(at, m.start()))).append("(?:").append(fill).append(')');
            at = m.end();
        }
        regex.append(Pattern.quote(template.substring(at)));
        return Pattern.compile(regex.toString()).matcher(value).matches();
    }

    private static String text(JsonNode n, String field) throws Rejected {
        JsonNode v = n.path(field);
        if (v.isMissingNode()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new Rejected("its " + field + " is not text");
        }
        return v.asText();
    }

    private static void onlyFields(JsonNode n, Set<String> allowed, String what) throws Rejected {
        Set<String> extra = new HashSet<>();
        n.fieldNames().forEachRemaining(f -> {
            if (!allowed.contains(f)) {
                extra.add(f);
            }
        });
        if (!extra.isEmpty()) {
            throw new Rejected(what + " has fields no engine writes");
        }
    }
}
