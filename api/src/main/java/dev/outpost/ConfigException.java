package dev.outpost;

import java.util.List;
import java.util.stream.Collectors;

/** Configuration is wrong; every problem found is listed, each naming its key. */
public class ConfigException extends OutpostException {
    private static final long serialVersionUID = 1L;
    private final List<Problem> problems;

    /** An exception listing {@code problems} (at least one). */
    public ConfigException(List<Problem> problems) {
        super(describe(problems));
        this.problems = List.copyOf(problems);
    }

    /** An exception about one key. */
    public static ConfigException of(String key, String message) {
        return new ConfigException(List.of(new Problem(key, message)));
    }

    /** Every problem found. */
    public List<Problem> problems() {
        return problems;
    }

    private static String describe(List<Problem> problems) {
        return problems.size() == 1
                ? "invalid configuration: " + problems.get(0)
                : problems.size() + " configuration problems:\n  " + problems.stream().map(Problem::toString)
                        .collect(Collectors.joining("\n  "));
    }

    /**
     * {@code codePoint} as a message may print it: itself, or {@code \\uXXXX} for a control, format
     * (bidirectional overrides among them), line or paragraph separator or lone surrogate character,
     * which could rewrite a terminal or forge a log line.
     */
    public static String escaped(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE, Character.UNASSIGNED -> codePoint <= 0xFFFF
                            ? String.format("\\u%04X", codePoint) : String.format("\\u{%X}", codePoint);
            default -> new String(Character.toChars(codePoint));
        };
    }

    /** {@code text} with {@link #escaped} characters escaped, clipped past {@code most} characters. */
    private static String safe(String text, int most) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), most) + 40);
        int i = 0;
        int n = 0;
        while (i < text.length() && n < most) {
            int c = text.codePointAt(i);
            out.append(escaped(c));
            i += Character.charCount(c);
            n++;
        }
        if (i < text.length()) {
            out.append("… (clipped: ").append(text.codePointCount(0, text.length())).append(" characters)");
        }
        return out.toString();
    }

    /**
     * One bad setting. Both parts are kept printable whoever built them: control, format and
     * bidirectional characters are escaped ({@link #escaped}), a key is clipped past 300 characters
     * and a message past 2000, so that a value quoted in full (a megabyte pasted by mistake, a
     * terminal escape) cannot reach a terminal or a log as it is.
     *
     * @param key the configuration key, for example {@code outpost.worker.concurrency}
     * @param message what is wrong and what is expected
     */
    public record Problem(String key, String message) {
        /** The problem, with both parts made printable. */
        public Problem {
            key = safe(key, 300);
            message = safe(message, 2000);
        }

        @Override
        public String toString() {
            return key + ": " + message;
        }
    }
}
