package dev.outpost.kv;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.outpost.kv.internal.ImportSpool;
import dev.outpost.kv.internal.Values;
import dev.outpost.kv.internal.Wire;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads JSON lines written by {@link RegistryExport} into any {@link Registry}.
 *
 * <pre>{@code
 * try (Reader in = Files.newBufferedReader(Path.of("svc.jsonl"))) {
 *     int written = RegistryImport.into(registry, in, ImportMode.ADD);
 * }
 * }</pre>
 *
 * <p>Every line is checked before anything is written (the checked lines wait in an owner-only
 * temporary file, so memory holds their keys, not their values): a bad one fails the import with
 * {@link RegistryException.InvalidValue} naming its line number, and the registry is left as it
 * was. A line is a JSON object with a valid {@code key}, a {@code value}, and optionally a
 * {@code version} (an integer from 1 to {@value #MAX_VERSION}), {@code updatedAt} and
 * {@code expiresAt} (ISO-8601 instants within epoch milliseconds' range) and {@code updatedBy}
 * (text of at most 200 characters without control characters); a key may appear once. Lines
 * longer than a value allows, values nested deeper than 60 levels (more than a broker answer can
 * carry) and trailing content are refused. Entries
 * already expired are skipped.
 *
 * <p>Into a {@link SqliteRegistry} the import is one transaction and keeps the exported versions
 * and stamps (each key gets the larger of its exported version and its current version plus one).
 * Into any other registry each entry is an ordinary write stamped {@code import} with that
 * registry's next version, and the lines are checked against SQLite's limits: a write that
 * registry refuses for its own (a value past its smaller size limit) stops the import there, the
 * entries before it written. Import into a SQLite file first to try a file of unknown origin.
 */
public final class RegistryImport {
    /** The largest version an import line may carry: 2^53 - 1, exact in every JSON reader. */
    public static final long MAX_VERSION = (1L << 53) - 1;
    /** The longest {@code updatedBy} a line may carry; the broker never stamps a longer one. */
    static final int MAX_BY = 200;
    private static final ObjectReader LINE = Wire.JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private RegistryImport() {}

    /**
     * Reads and checks every line; nothing is written.
     *
     * @param maxValueBytes the largest value accepted (UTF-8 JSON)
     * @throws RegistryException.InvalidValue naming the first bad line
     */
    public static List<RegistryEntry> read(Reader in, int maxValueBytes, Clock clock) {
        List<RegistryEntry> out = new ArrayList<>();
        check(in, maxValueBytes, clock, (text, e) -> out.add(e));
        return out;
    }

    /** Takes each checked line: its text and its entry. */
    @FunctionalInterface
    private interface Checked {
        void line(String text, RegistryEntry entry) throws IOException;
    }

    /** Reads and checks every line, handing each to {@code sink} as it goes. */
    private static void check(Reader in, int maxValueBytes, Clock clock, Checked sink) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(clock, "clock");
        if (maxValueBytes < 1) {
            throw new IllegalArgumentException("maxValueBytes must be positive, was " + maxValueBytes);
        }
        // a value may grow six-fold when escaped (\\u0000), plus the other fields
        long maxLine = (long) maxValueBytes * 6 + 4096;
        Set<String> seen = new HashSet<>();
        StringBuilder line = new StringBuilder();
        int number = 0;
        try {
            boolean end = false;
            while (!end) {
                line.setLength(0);
                boolean tooLong = false;
                while (true) {
                    int c = in.read();
                    if (c < 0) {
                        end = true;
                        break;
                    }
                    if (c == '\n') {
                        break;
                    }
                    if (line.length() >= maxLine) {
                        tooLong = true;
                        continue; // read to the end of the line without keeping it
                    }
                    line.append((char) c);
                }
                if (end && line.isEmpty() && !tooLong) {
                    break;
                }
                number++;
                if (tooLong) {
                    throw bad(number, "is longer than " + maxLine + " characters");
                }
                String text = line.toString();
                if (text.isBlank()) {
                    continue;
                }
                sink.line(text, parse(text, number, seen, maxValueBytes, clock));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RegistryEntry parse(String text, int number, Set<String> seen, int maxValueBytes, Clock clock) {
        JsonNode node;
        try {
            node = LINE.readTree(text);
        } catch (JsonProcessingException e) {
            throw bad(number, "is not one JSON document: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw bad(number, "cannot be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw bad(number, "is not a JSON object");
        }
        JsonNode k = node.get("key");
        if (k == null || !k.isTextual()) {
            throw bad(number, "has no key");
        }
        String key;
        try {
            key = RegistryKeys.checkKey(k.asText());
        } catch (RegistryException.InvalidKey e) {
            throw bad(number, e.getMessage());
        }
        JsonNode value = node.get("value");
        if (value == null) {
            throw bad(number, "has no value");
        }
        try {
            Values.check(key, value, maxValueBytes);
        } catch (RegistryException.InvalidValue e) {
            throw bad(number, e.getMessage());
        }
        if (!seen.add(key)) {
            throw bad(number, "repeats the key '" + key + "'");
        }
        long version = 1;
        JsonNode v = node.get("version");
        if (v != null && !v.isNull()) {
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1 || v.asLong() > MAX_VERSION) {
                throw bad(number, "has version " + abbreviate(v.toString()) + "; versions are integers from 1 to " + MAX_VERSION);
            }
            version = v.asLong();
        }
        Instant updated = instant(node, "updatedAt", number).orElseGet(clock::instant);
        Optional<Instant> expires = instant(node, "expiresAt", number);
        Optional<String> by = Optional.empty();
        JsonNode b = node.get("updatedBy");
        if (b != null && !b.isNull()) {
            // a broken surrogate pair has no UTF-8 form: a store would keep '?' in its place
            if (!b.isTextual() || b.asText().isEmpty() || b.asText().length() > MAX_BY || b.asText().chars().anyMatch(Character::isISOControl)
                    || !b.asText().equals(new String(b.asText().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))) {
                throw bad(number, "has an updatedBy that is not text of 1 to " + MAX_BY + " characters without control characters"
                        + " or broken surrogate pairs");
            }
            by = Optional.of(b.asText());
        }
        return new RegistryEntry(key, value, version, updated, expires, false, by);
    }

    private static Optional<Instant> instant(JsonNode node, String field, int number) {
        JsonNode t = node.get(field);
        if (t == null || t.isNull()) {
            return Optional.empty();
        }
        if (!t.isTextual() || t.asText().length() > 64) {
            throw bad(number, "has a " + field + " that is not an ISO-8601 instant");
        }
        Instant at;
        try {
            at = Instant.parse(t.asText());
        } catch (DateTimeParseException e) {
            throw bad(number, "has a " + field + " that is not an ISO-8601 instant: " + abbreviate(t.asText()));
        }
        try {
            // stores keep epoch milliseconds: an instant past them would fail the write, not this line
            at.toEpochMilli();
        } catch (ArithmeticException e) {
            throw bad(number, "has a " + field + " of " + abbreviate(t.asText()) + ", further from 1970 than a store can hold");
        }
        return Optional.of(at);
    }

    private static String abbreviate(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(40).forEach(c -> {
            if (Character.isISOControl(c) || !Character.isDefined(c)) {
                b.append(String.format("\\u%04x", c & 0xffff));
            } else {
                b.appendCodePoint(c);
            }
        });
        return s.codePointCount(0, s.length()) > 40 ? b + "…" : b.toString();
    }

    private static RegistryException.InvalidValue bad(int number, String why) {
        return new RegistryException.InvalidValue("", "import line " + number + " " + why + "; nothing was imported");
    }

    /**
     * Checks every line of {@code in}, then writes them into {@code registry} as {@code mode} says.
     *
     * @return how many entries were written
     * @throws RegistryException.InvalidValue naming the first bad line; nothing is written then
     */
    public static int into(Registry registry, Reader in, ImportMode mode) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(mode, "mode");
        // Two passes, the second over a spool: holding every checked entry until the first write
        // made an import larger than the heap fail with OutOfMemoryError.
        try (ImportSpool lines = ImportSpool.create()) {
            Clock clock = Clock.systemUTC();
            check(in, SqliteRegistry.MAX_VALUE_BYTES_LIMIT, clock, (text, e) -> lines.add(text));
            return write(registry, lines.entries(text -> parseChecked(text, clock)), mode);
        }
    }

    /** A line checked before: parsed again as it is written. */
    private static RegistryEntry parseChecked(String text, Clock clock) {
        // keys were checked to be unique in the first pass; the spool is owner-only, written by this import
        return parse(text, 0, new HashSet<>(), SqliteRegistry.MAX_VALUE_BYTES_LIMIT, clock);
    }

    private static int write(Registry registry, Iterable<RegistryEntry> lines, ImportMode mode) {
        if (registry instanceof SqliteRegistry sqlite) {
            return sqlite.importAll(lines, mode);
        }
        Registry as = registry.writingAs("import");
        Instant now = Instant.now();
        int n = 0;
        Set<String> named = new HashSet<>();
        Set<String> namespaces = new TreeSet<>();
        for (RegistryEntry e : lines) {
            namespaces.add(RegistryKeys.namespaceOf(e.key()));
            Optional<Duration> ttl = e.expiresAt().map(x -> Duration.between(now, x));
            if (ttl.isPresent() && (ttl.get().isNegative() || ttl.get().isZero())) {
                continue; // absent from the file's state: a mirror deletes the live key
            }
            named.add(e.key());
            if (write(as, e, ttl, mode != ImportMode.ADD)) {
                n++;
            }
        }
        if (mode == ImportMode.MIRROR) {
            for (String ns : namespaces) {
                for (RegistryEntry live : registry.list(ns + "/")) {
                    if (!named.contains(live.key())) {
                        as.delete(live.key());
                    }
                }
            }
        }
        return n;
    }

    private static boolean write(Registry as, RegistryEntry e, Optional<Duration> ttl, boolean overwrite) {
        for (int attempt = 0; attempt < 100; attempt++) {
            Optional<RegistryEntry> cur = as.get(e.key());
            try {
                if (cur.isEmpty()) {
                    as.register(e.key(), e.value(), ttl);
                    return true;
                }
                if (!overwrite) {
                    return false;
                }
                as.replace(e.key(), e.value(), cur.get().version(), ttl);
                return true;
            } catch (RegistryException.KeyExists | RegistryException.VersionConflict | RegistryException.NoSuchKey raced) {
                if (!overwrite && raced instanceof RegistryException.KeyExists) {
                    return false;
                }
                // another writer moved the key: read it again
            }
        }
        throw new RegistryException.Unavailable(e.key(), "import of '" + e.key() + "' lost 100 races with other writers", null);
    }
}
