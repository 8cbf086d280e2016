package dev.outpost.core.internal;

import dev.outpost.ConfigException;
import dev.outpost.core.Worker;
import dev.outpost.spi.ConfigSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Binds the worker's keys, table-driven: every key core declares under {@code outpost.worker.}
 * (plus {@code outpost.collectors.allow}) in {@value ConfigKeys#RESOURCE} is read the same way —
 * the builder's explicit value, else configuration, else the declared default — and its type comes
 * from the declared default (a number, a duration, a list for {@code *.allow}, text otherwise).
 * The bound values are what the worker runs with and what {@code outpost.config} reports.
 */
public final class WorkerBinding {
    public static final String ID = "outpost.worker.id";
    public static final String REQUESTS = "outpost.worker.requests";
    public static final String DEAD_LETTER = "outpost.worker.dead-letter";
    public static final String RESPONSES = "outpost.worker.responses";
    public static final String REPLY_TO_ALLOW = "outpost.worker.reply-to.allow";
    public static final String CONCURRENCY = "outpost.worker.concurrency";
    public static final String POLLERS = "outpost.worker.pollers";
    public static final String PREFETCH = "outpost.worker.prefetch";
    public static final String POLL_WAIT = "outpost.worker.poll-wait";
    public static final String INLINE_BELOW_MICROS = "outpost.worker.inline-below-micros";
    public static final String MAX_ATTEMPTS = "outpost.worker.max-attempts";
    public static final String BACKOFF_INITIAL = "outpost.worker.backoff.initial";
    public static final String BACKOFF_MAX = "outpost.worker.backoff.max";
    public static final String TIMEOUT = "outpost.worker.timeout";
    public static final String VISIBILITY = "outpost.worker.visibility";
    public static final String DRAIN_TIMEOUT = "outpost.worker.drain-timeout";
    public static final String DEDUPE = "outpost.worker.dedupe";
    public static final String MAX_MESSAGE_BYTES = "outpost.worker.max-message-bytes";
    public static final String ALLOW = "outpost.collectors.allow";
    public static final String IDEMPOTENCY_TTL = "outpost.worker.idempotency.ttl";
    public static final String IDEMPOTENCY_NAMESPACE = "outpost.worker.idempotency.namespace";
    public static final String CHECK_RESULTS = "outpost.worker.check-results";
    public static final String OUTBOX_DIR = "outpost.worker.outbox.dir";
    public static final String OUTBOX_MAX_MESSAGES = "outpost.worker.outbox.max-messages";
    public static final String OUTBOX_MAX_BYTES = "outpost.worker.outbox.max-bytes";
    public static final String OUTBOX_MAX_AGE = "outpost.worker.outbox.max-age";
    public static final String OUTBOX_RETENTION = "outpost.worker.outbox.retention";

    /** Bounds of the integer keys (others: zero or more). */
    private static final Map<String, long[]> RANGES = Map.of(
            CONCURRENCY, new long[] {1, 4096},
            POLLERS, new long[] {1, 64},
            PREFETCH, new long[] {0, 4096},
            INLINE_BELOW_MICROS, new long[] {0, 1_000_000},
            MAX_ATTEMPTS, new long[] {1, 100},
            DEDUPE, new long[] {0, 10_000_000},
            MAX_MESSAGE_BYTES, new long[] {1, Integer.MAX_VALUE},
            OUTBOX_MAX_MESSAGES, new long[] {1, 10_000_000},
            OUTBOX_MAX_BYTES, new long[] {1024, Integer.MAX_VALUE});
    /** Durations that must be positive (others: zero or more). */
    private static final Set<String> POSITIVE = Set.of(TIMEOUT, VISIBILITY, IDEMPOTENCY_TTL, OUTBOX_MAX_AGE, OUTBOX_RETENTION);
    private static final Pattern INTEGER = Pattern.compile("-?\\d+");

    private enum Kind { TEXT, INTEGER, AUTO_INTEGER, DURATION, LIST }

    /** The value of an integer key whose default is {@value #AUTO}: chosen by the worker. */
    public static final String AUTO = "auto";

    /** The longest duration a key takes: a century, well inside what nanoseconds in a long hold. */
    static final Duration LONGEST = Duration.ofDays(36_500);

    private final Map<String, Object> values;

    private WorkerBinding(Map<String, Object> values) {
        this.values = values;
    }

    /** The keys bound, with their declared defaults. */
    static Map<String, String> declared() {
        ConfigKeys keys = ConfigKeys.get();
        Map<String, String> out = new TreeMap<>();
        Set<String> names = new TreeSet<>(keys.under("outpost.worker."));
        names.add(ALLOW);
        names.forEach(k -> out.put(k, keys.defaults().getOrDefault(k, "")));
        return out;
    }

    /**
     * Binds every declared key.
     *
     * @param explicit values set by builder methods, by key (Integer, Duration, String or List)
     * @param problems where bad configured values go
     */
    public static WorkerBinding bind(Map<String, Object> explicit, Optional<ConfigSource> config,
            List<ConfigException.Problem> problems) {
        Map<String, Object> out = new TreeMap<>();
        declared().forEach((key, fallback) -> {
            Kind kind = kind(key, fallback);
            Object value = explicit.containsKey(key) ? withinLongest(key, explicit.get(key), problems)
                    : configured(key, kind, config, problems);
            if (kind == Kind.LIST && value != null && !patterns(key, (List<?>) value, explicit.containsKey(key) ? " (set in code)"
                    : config.map(c -> c.from(key)).orElse(""), problems)) {
                value = null;
            }
            out.put(key, value != null ? value : parse(key, kind, fallback));
        });
        if (!List.of("true", "false").contains(String.valueOf(out.get(CHECK_RESULTS)).toLowerCase(java.util.Locale.ROOT))) {
            problems.add(new ConfigException.Problem(CHECK_RESULTS, "must be true or false, was "
                    + config.map(c -> c.shown(CHECK_RESULTS, String.valueOf(out.get(CHECK_RESULTS))))
                            .orElse(ConfigSource.quote(String.valueOf(out.get(CHECK_RESULTS))))));
        }
        if (!((String) out.get(IDEMPOTENCY_NAMESPACE)).matches("[a-z0-9][a-z0-9._-]{0,62}")) {
            problems.add(new ConfigException.Problem(IDEMPOTENCY_NAMESPACE, "a registry namespace is lower-case letters,"
                    + " digits, '.', '_' and '-', starting with a letter or digit"));
        }
        return new WorkerBinding(out);
    }

    /** Whether every one of {@code values} is a name pattern; a problem for the first that is not. */
    private static boolean patterns(String key, List<?> values, String from, List<ConfigException.Problem> problems) {
        for (Object v : values) {
            Optional<String> why = Patterns.problem(String.valueOf(v));
            if (why.isPresent()) {
                problems.add(new ConfigException.Problem(key, why.get() + from));
                return false;
            }
        }
        return true;
    }

    /** A builder's duration, held to what configuration is: a longer one overflowed in every run or at shutdown. */
    static Object withinLongest(String key, Object value, List<ConfigException.Problem> problems) {
        if (value instanceof Duration d && d.compareTo(LONGEST) > 0) {
            problems.add(new ConfigException.Problem(key, "must be at most " + LONGEST.toDays() + "d, was " + d));
            return null;
        }
        return value;
    }

    private static Kind kind(String key, String fallback) {
        if (key.endsWith(".allow")) {
            return Kind.LIST;
        }
        if (fallback.equals(AUTO)) {
            return Kind.AUTO_INTEGER;
        }
        if (INTEGER.matcher(fallback).matches()) {
            return Kind.INTEGER;
        }
        if (!fallback.isEmpty() && !fallback.contains("-") && looksLikeDuration(fallback)) {
            return Kind.DURATION;
        }
        return Kind.TEXT;
    }

    private static boolean looksLikeDuration(String text) {
        try {
            ConfigSource.parseDuration(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Object parse(String key, Kind kind, String text) {
        return switch (kind) {
            case INTEGER -> Integer.parseInt(text);
            case AUTO_INTEGER -> text.equals(AUTO) ? AUTO : Integer.valueOf(text);
            case DURATION -> ConfigSource.parseDuration(text);
            case LIST -> text.isBlank() ? List.of() : List.of(text.split("\\s*,\\s*"));
            case TEXT -> text;
        };
    }

    /** The configured value, checked; null when none is configured or it is bad (then a problem is added). */
    private static Object configured(String key, Kind kind, Optional<ConfigSource> config, List<ConfigException.Problem> problems) {
        if (config.isEmpty() || config.get().string(key).filter(v -> !v.isBlank()).isEmpty()) {
            return null;
        }
        ConfigSource c = config.get();
        try {
            if (kind == Kind.AUTO_INTEGER) {
                String text = c.string(key).orElseThrow().strip();
                if (text.equalsIgnoreCase(AUTO)) {
                    return AUTO;
                }
                if (!INTEGER.matcher(text).matches()) {
                    problems.add(new ConfigException.Problem(key, "must be " + AUTO + " or a whole number, was " + c.shown(key, text)
                            + c.from(key)));
                    return null;
                }
            }
            switch (kind) {
                case INTEGER, AUTO_INTEGER -> {
                    int v = c.intValue(key).orElseThrow();
                    long[] range = RANGES.getOrDefault(key, new long[] {0, Integer.MAX_VALUE});
                    if (v < range[0] || v > range[1]) {
                        problems.add(new ConfigException.Problem(key, "must be between " + range[0] + " and " + range[1]
                                + ", was " + v + c.from(key)));
                        return null;
                    }
                    return v;
                }
                case DURATION -> {
                    Duration v = c.duration(key).orElseThrow();
                    boolean zeroAllowed = !POSITIVE.contains(key);
                    if (v.isNegative() || (!zeroAllowed && v.isZero())) {
                        problems.add(new ConfigException.Problem(key, "must be " + (zeroAllowed ? "zero or more" : "positive")
                                + ", was " + v + c.from(key)));
                        return null;
                    }
                    if (v.compareTo(LONGEST) > 0) { // deadlines are kept in nanoseconds: a longer one would overflow
                        problems.add(new ConfigException.Problem(key, "must be at most " + LONGEST.toDays() + "d, was "
                                + c.shown(key, c.string(key).orElse("")) + c.from(key)));
                        return null;
                    }
                    return v;
                }
                case LIST -> {
                    return c.list(key);
                }
                default -> {
                    String v = c.string(key).orElseThrow().strip();
                    if (v.chars().anyMatch(Character::isISOControl)) { // ids and names are quoted in logs and documents
                        problems.add(new ConfigException.Problem(key, "must not contain control characters" + c.from(key)));
                        return null;
                    }
                    return v;
                }
            }
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return null;
        }
    }

    /** Problems no single key shows: a backoff whose max is below its initial delay ({@link #receiving}: more pollers than slots). */
    public void checkCombinations(List<ConfigException.Problem> problems) {
        Duration initial = duration(BACKOFF_INITIAL);
        Duration max = duration(BACKOFF_MAX);
        if (max.compareTo(initial) < 0) {
            problems.add(new ConfigException.Problem("outpost.worker.backoff", "max " + max + " is below initial " + initial));
        }
    }

    /**
     * How the worker receives: its pollers and prefetch, {@value #AUTO} ones chosen for the
     * transport (see {@code outpost-config.properties}).
     *
     * @param local whether the transport receives in-process (then each slot polls for itself)
     * @param problems where more pollers than deliveries held goes
     */
    public Receiving receiving(boolean local, List<ConfigException.Problem> problems) {
        int concurrency = integer(CONCURRENCY);
        Object p = value(PREFETCH);
        Object q = value(POLLERS);
        boolean adaptive = !local && p.equals(AUTO);
        // in-process each slot polls for itself, whatever pollers says: outpost.config reports those threads
        int pollers = local ? concurrency : q instanceof Integer n ? n : p instanceof Integer fixed
                ? Math.max(1, Math.min(Worker.DEFAULT_POLLERS, (concurrency + fixed + 9) / 10)) : Worker.DEFAULT_POLLERS;
        int prefetch = local ? 0 : p instanceof Integer fixed ? fixed : Math.max(0, 10 * pollers - concurrency);
        if (!local && pollers > concurrency + prefetch) {
            problems.add(new ConfigException.Problem(POLLERS, pollers + " pollers for " + (concurrency + prefetch)
                    + " deliveries held: a poller needs at least one; use pollers <= concurrency + prefetch"));
        }
        return new Receiving(pollers, prefetch, adaptive);
    }

    /**
     * @param pollers polling threads (in-process: one a slot)
     * @param prefetch deliveries held beyond the concurrency: fixed, or the most an adaptive one opens
     * @param adaptive whether it opens and closes with the runs' durations
     */
    public record Receiving(int pollers, int prefetch, boolean adaptive) {
        /** As {@code outpost.config} reports it. */
        public String prefetchText() {
            return adaptive ? AUTO + " (0 to " + prefetch + ")" : Integer.toString(prefetch);
        }
    }

    public String text(String key) {
        return (String) value(key);
    }

    /** The text, or empty when blank (no default). */
    public Optional<String> optionalText(String key) {
        return Optional.of(text(key)).filter(v -> !v.isBlank());
    }

    public int integer(String key) {
        return (Integer) value(key);
    }

    public Duration duration(String key) {
        return (Duration) value(key);
    }

    @SuppressWarnings("unchecked")
    public List<String> list(String key) {
        return List.copyOf((List<String>) value(key));
    }

    private Object value(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new IllegalStateException(key + " is not declared in " + ConfigKeys.RESOURCE);
        }
        return v;
    }

    /** Whether results are checked against result schemas. */
    public boolean checkResults() {
        return text(CHECK_RESULTS).equalsIgnoreCase("true");
    }

    /** The idempotency store over {@code store}, when the builder was given one. */
    public Optional<Idempotency> idempotency(Optional<dev.outpost.spi.Registry> store, String workerId, java.time.Clock clock) {
        return store.map(r -> new Idempotency(r, text(IDEMPOTENCY_NAMESPACE), duration(IDEMPOTENCY_TTL), workerId, clock));
    }

    /** The result outbox, when a directory is set. */
    public Optional<ResultOutbox> outbox(dev.outpost.spi.Transport transport, java.util.function.LongSupplier ticker) {
        return optionalText(OUTBOX_DIR).map(d -> new ResultOutbox(java.nio.file.Path.of(d), transport, text(DEAD_LETTER),
                integer(OUTBOX_MAX_MESSAGES), integer(OUTBOX_MAX_BYTES), duration(OUTBOX_MAX_AGE), duration(OUTBOX_RETENTION),
                ticker));
    }

    /** Configuration as {@code outpost.config} shows it: secrets masked, the worker's own keys as it runs with them. */
    public Map<String, String> configView(Optional<ConfigSource> config, String id) {
        Map<String, String> out = new TreeMap<>();
        config.ifPresent(c -> {
            if (c instanceof dev.outpost.core.config.OutpostConfig oc) {
                out.putAll(oc.redacted());
            } else {
                c.keys().forEach(k -> out.put(k, ConfigKeys.get().isShowable(k) ? UserInfo.mask(c.string(k).orElse("")) : "****"));
            }
        });
        // what the worker runs with replaces what was configured, and is shown the same way: masked, or not at all
        ConfigKeys keys = ConfigKeys.get();
        asText().forEach((k, v) -> out.put(k, keys.isShowable(k) ? UserInfo.mask(v) : "****"));
        out.put(ID, keys.isShowable(ID) ? UserInfo.mask(id) : "****");
        return Map.copyOf(out);
    }

    /** Every bound value as configuration text: what the worker runs with. */
    public Map<String, String> asText() {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> out.put(k, render(v)));
        return out;
    }

    /** {@code 50ms}, {@code 1s}, {@code 30s}; lists comma-separated. */
    static String render(Object v) {
        if (v instanceof Duration d) {
            // from its parts: toNanos() overflows past 292 years
            return d.getNano() == 0 ? d.getSeconds() + "s"
                    : d.getNano() % 1_000_000 == 0 && d.compareTo(LONGEST) <= 0 ? d.toMillis() + "ms" : d.toString();
        }
        if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            l.forEach(x -> parts.add(String.valueOf(x)));
            return String.join(",", parts);
        }
        return String.valueOf(v);
    }
}
