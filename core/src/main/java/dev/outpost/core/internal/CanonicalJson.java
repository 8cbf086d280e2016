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
        JsonBytes hex = new JsonBytes(64);
        appendSha256Of(value, hex);
        return hex.toString();
    }

    /**
     * Appends the SHA-256, in lower-case hex, of the canonical form of {@code value} to {@code out}:
     * the same text as {@link #sha256Of}, without the intermediate strings and arrays (the audit
     * writer hashes every request's params).
     */
    public static void appendSha256Of(JsonNode value, JsonBytes out) {
        Scratch s = SCRATCH.get();
        JsonBytes text = s.text;
        text.setLength(0); // a value that failed to write (too deep) left its start behind
        write(value, text, s.shapes);
        MessageDigest d = s.digest; // left reset by the last digest(): it is updated only once the text is whole
        d.update(text.array(), 0, text.length());
        text.clear(MAX_KEPT); // one huge value must not pin its buffer for the thread's life
        try {
            d.digest(s.hash, 0, s.hash.length);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException("SHA-256 is 32 bytes", e);
        }
        out.hex(s.hash);
    }

    private static final int MAX_KEPT = 16 * 1024;

    /** Per-thread buffers for hashing: the writer threads hash one value after another. */
    private static final class Scratch {
        final JsonBytes text = new JsonBytes(256);
        final MessageDigest digest = newDigest();
        final byte[] hash = new byte[32];
        /** Key orders seen lately, by key count and first key: requests to one collector repeat theirs. */
        final Shape[] shapes = new Shape[16];
    }

    /**
     * An object's keys in the order its map gives them, the order that sorts them, and each key
     * rendered as {@code "key":}. Sorting and quoting the keys was a third of the audit writer's
     * canonical form; parsed field names are interned, so a match is mostly identity checks.
     */
    private static final class Shape {
        final String[] keys;
        final int[] sorted;
        final byte[][] rendered;

        Shape(Map.Entry<String, JsonNode>[] fields, int n) {
            keys = new String[n];
            for (int i = 0; i < n; i++) {
                keys[i] = fields[i].getKey();
            }
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> keys[a].compareTo(keys[b])); // stable: duplicate keys cannot occur in a map anyway
            sorted = new int[n];
            rendered = new byte[n][];
            JsonBytes key = new JsonBytes(32);
            for (int i = 0; i < n; i++) {
                sorted[i] = order[i];
                key.setLength(0);
                key.quoted(keys[order[i]]).ascii(':');
                rendered[i] = key.toByteArray();
            }
        }

        boolean matches(Map.Entry<String, JsonNode>[] fields, int n) {
            if (n != keys.length) {
                return false;
            }
            for (int i = 0; i < n; i++) {
                String k = fields[i].getKey();
                if (k != keys[i] && !k.equals(keys[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static byte[] bytes(JsonNode node) {
        JsonBytes out = new JsonBytes(128);
        write(node, out, null);
        return out.toByteArray();
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
     * the form never changes), in UTF-8, without a generator per scalar: that was most of the audit
     * writer's CPU.
     */
    private static void write(JsonNode node, JsonBytes out, Shape[] shapes) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                out.ascii('{');
                // the entries themselves, sorted: no second lookup of each value by its name
                @SuppressWarnings("unchecked")
                Map.Entry<String, JsonNode>[] fields = new Map.Entry[node.size()];
                Iterator<Map.Entry<String, JsonNode>> it = node.fields();
                int n = 0;
                while (n < fields.length && it.hasNext()) {
                    fields[n++] = it.next();
                }
                if (shapes != null && n > 0 && n <= 16) {
                    writeShaped(fields, n, out, shapes);
                    out.ascii('}');
                    return;
                }
                sortByKey(fields, n);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        out.ascii(',');
                    }
                    out.quoted(fields[i].getKey()).ascii(':');
                    write(fields[i].getValue(), out, shapes);
                }
                out.ascii('}');
            }
            case ARRAY -> {
                out.ascii('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.ascii(',');
                    }
                    write(node.get(i), out, shapes);
                }
                out.ascii(']');
            }
            case STRING -> out.quoted(node.textValue());
            case BOOLEAN -> out.bool(node.booleanValue());
            case NULL -> out.nul();
            case NUMBER -> {
                if (node.isInt() || node.isLong()) {
                    out.number(node.longValue());
                } else {
                    out.utf8(node.toString()); // doubles, big numbers: Jackson's own form
                }
            }
            default -> out.utf8(node.toString());
        }
    }

    /** The entries of a small object in key order, its keys' text and order from the cache of shapes. */
    private static void writeShaped(Map.Entry<String, JsonNode>[] fields, int n, JsonBytes out, Shape[] shapes) {
        int slot = (fields[0].getKey().hashCode() * 31 + n) & (shapes.length - 1);
        Shape shape = shapes[slot];
        if (shape == null || !shape.matches(fields, n)) {
            shape = new Shape(fields, n);
            shapes[slot] = shape;
        }
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                out.ascii(',');
            }
            out.bytes(shape.rendered[i]);
            write(fields[shape.sorted[i]].getValue(), out, shapes);
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
}
