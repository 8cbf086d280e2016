package dev.outpost.fleet.internal;

import dev.outpost.fleet.HostRecord;
import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A selector's tree; {@link #text()} is the canonical text form, which parses back to an equal tree. */
public sealed interface Node {
    boolean matches(HostRecord h);

    String text();

    /** Every host. */
    record All() implements Node {
        public boolean matches(HostRecord h) {
            return true;
        }

        public String text() {
            return "all";
        }
    }

    /** Ids matching any of the globs ({@code *} any run, {@code ?} one character). */
    record Ids(List<String> globs) implements Node {
        public Ids {
            globs = List.copyOf(globs);
        }

        public boolean matches(HostRecord h) {
            for (String g : globs) {
                if (Glob.matches(g, h.id())) {
                    return true;
                }
            }
            return false;
        }

        public String text() {
            return "id:" + String.join(",", globs);
        }
    }

    record Tag(String tag) implements Node {
        public boolean matches(HostRecord h) {
            return h.tags().contains(tag);
        }

        public String text() {
            return "tag:" + Lexer.quoteIfNeeded(tag);
        }
    }

    /** The comparison operators of fact filters. */
    enum Op {
        EQ("="), NE("!="), MATCH("~"), LT("<"), LE("<="), GT(">"), GE(">=");

        final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }
    }

    /** {@code fact:NAME OP VALUE}; a missing fact never matches (also not for {@code !=}). */
    record Fact(String name, Op op, String value, Pattern regex, BigDecimal number) implements Node {
        public boolean matches(HostRecord h) {
            String v = h.facts().get(name);
            if (v == null) {
                return false;
            }
            return switch (op) {
                case EQ -> v.equals(value);
                case NE -> !v.equals(value);
                case MATCH -> BoundedRegex.find(regex, v);
                case LT, LE, GT, GE -> {
                    BigDecimal n = Lexer.number(v);
                    if (n == null) {
                        yield false;
                    }
                    int c = n.compareTo(number);
                    yield switch (op) {
                        case LT -> c < 0;
                        case LE -> c <= 0;
                        case GT -> c > 0;
                        default -> c >= 0;
                    };
                }
            };
        }

        public String text() {
            return "fact:" + name + op.symbol + Lexer.quoteIfNeeded(value);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Fact f && f.name.equals(name) && f.op == op && f.value.equals(value);
        }

        @Override
        public int hashCode() {
            return (name.hashCode() * 31 + op.hashCode()) * 31 + value.hashCode();
        }
    }

    record And(List<Node> parts) implements Node {
        public And {
            parts = List.copyOf(parts);
        }

        public boolean matches(HostRecord h) {
            for (Node n : parts) {
                if (!n.matches(h)) {
                    return false;
                }
            }
            return true;
        }

        public String text() {
            return parts.stream().map(n -> n instanceof Or ? "(" + n.text() + ")" : n.text()).collect(Collectors.joining(" and "));
        }
    }

    record Or(List<Node> parts) implements Node {
        public Or {
            parts = List.copyOf(parts);
        }

        public boolean matches(HostRecord h) {
            for (Node n : parts) {
                if (n.matches(h)) {
                    return true;
                }
            }
            return false;
        }

        public String text() {
            return parts.stream().map(Node::text).collect(Collectors.joining(" or "));
        }
    }

    record Not(Node inner) implements Node {
        public boolean matches(HostRecord h) {
            return !inner.matches(h);
        }

        public String text() {
            return "not " + (inner instanceof And || inner instanceof Or ? "(" + inner.text() + ")" : inner.text());
        }
    }
}
