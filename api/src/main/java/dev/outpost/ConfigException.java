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
     * One bad setting.
     *
     * @param key the configuration key, for example {@code outpost.worker.concurrency}
     * @param message what is wrong and what is expected
     */
    public record Problem(String key, String message) {
        @Override
        public String toString() {
            return key + ": " + message;
        }
    }
}
