package dev.outpost.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The rules for keys, prefixes and values that every {@link dev.outpost.spi.Registry} enforces.
 *
 * <ul>
 *   <li>A key is {@code NAMESPACE/NAME}. The namespace is 1 to 63 characters of
 *       {@code [a-z0-9._-]}, starting with a letter or digit; it is the unit of access rules and
 *       of partitioning. The name is one or more segments separated by {@code /}, none empty;
 *       any character but control characters (U+0000 to U+001F and U+007F to U+009F). A key is
 *       at most {@value #MAX_KEY_LENGTH} characters.
 *   <li>A prefix (for {@code list} and {@code watch}) is {@code NAMESPACE/} followed by any
 *       (possibly empty) start of a name: listings never cross namespaces.
 *   <li>A value is any JSON document of at most {@value #DEFAULT_MAX_VALUE_BYTES} bytes in UTF-8
 *       JSON by default (implementations may state another limit).
 * </ul>
 */
public final class RegistryKeys {
    /** The longest key, in characters. */
    public static final int MAX_KEY_LENGTH = 512;
    /** The default limit on a value's size as UTF-8 JSON. */
    public static final int DEFAULT_MAX_VALUE_BYTES = 64 * 1024;

    /**
     * The order of keys in listings: by Unicode code point, which is also the order of their UTF-8
     * bytes (SQLite's and DynamoDB's order). It differs from {@link String#compareTo} only for
     * characters outside the Basic Multilingual Plane.
     */
    public static final java.util.Comparator<String> ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    private RegistryKeys() {}

    /**
     * Checks {@code key} and returns it.
     *
     * @throws RegistryException.InvalidKey naming the rule it breaks
     */
    public static String checkKey(String key) {
        Objects.requireNonNull(key, "key");
        int slash = key.indexOf('/');
        if (slash < 0) {
            throw new RegistryException.InvalidKey(key, "keys are NAMESPACE/NAME, this one has no '/'");
        }
        checkNamespace(key, key.substring(0, slash));
        if (key.length() > MAX_KEY_LENGTH) {
            throw new RegistryException.InvalidKey(key, "longer than " + MAX_KEY_LENGTH + " characters (" + key.length() + ")");
        }
        String name = key.substring(slash + 1);
        if (name.isEmpty() || name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
            throw new RegistryException.InvalidKey(key, "the name after the namespace has an empty segment");
        }
        checkChars(key);
        return key;
    }

    /**
     * Checks a {@code list}/{@code watch} prefix and returns it.
     *
     * @throws RegistryException.InvalidKey naming the rule it breaks
     */
    public static String checkPrefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        int slash = prefix.indexOf('/');
        if (slash < 0) {
            throw new RegistryException.InvalidKey(prefix, "a prefix starts with NAMESPACE/ (listings never cross namespaces)");
        }
        checkNamespace(prefix, prefix.substring(0, slash));
        if (prefix.length() > MAX_KEY_LENGTH) {
            throw new RegistryException.InvalidKey(prefix, "longer than " + MAX_KEY_LENGTH + " characters");
        }
        checkChars(prefix);
        return prefix;
    }

    /** The namespace of a valid key or prefix: what comes before the first {@code /}. */
    public static String namespaceOf(String keyOrPrefix) {
        int slash = keyOrPrefix.indexOf('/');
        if (slash < 0) {
            throw new RegistryException.InvalidKey(keyOrPrefix, "keys are NAMESPACE/NAME, this one has no '/'");
        }
        return keyOrPrefix.substring(0, slash);
    }

    /**
     * Checks a value and returns its compact JSON text.
     *
     * @throws RegistryException.InvalidValue when it is not a JSON document or longer than {@code maxBytes}
     */
    public static String checkValue(String key, JsonNode value, int maxBytes) {
        Objects.requireNonNull(value, "value");
        if (value.isMissingNode()) {
            throw new RegistryException.InvalidValue(key, "a missing node is not a JSON document");
        }
        String text;
        try {
            text = dev.outpost.Json.writer().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new RegistryException.InvalidValue(key, "not serialisable as JSON: " + e.getOriginalMessage());
        }
        // cheap bound first: a UTF-8 character takes at most 3 bytes per UTF-16 unit
        if ((long) text.length() * 3 > maxBytes) {
            int bytes = text.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > maxBytes) {
                throw new RegistryException.InvalidValue(key, bytes + " bytes of JSON, the limit is " + maxBytes);
            }
        }
        return text;
    }

    /** Checks a time to live: positive. */
    public static Duration checkTtl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, was " + ttl);
        }
        return ttl;
    }

    /** Checks a page size: 1 to {@link dev.outpost.spi.Registry#MAX_PAGE_SIZE}. */
    public static int checkLimit(int limit) {
        if (limit < 1 || limit > dev.outpost.spi.Registry.MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("limit must be 1 to " + dev.outpost.spi.Registry.MAX_PAGE_SIZE + ", was " + limit);
        }
        return limit;
    }

    /**
     * The page token that continues a listing after {@code lastKey}. Every implementation uses
     * these tokens, so a token stays valid across the broker and its backing store.
     */
    public static String pageToken(String lastKey) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("k1:" + lastKey).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The key a listing of {@code prefix} continues after.
     *
     * @throws RegistryException.InvalidKey when {@code token} is not a token for this prefix
     */
    public static String pageTokenStart(String prefix, String token) {
        Objects.requireNonNull(token, "pageToken");
        String s;
        try {
            s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new RegistryException.InvalidKey(prefix, "the page token is not one a registry issued");
        }
        if (!s.startsWith("k1:") || !s.substring(3).startsWith(prefix)) {
            throw new RegistryException.InvalidKey(prefix, "the page token was not issued for this prefix");
        }
        return s.substring(3);
    }

    private static void checkNamespace(String key, String ns) {
        if (!NAMESPACE.matcher(ns).matches()) {
            throw new RegistryException.InvalidKey(key,
                    "namespace '" + printable(ns) + "' must be 1 to 63 of [a-z0-9._-], starting with a letter or digit");
        }
    }

    private static void checkChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c) && !validSurrogate(s, i)) {
                throw new RegistryException.InvalidKey(s, "control character or broken surrogate at index " + i);
            }
        }
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** {@code s} with control characters (C0, DEL, C1) escaped and cut to 100 characters, for error messages. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 100; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return s.length() > 100 ? b + "..." : b.toString();
    }
}
