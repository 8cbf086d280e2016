package dev.outpost.ops.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.ops.Rule;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A rule action's text with {@code ${host}}, {@code ${rule}} and {@code ${result.PATH}} filled in. */
public final class Templates {
    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z0-9_.-]{1,200})}");
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,255}");

    private Templates() {}

    /** A value a host sent that would change what a selector picks or which registry key is written. */
    public static final class UnsafeValue extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnsafeValue(String variable, String value) {
            super("${" + variable + "} is '" + Text.clip(Text.printable(value), 64) + "', not a plain name (letters, digits, . _ -)"
                    + " as a selector or registry key needs", null, false, false);
        }

        UnsafeValue(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A selector's {@code template} filled as {@link #fill} does with {@code plain}; a host's value
     * that makes the whole selector {@code all} (a plain name, but every host) is refused too.
     *
     * @throws UnsafeValue when a value is not a plain name or the selector became {@code all}
     */
    public static String fillSelector(String template, String host, String rule, JsonNode result) {
        String s = fill(template, host, rule, result, true);
        if (s.trim().equals("all") && !template.trim().equals("all")) {
            throw new UnsafeValue("the selector '" + Text.clip(Text.printable(template), 64)
                    + "' became 'all' (every host) from a host's value");
        }
        return s;
    }

    /**
     * {@code template} filled; values from hosts are clipped, made printable and kept on one line. In a selector or a
     * registry key ({@code plain}) a value must be a plain name: a host's result of
     * {@code "x or all"} or {@code "../fleet/hosts/web-1"} must not widen a call to every host or
     * write another key.
     *
     * @throws UnsafeValue when {@code plain} and a value is not a plain name
     */
    public static String fill(String template, String host, String rule, JsonNode result, boolean plain) {
        Matcher m = VAR.matcher(template);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value;
            if (name.equals("host")) {
                value = Text.oneLine(host);
            } else if (name.equals("rule")) {
                value = rule;
            } else if (name.startsWith("result.")) {
                JsonNode v = Rule.at(result, name.substring(7));
                value = v.isValueNode() ? Text.clip(Text.oneLine(v.asText()), 256) : ""; // a line break would forge a notification
            } else {
                value = "";
            }
            if (plain && !PLAIN.matcher(value).matches()) {
                throw new UnsafeValue(name, value);
            }
            m.appendReplacement(b, Matcher.quoteReplacement(value));
        }
        m.appendTail(b);
        return b.toString();
    }
}
