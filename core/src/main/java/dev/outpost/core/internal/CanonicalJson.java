package dev.outpost.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;

/** Canonical JSON (object keys sorted at every depth) and its SHA-256, so equal documents hash alike. */
public final class CanonicalJson {
    private CanonicalJson() {}

    /** The SHA-256, in hex, of the canonical forms of {@code values}, each followed by a NUL. */
    public static String sha256(JsonNode... values) {
        MessageDigest d = digest();
        for (JsonNode v : values) {
            d.update(bytes(v));
            d.update((byte) 0);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** The SHA-256, in hex, of {@code text} in UTF-8. */
    public static String sha256(String text) {
        return HexFormat.of().formatHex(digest().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The SHA-256, in hex, of the canonical form of {@code value} alone. */
    public static String sha256Of(JsonNode value) {
        StringBuilder hex = new StringBuilder(64);
        appendSha256Of(value, hex);
        return hex.toString();
    }

    /**
     * Appends the SHA-256, in lower-case hex, of the canonical form of {@code value} to {@code out}:
     * the same text as {@link #sha256Of}, without the intermediate strings and arrays (the audit
     * writer hashes every request's params).
     */
    public static void appendSha256Of(JsonNode value, StringBuilder out) {
        Scratch s = SCRATCH.get();
        StringBuilder text = s.text;
        text.setLength(0);
        write(value, text);
        MessageDigest d = s.digest;
        d.reset();
        int n = text.length();
        byte[] buf = n <= s.bytes.length ? s.bytes : new byte[n];
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                break;
            }
            buf[i++] = (byte) c;
        }
        if (i == n) {
            d.update(buf, 0, n);
        } else { // non-ASCII: the JDK's encoder, for surrogate pairs and the like
            d.update(text.toString().getBytes(StandardCharsets.UTF_8));
        }
        byte[] h = d.digest();
        for (byte b : h) {
            out.append(LOWER_HEX[(b >> 4) & 0xF]).append(LOWER_HEX[b & 0xF]);
        }
        if (text.capacity() > MAX_KEPT) { // one huge value must not pin its buffer for the thread's life
            s.text = new StringBuilder(256);
        }
    }

    private static final char[] LOWER_HEX = "0123456789abcdef".toCharArray();
    private static final int MAX_KEPT = 16 * 1024;

    /** Per-thread buffers for hashing: the writer threads hash one value after another. */
    private static final class Scratch {
        StringBuilder text = new StringBuilder(256);
        final byte[] bytes = new byte[MAX_KEPT];
        final MessageDigest digest = newDigest();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static byte[] bytes(JsonNode node) {
        StringBuilder sb = new StringBuilder(128);
        write(node, sb);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    // getInstance looks the provider up on every call; a digest per thread is reset by digest()
    private static final ThreadLocal<MessageDigest> DIGESTS = ThreadLocal.withInitial(CanonicalJson::newDigest);

    private static MessageDigest digest() {
        MessageDigest d = DIGESTS.get();
        d.reset();
        return d;
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * Writes the same text as Jackson's {@code toString()} of each scalar (the hashes are stored, so
     * the form never changes), without a generator per scalar: that was most of the audit writer's CPU.
     */
    private static void write(JsonNode node, StringBuilder sb) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                sb.append('{');
                // the entries themselves, sorted: no second lookup of each value by its name
                @SuppressWarnings("unchecked")
                Map.Entry<String, JsonNode>[] fields = new Map.Entry[node.size()];
                Iterator<Map.Entry<String, JsonNode>> it = node.fields();
                int n = 0;
                while (n < fields.length && it.hasNext()) {
                    fields[n++] = it.next();
                }
                sortByKey(fields, n);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    quote(fields[i].getKey(), sb);
                    sb.append(':');
                    write(fields[i].getValue(), sb);
                }
                sb.append('}');
            }
            case ARRAY -> {
                sb.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    write(node.get(i), sb);
                }
                sb.append(']');
            }
            case STRING -> quote(node.textValue(), sb);
            case BOOLEAN -> sb.append(node.booleanValue());
            case NULL -> sb.append("null");
            case NUMBER -> {
                if (node.isInt() || node.isLong()) {
                    sb.append(node.longValue());
                } else {
                    sb.append(node.toString()); // doubles, big numbers: Jackson's own form
                }
            }
            default -> sb.append(node.toString());
        }
    }

    /** Params have a handful of keys: an insertion sort beats {@code Arrays.sort}'s set-up and comparator calls. */
    private static void sortByKey(Map.Entry<String, JsonNode>[] fields, int n) {
        if (n > 16) {
            Arrays.sort(fields, 0, n, Map.Entry.comparingByKey());
            return;
        }
        for (int i = 1; i < n; i++) {
            Map.Entry<String, JsonNode> e = fields[i];
            String key = e.getKey();
            int j = i - 1;
            while (j >= 0 && fields[j].getKey().compareTo(key) > 0) {
                fields[j + 1] = fields[j];
                j--;
            }
            fields[j + 1] = e;
        }
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * Appends {@code s} as a JSON string, as Jackson writes it by default: quote and backslash
     * escaped, control characters as two-character escapes or a four-digit hex escape (upper case).
     */
    public static void quote(String s, StringBuilder sb) {
        sb.append('"');
        int n = s.length();
        int clean = 0;
        while (clean < n) {
            char c = s.charAt(clean);
            if (c < 0x20 || c == '"' || c == '\\') {
                break;
            }
            clean++;
        }
        if (clean == n) { // the usual case: appending the whole string is one array copy, a range is a loop per char
            sb.append(s).append('"');
            return;
        }
        int from = 0;
        for (int i = clean; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            sb.append(s, from, i);
            from = i + 1;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        sb.append(s, from, s.length()).append('"');
    }
}
