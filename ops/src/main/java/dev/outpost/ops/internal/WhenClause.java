package dev.outpost.ops.internal;

import dev.outpost.ops.Rule;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a rule's {@code when}: conditions joined by {@code ;} or the word {@code and} (between
 * spaces), each {@code PATH OP VALUE}. A value in double quotes may hold {@code ;}, {@code and} and
 * spaces ({@code status == "rock and roll"}; {@code \"} and {@code \\} inside), and loses its quotes;
 * quotes inside an unquoted value are kept as written, but still protect what they enclose.
 */
public final class WhenClause {
    private WhenClause() {}

    /** A {@code when} that cannot be read; the message quotes the part at fault. */
    public static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    /** The conditions of {@code when}, in order. @throws Malformed naming the first bad part */
    public static List<Rule.Condition> parse(String when) throws Malformed {
        List<Rule.Condition> out = new ArrayList<>();
        for (String part : split(when)) {
            if (!part.isBlank()) {
                out.add(condition(part.trim()));
            }
        }
        return out;
    }

    private static List<String> split(String when) throws Malformed {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < when.length(); i++) {
            char ch = when.charAt(i);
            if (quoted) {
                cur.append(ch);
                if (ch == '\\' && i + 1 < when.length()) {
                    cur.append(when.charAt(++i)); // an escaped quote does not end the quote
                } else if (ch == '"') {
                    quoted = false;
                }
            } else if (ch == '"') {
                quoted = true;
                cur.append(ch);
            } else if (ch == ';') {
                parts.add(cur.toString());
                cur.setLength(0);
            } else if (isAndAt(when, i)) {
                parts.add(cur.toString());
                cur.setLength(0);
                i += 2;
            } else {
                cur.append(ch);
            }
        }
        if (quoted) {
            throw new Malformed("'" + Text.clip(cur.toString().trim(), 80) + "' has an unterminated quote");
        }
        parts.add(cur.toString());
        return parts;
    }

    /** {@code and} as a word of its own: white space (or the start, the end) on both sides. */
    private static boolean isAndAt(String s, int i) {
        return s.startsWith("and", i) && (i == 0 || Character.isWhitespace(s.charAt(i - 1)))
                && (i + 3 == s.length() || Character.isWhitespace(s.charAt(i + 3)));
    }

    /** Split at the operator that comes first (the longest there), so a value may hold one: {@code cmd ~ 2>&1}. */
    private static Rule.Condition condition(String text) throws Malformed {
        int at = -1;
        String op = null;
        for (String o : Rule.Condition.OPS) { // longest first: at a tie the longer one stays
            int i = text.indexOf(o);
            if (i > 0 && (at < 0 || i < at)) {
                at = i;
                op = o;
            }
        }
        String path = at < 0 ? "" : text.substring(0, at).trim();
        String value = at < 0 ? "" : text.substring(at + op.length()).trim();
        if (!path.matches("[A-Za-z0-9_.-]{1,200}") || value.isEmpty()) {
            throw new Malformed("'" + Text.clip(text, 80) + "' is not PATH OP VALUE with OP one of " + Rule.Condition.OPS);
        }
        return new Rule.Condition(path, op, value.startsWith("\"") ? unquote(value, text) : value);
    }

    private static String unquote(String value, String text) throws Malformed {
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '\\' && i + 1 < value.length() && (value.charAt(i + 1) == '"' || value.charAt(i + 1) == '\\')) {
                out.append(value.charAt(++i));
            } else if (ch == '"') {
                if (i != value.length() - 1) {
                    throw new Malformed("'" + Text.clip(text, 80) + "' has text after the closing quote");
                }
                return out.toString();
            } else {
                out.append(ch);
            }
        }
        throw new Malformed("'" + Text.clip(text, 80) + "' has an unterminated quote");
    }
}
