package dev.outpost.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

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
        return HexFormat.of().formatHex(digest().digest(bytes(value)));
    }

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
                List<String> names = new ArrayList<>(node.size());
                node.fieldNames().forEachRemaining(names::add);
                names.sort(null);
                for (int i = 0; i < names.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    quote(names.get(i), sb);
                    sb.append(':');
                    write(node.get(names.get(i)), sb);
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

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * Appends {@code s} as a JSON string, as Jackson writes it by default: quote and backslash
     * escaped, control characters as two-character escapes or a four-digit hex escape (upper case).
     */
    public static void quote(String s, StringBuilder sb) {
        sb.append('"');
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
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
