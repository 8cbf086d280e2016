package dev.outpost.fleet;

import dev.outpost.fleet.internal.Lexer;
import dev.outpost.fleet.internal.Node;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which hosts a fleet call targets: ids, globs on ids, tags and fact filters combined with
 * {@code and}, {@code or}, {@code not} and parentheses.
 *
 * <p>From text (a command line), see the fleet README for the grammar:
 * <pre>{@code
 * Selector s = Selector.parse("tag:web and fact:os.name=Linux and not id:db-*");
 * }</pre>
 * or typed, in code:
 * <pre>{@code
 * Selector s = Selector.tag("web").and(Selector.factEquals("os.name", "Linux")).and(Selector.id("db-*").negate());
 * }</pre>
 *
 * <p>Immutable and thread-safe. {@link #text()} is the canonical text form; parsing it gives an
 * equal selector. Bounded: at most 4,096 characters, 32 levels of nesting, 256 terms, regexes of at
 * most 256 characters, and each regex match gives up (as no match) past 100,000 character reads.
 */
public final class Selector {
    private static final Selector ALL = new Selector(new Node.All());
    private final Node node;

    private Selector(Node node) {
        this.node = node;
    }

    /**
     * Parses the text form.
     *
     * @throws SelectorException with the position and what was expected there
     */
    public static Selector parse(String text) {
        return new Selector(Lexer.parse(text));
    }

    /** Every host. */
    public static Selector all() {
        return ALL;
    }

    /** Hosts whose id matches any of {@code globs} ({@code *}: any run of characters, {@code ?}: one). */
    public static Selector id(String... globs) {
        return ids(List.of(globs));
    }

    /** Hosts whose id matches any of {@code globs}. */
    public static Selector ids(Collection<String> globs) {
        if (globs.isEmpty()) {
            throw new SelectorException("", 0, "at least one id", "none");
        }
        List<String> checked = new ArrayList<>();
        for (String g : globs) {
            Objects.requireNonNull(g, "glob");
            for (int i = 0; i < g.length(); i++) {
                char c = g.charAt(i);
                if (!(Character.isLetterOrDigit(c) && c < 128 || ".-_:@*?".indexOf(c) >= 0)) {
                    throw new SelectorException(g, i, "a host id or glob ([A-Za-z0-9._:@-], * and ?)", "'" + c + "'");
                }
            }
            if (g.isEmpty()) {
                throw new SelectorException(g, 0, "a host id or glob", "nothing");
            }
            checked.add(g);
        }
        return checked(new Node.Ids(checked));
    }

    /** Hosts with {@code tag}. */
    public static Selector tag(String tag) {
        return checked(new Node.Tag(FleetMember.checkTag(tag)));
    }

    /** Hosts whose fact {@code name} equals {@code value}. */
    public static Selector factEquals(String name, String value) {
        return checked(new Node.Fact(factName(name), Node.Op.EQ, Objects.requireNonNull(value, "value"), null, null));
    }

    /** Hosts having fact {@code name} with another value than {@code value}. */
    public static Selector factNotEquals(String name, String value) {
        return checked(new Node.Fact(factName(name), Node.Op.NE, Objects.requireNonNull(value, "value"), null, null));
    }

    /** Hosts whose fact {@code name} contains a match of {@code regex} (anchor it with {@code ^…$}). */
    public static Selector factMatches(String name, String regex) {
        Objects.requireNonNull(regex, "regex");
        if (regex.length() > Lexer.MAX_REGEX) {
            throw new SelectorException(regex, Lexer.MAX_REGEX, "a regex of at most " + Lexer.MAX_REGEX + " characters",
                    regex.length() + " characters");
        }
        try {
            return checked(new Node.Fact(factName(name), Node.Op.MATCH, regex, Pattern.compile(regex), null));
        } catch (PatternSyntaxException e) {
            throw new SelectorException(regex, Math.max(0, e.getIndex()), "a valid regex", "'" + e.getDescription() + "'");
        }
    }

    /** The numeric comparisons of fact filters. */
    public enum Comparison {
        /** {@code <} */ LESS,
        /** {@code <=} */ LESS_OR_EQUAL,
        /** {@code >} */ GREATER,
        /** {@code >=} */ GREATER_OR_EQUAL
    }

    /** Hosts whose fact {@code name} is a number that compares so with {@code number}. */
    public static Selector factCompare(String name, Comparison comparison, BigDecimal number) {
        Node.Op op = switch (Objects.requireNonNull(comparison, "comparison")) {
            case LESS -> Node.Op.LT;
            case LESS_OR_EQUAL -> Node.Op.LE;
            case GREATER -> Node.Op.GT;
            case GREATER_OR_EQUAL -> Node.Op.GE;
        };
        return checked(new Node.Fact(factName(name), op, number.toPlainString(), null, number));
    }

    /** Hosts both selectors select. */
    public Selector and(Selector other) {
        List<Node> parts = new ArrayList<>();
        addFlat(parts, node, true);
        addFlat(parts, other.node, true);
        return checked(new Node.And(parts));
    }

    /** Hosts either selector selects. */
    public Selector or(Selector other) {
        List<Node> parts = new ArrayList<>();
        addFlat(parts, node, false);
        addFlat(parts, other.node, false);
        return checked(new Node.Or(parts));
    }

    /** Hosts this selector does not select. */
    public Selector negate() {
        return checked(new Node.Not(node));
    }

    /** Whether {@code host} is selected. */
    public boolean matches(HostRecord host) {
        return node.matches(host);
    }

    /** The canonical text form ({@link #parse} of it gives an equal selector). */
    public String text() {
        return node.text();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Selector s && s.node.equals(node);
    }

    @Override
    public int hashCode() {
        return node.hashCode();
    }

    @Override
    public String toString() {
        return text();
    }

    /**
     * A selector built in code, held to the bounds the parser holds text to: workers read its
     * {@link #text()}, and one they cannot parse selects no host there, silently.
     *
     * @throws SelectorException naming what in its text form is out of bounds
     */
    private static Selector checked(Node n) {
        Lexer.parse(n.text());
        return new Selector(n);
    }

    private static void addFlat(List<Node> parts, Node n, boolean and) {
        if (and && n instanceof Node.And a) {
            parts.addAll(a.parts());
        } else if (!and && n instanceof Node.Or o) {
            parts.addAll(o.parts());
        } else {
            parts.add(n);
        }
    }

    private static String factName(String name) {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9._-]{1,128}")) {
            throw new SelectorException(name, 0, "a fact name of [A-Za-z0-9._-]", "'" + name + "'");
        }
        return name;
    }
}
