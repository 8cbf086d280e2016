package dev.outpost.kv.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import dev.outpost.spi.RegistryPage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The broker's answers, read as another process's bytes: checked before anything is handed on. */
public final class BrokerAnswers {
    private BrokerAnswers() {}

    /** A {@code kv.list} answer for {@code prefix} after {@code pageToken}, asked for at most {@code limit} entries. */
    public static RegistryPage page(String prefix, Optional<String> pageToken, int limit, JsonNode r) {
        // the broker's page is checked as a hostile answer: in the prefix, in order, after the
        // token, and a next token that moves on, so list(prefix) cannot be kept looping
        Optional<String> after = pageToken.map(t -> RegistryKeys.pageTokenStart(prefix, t));
        List<RegistryEntry> entries = new ArrayList<>();
        String last = after.orElse(null);
        for (JsonNode e : r.path("entries")) {
            RegistryEntry entry = entry(prefix, e, true);
            if (entries.size() == limit || last != null && RegistryKeys.ORDER.compare(entry.key(), last) <= 0) {
                throw malformed(prefix, "its page is longer than asked or out of order");
            }
            entries.add(entry);
            last = entry.key();
        }
        Optional<String> next = r.hasNonNull("nextPageToken") ? Optional.of(r.get("nextPageToken").asText()) : Optional.empty();
        if (next.isPresent()) {
            String start;
            try {
                start = RegistryKeys.pageTokenStart(prefix, next.get());
            } catch (RegistryException.InvalidKey e) {
                throw malformed(prefix, "its next page token is not one for this prefix");
            }
            if (after.isPresent() && RegistryKeys.ORDER.compare(start, after.get()) <= 0) {
                throw malformed(prefix, "its next page token does not move past the one given");
            }
        }
        return new RegistryPage(entries, next);
    }

    /**
     * An entry from the broker's answer for {@code asked} (a key, or a listing's prefix). The
     * answer is another process's bytes: a malformed entry, or one for a key not asked about, is
     * the broker's failure, never an entry handed on.
     */
    public static RegistryEntry entry(String asked, JsonNode e, boolean prefix) {
        RegistryEntry entry;
        try {
            if (!e.path("key").isTextual() || !e.has("value") || !e.path("version").canConvertToLong()
                    || !e.path("updatedAt").isTextual()) {
                throw malformed(asked, "an entry lacks key, value, version or updatedAt");
            }
            entry = Wire.entry(e);
            RegistryKeys.checkKey(entry.key());
        } catch (RegistryException.Unavailable x) {
            throw x;
        } catch (RuntimeException x) {
            throw malformed(asked, "an entry does not read (" + x.getClass().getSimpleName() + ")");
        }
        if (prefix ? !entry.key().startsWith(asked) : !entry.key().equals(asked)) {
            String k = entry.key().length() > 100 ? entry.key().substring(0, 100) + "..." : entry.key();
            throw malformed(asked, "it holds key '" + k + "'");
        }
        return entry;
    }

    /** How many pages {@code RemoteRegistry.list(prefix)} reads before it gives up. */
    public static final int MAX_LIST_PAGES = 1_000;

    /** Refuses to read page {@code pages + 1} of a listing past {@link #MAX_LIST_PAGES}. */
    public static void checkPages(String prefix, int pages, int entriesRead) {
        if (pages >= MAX_LIST_PAGES) {
            throw new RegistryException.Unavailable(prefix, "the listing of '" + prefix + "' goes on past " + MAX_LIST_PAGES
                    + " pages (" + entriesRead + " entries read): page through it with list(prefix, limit, pageToken)", null);
        }
    }

    static RegistryException.Unavailable malformed(String asked, String why) {
        return new RegistryException.Unavailable(asked, "the broker's answer for '" + asked + "' is malformed: " + why, null);
    }


    /** Turns an error response into the exception its code means; nothing for an ok one. */
    public static void checkOk(String key, String collector, dev.outpost.Response response) {
        if (response.isOk()) {
            return;
        }
        String code = response.error().map(x -> x.code()).orElse("error");
        // the exceptions below carry the broker's words to whoever logs or prints them
        String message = response.error().map(x -> said(x.message())).orElse("");
        switch (code) {
            // refused by the broker's rules, or by its worker before any rule ran (a sender
            // not allowed kv.*): either way asking again changes nothing
            case "forbidden", "unauthorised", "disallowed-collector", "private-collector", "unknown-sender" ->
                    throw new RegistryException.Forbidden(key, message.isEmpty() ? "the broker refused " + collector + " (" + code + ")"
                            : message + " (" + code + ")");
            case "invalid-key" -> throw new RegistryException.InvalidKey(key, message);
            case "invalid-value" -> throw new RegistryException.InvalidValue(key, message);
            case "invalid-argument" -> throw new IllegalArgumentException(message);
            default -> throw new RegistryException.Unavailable(key, "the broker answered " + collector + " with " + said(code) + ": "
                    + message, null);
        }
    }

    /** Throws the exception an ok answer's {@code refused} part means (key exists, no such key, version conflict). */
    public static void refusal(String key, JsonNode result, long expected) {
        JsonNode refused = result.get("refused");
        if (refused == null) {
            return;
        }
        switch (refused.path("code").asText()) {
            case "key-exists" -> throw new RegistryException.KeyExists(key);
            case "no-such-key" -> throw new RegistryException.NoSuchKey(key);
            case "version-conflict" -> throw new RegistryException.VersionConflict(key,
                    refused.path("expected").asLong(expected), refused.path("actual").asLong());
            default -> throw new RegistryException.Unavailable(key, "the broker refused: " + said(refused.path("message").asText()),
                    null);
        }
    }

    /** The longest text of the broker's an exception quotes: an honest broker's worker clips its messages at 1000. */
    static final int MAX_SAID = 1000;

    /** The broker's text as an exception may quote it: clipped, and control characters (a newline, ESC) as '?'. */
    static String said(String s) {
        String t = s.length() <= MAX_SAID ? s : s.substring(0, MAX_SAID) + "…";
        StringBuilder b = new StringBuilder(t.length());
        t.chars().forEach(c -> b.append(Character.isISOControl(c) ? '?' : (char) c));
        return b.toString();
    }
}
