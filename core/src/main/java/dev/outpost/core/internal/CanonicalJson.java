package dev.outpost.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
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
        StringBuilder sb = new StringBuilder();
        write(node, sb);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static void write(JsonNode node, StringBuilder sb) {
        if (node.isObject()) {
            sb.append('{');
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(TextNode.valueOf(names.get(i)).toString()).append(':');
                write(node.get(names.get(i)), sb);
            }
            sb.append('}');
        } else if (node.isArray()) {
            sb.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(node.get(i), sb);
            }
            sb.append(']');
        } else {
            sb.append(node.toString());
        }
    }
}
