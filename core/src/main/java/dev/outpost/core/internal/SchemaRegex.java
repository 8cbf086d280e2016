package dev.outpost.core.internal;

import dev.outpost.core.BoundedPattern;
import java.util.Optional;
import java.util.regex.Pattern;
import org.everit.json.schema.regexp.JavaUtilRegexpFactory;
import org.everit.json.schema.regexp.Regexp;
import org.everit.json.schema.regexp.RegexpFactory;
import org.everit.json.schema.regexp.RegexpMatchingFailure;

/**
 * The {@code pattern}s and {@code patternProperties} of a schema, matched with a bounded amount of
 * work. A schema is the operator's but the text it matches is the sender's, and Java's regex engine
 * backtracks without bound and ignores interrupts: {@code (x+x+)+y} met with a crafted value held
 * the polling thread and a core for hours, and a deep alternation overflowed the stack. Past the
 * budget (which grows with the text) matching throws {@link TooCostly}, which the schema turns into
 * a violation: neither a match nor a miss is assumed, since either could let a value through.
 */
public final class SchemaRegex implements RegexpFactory {
    /** Character reads per match beyond {@link #PER_CHAR} for each character of the text. */
    private static final long BASE_BUDGET = 1_000_000;
    private static final long PER_CHAR = 100;
    /** everit's "does not match", which only everit can make. */
    private static final RegexpMatchingFailure NO_MATCH =
            new JavaUtilRegexpFactory().createHandler("(?!)").patternMatchingFailure("").orElseThrow();

    /** Thrown when a match needs more work than its budget. */
    public static final class TooCostly extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooCostly(String pattern) {
            super("a value takes too much work to match the schema's pattern " + pattern, null, false, false);
        }
    }

    /**
     * Whether {@code pattern} is found in {@code text}, as JSON Schema's {@code pattern} asks.
     *
     * @throws TooCostly past the budget, or when the engine overflows the stack
     */
    public static boolean find(Pattern pattern, String text) {
        try {
            return BoundedPattern.of(pattern, BASE_BUDGET + PER_CHAR * text.length()).find(text);
        } catch (BoundedPattern.TooCostly | StackOverflowError e) {
            throw new TooCostly(pattern.pattern());
        }
    }

    @Override
    public Regexp createHandler(String regexp) {
        Pattern p = Pattern.compile(regexp);
        return new Regexp() {
            @Override
            public Optional<RegexpMatchingFailure> patternMatchingFailure(String input) {
                return find(p, input) ? Optional.empty() : Optional.of(NO_MATCH);
            }

            @Override
            public String toString() {
                return regexp; // everit's messages name the pattern with it
            }
        };
    }
}
