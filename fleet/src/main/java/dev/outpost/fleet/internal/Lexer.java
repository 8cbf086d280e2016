package dev.outpost.fleet.internal;

import dev.outpost.fleet.SelectorException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Parses the selector text form (grammar in the fleet README) by recursive descent, with bounds
 * on length, nesting, terms and regex size so hostile input costs little.
 */
public final class Lexer {
    public static final int MAX_LENGTH = 4096;
    public static final int MAX_DEPTH = 32;
    public static final int MAX_TERMS = 256;
    public static final int MAX_REGEX = 256;

    private final String in;
    private int pos;
    private int depth;
    private int terms;

    private Lexer(String in) {
        this.in = in;
    }

    public static Node parse(String text) {
        if (text == null) {
            throw new SelectorException("", 0, "a selector", "nothing");
        }
        if (text.length() > MAX_LENGTH) {
            throw new SelectorException(text, MAX_LENGTH, "at most " + MAX_LENGTH + " characters", text.length() + " characters");
        }
        Lexer l = new Lexer(text);
        l.skipSpace();
        if (l.pos == text.length()) {
            throw new SelectorException(text, 0, "a selector (all, id:, tag:, fact:, not or '(')", "the end");
        }
        Node n = l.or();
        l.skipSpace();
        if (l.pos < text.length()) {
            throw l.error("'and', 'or' or the end");
        }
        return n;
    }

    private Node or() {
        List<Node> parts = new ArrayList<>();
        flat(parts, and(), false);
        while (keyword("or")) {
            flat(parts, and(), false);
        }
        return parts.size() == 1 ? parts.get(0) : new Node.Or(parts);
    }

    private Node and() {
        List<Node> parts = new ArrayList<>();
        flat(parts, unary(), true);
        while (keyword("and")) {
            flat(parts, unary(), true);
        }
        return parts.size() == 1 ? parts.get(0) : new Node.And(parts);
    }

    private static void flat(List<Node> parts, Node n, boolean and) {
        if (and && n instanceof Node.And a) {
            parts.addAll(a.parts());
        } else if (!and && n instanceof Node.Or o) {
            parts.addAll(o.parts());
        } else {
            parts.add(n);
        }
    }

    private Node unary() {
        if (keyword("not")) {
            enter();
            Node inner = unary();
            depth--;
            return new Node.Not(inner);
        }
        return primary();
    }

    private Node primary() {
        skipSpace();
        if (pos >= in.length()) {
            throw error("all, id:, tag:, fact:, not or '('");
        }
        if (in.charAt(pos) == '(') {
            enter();
            pos++;
            Node n = or();
            skipSpace();
            if (pos >= in.length() || in.charAt(pos) != ')') {
                throw error("')'");
            }
            pos++;
            depth--;
            return n;
        }
        if (++terms > MAX_TERMS) {
            throw new SelectorException(in, pos, "at most " + MAX_TERMS + " terms", "more");
        }
        if (keyword("all")) {
            return new Node.All();
        }
        if (in.startsWith("id:", pos)) {
            pos += 3;
            // an id list is bounded by the selector's length alone, so Selector.ids(...).text() parses back
            List<String> globs = new ArrayList<>();
            while (true) {
                int s = pos;
                while (pos < in.length() && idChar(in.charAt(pos))) {
                    pos++;
                }
                if (pos == s) {
                    throw error("a host id or glob ([A-Za-z0-9._:@-], * and ?)");
                }
                globs.add(in.substring(s, pos));
                if (pos < in.length() && in.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                break;
            }
            return new Node.Ids(globs);
        }
        if (in.startsWith("tag:", pos)) {
            pos += 4;
            return new Node.Tag(value());
        }
        if (in.startsWith("fact:", pos)) {
            pos += 5;
            int s = pos;
            while (pos < in.length() && factNameChar(in.charAt(pos))) {
                pos++;
            }
            if (pos == s) {
                throw error("a fact name ([A-Za-z0-9._-])");
            }
            String name = in.substring(s, pos);
            skipSpace();
            Node.Op op = op();
            skipSpace();
            int valueAt = pos;
            String value = value();
            return fact(name, op, value, valueAt);
        }
        throw error("all, id:, tag:, fact:, not or '('");
    }

    private Node fact(String name, Node.Op op, String value, int at) {
        switch (op) {
            case MATCH -> {
                if (value.length() > MAX_REGEX) {
                    throw new SelectorException(in, at, "a regex of at most " + MAX_REGEX + " characters", value.length() + " characters");
                }
                try {
                    return new Node.Fact(name, op, value, Pattern.compile(value), null);
                } catch (PatternSyntaxException e) {
                    throw new SelectorException(in, at + Math.max(0, e.getIndex()), "a valid regex", "'" + e.getDescription() + "'");
                }
            }
            case LT, LE, GT, GE -> {
                BigDecimal n = number(value);
                if (n == null) {
                    throw new SelectorException(in, at, "a number after " + op.symbol(), "'" + clip(value) + "'");
                }
                return new Node.Fact(name, op, value, null, n);
            }
            default -> {
                return new Node.Fact(name, op, value, null, null);
            }
        }
    }

    private Node.Op op() {
        if (in.startsWith("!=", pos)) {
            pos += 2;
            return Node.Op.NE;
        }
        if (in.startsWith("<=", pos)) {
            pos += 2;
            return Node.Op.LE;
        }
        if (in.startsWith(">=", pos)) {
            pos += 2;
            return Node.Op.GE;
        }
        if (pos < in.length()) {
            switch (in.charAt(pos)) {
                case '=' -> {
                    pos++;
                    return Node.Op.EQ;
                }
                case '~' -> {
                    pos++;
                    return Node.Op.MATCH;
                }
                case '<' -> {
                    pos++;
                    return Node.Op.LT;
                }
                case '>' -> {
                    pos++;
                    return Node.Op.GT;
                }
                default -> { }
            }
        }
        throw error("an operator (=, !=, ~, <, <=, >, >=)");
    }

    /** A bare word or a "quoted string" with \" and \\ escapes. */
    private String value() {
        if (pos < in.length() && in.charAt(pos) == '"') {
            int start = pos;
            pos++;
            StringBuilder b = new StringBuilder();
            while (pos < in.length()) {
                char c = in.charAt(pos++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    if (pos >= in.length()) {
                        break;
                    }
                    char e = in.charAt(pos++);
                    if (e != '"' && e != '\\') {
                        b.append('\\'); // a regex escape such as \d stays as written
                    }
                    b.append(e);
                } else if (Character.isISOControl(c)) {
                    throw new SelectorException(in, pos - 1, "a printable character", "a control character");
                } else {
                    b.append(c);
                }
            }
            throw new SelectorException(in, start, "a closing '\"'", "the end");
        }
        int s = pos;
        while (pos < in.length() && !Character.isWhitespace(in.charAt(pos)) && in.charAt(pos) != '(' && in.charAt(pos) != ')'
                && in.charAt(pos) != '"' && !Character.isISOControl(in.charAt(pos))) {
            pos++;
        }
        if (pos == s) {
            throw error("a value (a word or a \"quoted string\")");
        }
        return in.substring(s, pos);
    }

    private boolean keyword(String word) {
        skipSpace();
        if (in.startsWith(word, pos)) {
            int end = pos + word.length();
            if (end == in.length() || Character.isWhitespace(in.charAt(end)) || in.charAt(end) == '(' || in.charAt(end) == ')') {
                pos = end;
                return true;
            }
        }
        return false;
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw new SelectorException(in, pos, "at most " + MAX_DEPTH + " levels of nesting", "deeper nesting");
        }
    }

    private void skipSpace() {
        while (pos < in.length() && Character.isWhitespace(in.charAt(pos))) {
            pos++;
        }
    }

    private SelectorException error(String expected) {
        String found;
        if (pos >= in.length()) {
            found = "the end";
        } else {
            int e = pos;
            while (e < in.length() && e - pos < 20 && !Character.isWhitespace(in.charAt(e))) {
                e++;
            }
            found = "'" + in.substring(pos, Math.max(e, pos + 1)) + "'";
        }
        return new SelectorException(in, pos, expected, found);
    }

    static boolean idChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':'
                || c == '@' || c == '-' || c == '*' || c == '?';
    }

    static boolean factNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-';
    }

    /** A decimal number, or null; bounded in length so parsing costs little. */
    public static BigDecimal number(String s) {
        if (s.isEmpty() || s.length() > 40) {
            return null;
        }
        try {
            BigDecimal d = new BigDecimal(s.trim());
            return d.scale() < -1000 || d.scale() > 1000 ? null : d;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The value as the text form writes it: bare when it can be, quoted otherwise. */
    public static String quoteIfNeeded(String v) {
        boolean bare = !v.isEmpty() && !v.equals("and") && !v.equals("or") && !v.equals("not");
        for (int i = 0; bare && i < v.length(); i++) {
            char c = v.charAt(i);
            bare = !Character.isWhitespace(c) && c != '(' && c != ')' && c != '"' && !Character.isISOControl(c);
        }
        if (bare) {
            return v;
        }
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
