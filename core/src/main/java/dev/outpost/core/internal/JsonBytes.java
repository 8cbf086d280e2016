package dev.outpost.core.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable UTF-8 buffer for JSON written by hand: strings quoted as Jackson quotes them by
 * default, and encoded as {@code String.getBytes(UTF_8)} encodes them (an unpaired surrogate
 * becomes {@code ?}), so a hash of what it holds is the hash of the JDK's encoding of the same
 * text. For writers that put out one small document after another (the audit writer), where a
 * {@code StringBuilder} and its encoding to bytes were most of the cost. Not thread-safe.
 */
public final class JsonBytes {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    /** Chars encoded per check for room: a huge string grows the buffer by what it needs, not by its worst case. */
    private static final int CHUNK = 512;
    private final int initial;
    private byte[] buf;
    private int len;

    /** An empty buffer of {@code capacity} bytes, the size it returns to on {@link #shrink}. */
    public JsonBytes(int capacity) {
        this.initial = capacity;
        this.buf = new byte[capacity];
    }

    /** Bytes written. */
    public int length() {
        return len;
    }

    /** The backing array: valid up to {@link #length()}, replaced when the buffer grows. */
    public byte[] array() {
        return buf;
    }

    /** Forgets everything from {@code length} on. */
    public void setLength(int length) {
        if (length < 0 || length > len) {
            throw new IndexOutOfBoundsException(length);
        }
        len = length;
    }

    /** Empties the buffer, and lets go of its array when it grew past {@code maxKept}: one huge document must not pin it. */
    public void clear(int maxKept) {
        len = 0;
        if (buf.length > maxKept) {
            buf = new byte[initial];
        }
    }

    /** A copy of the bytes written. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    /** The bytes from {@code from} to {@code to}, decoded. */
    public String text(int from, int to) {
        return new String(buf, from, to - from, StandardCharsets.UTF_8);
    }

    /** Makes room for {@code n} more bytes (a worst case: long, so that a huge string cannot overflow it). */
    private void room(long n) {
        if (buf.length - len < n) {
            long want = Math.max(buf.length * 2L, len + n);
            if (want > Integer.MAX_VALUE - 8) {
                throw new OutOfMemoryError("JSON text past 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) want);
        }
    }

    /** Appends {@code b}, a byte of ASCII. */
    public JsonBytes ascii(char b) {
        room(1);
        buf[len++] = (byte) b;
        return this;
    }

    /** Appends {@code s} in UTF-8, unquoted. */
    public JsonBytes utf8(String s) {
        int n = s.length();
        for (int i = 0; i < n; ) {
            int end = Math.min(n, i + CHUNK);
            room((end - i) * 3L + 1); // + 1: a pair split at the chunk's end takes 4 bytes for its last char
            for (; i < end; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    buf[len++] = (byte) c;
                } else {
                    i = encode(s, i, c);
                }
            }
        }
        return this;
    }

    /**
     * Appends {@code s} as a JSON string: quote and backslash escaped, control characters as
     * two-character escapes or a four-digit hex escape (upper case), everything else as it is.
     */
    public JsonBytes quoted(String s) {
        ascii('"');
        int n = s.length();
        for (int i = 0; i < n; ) {
            int end = Math.min(n, i + CHUNK);
            room((end - i) * 6L); // the worst case, a control character's six bytes, a chunk at a time
            byte[] b = buf;
            for (; i < end; i++) {
                char c = s.charAt(i);
                if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                    b[len++] = (byte) c;
                } else if (c >= 0x80) {
                    i = encode(s, i, c);
                } else {
                    escape(c);
                }
            }
        }
        return ascii('"');
    }

    private void escape(char c) {
        byte[] b = buf;
        b[len++] = '\\';
        switch (c) {
            case '"' -> b[len++] = '"';
            case '\\' -> b[len++] = '\\';
            case '\b' -> b[len++] = 'b';
            case '\t' -> b[len++] = 't';
            case '\n' -> b[len++] = 'n';
            case '\f' -> b[len++] = 'f';
            case '\r' -> b[len++] = 'r';
            default -> {
                b[len++] = 'u';
                b[len++] = '0';
                b[len++] = '0';
                b[len++] = HEX[c >> 4];
                b[len++] = HEX[c & 0xF];
            }
        }
    }

    /** Encodes the non-ASCII char at {@code i} (with its low surrogate, when it has one); the index of the last char used. */
    private int encode(String s, int i, char c) {
        byte[] b = buf;
        if (c < 0x800) {
            b[len++] = (byte) (0xC0 | c >> 6);
            b[len++] = (byte) (0x80 | c & 0x3F);
        } else if (!Character.isSurrogate(c)) {
            b[len++] = (byte) (0xE0 | c >> 12);
            b[len++] = (byte) (0x80 | c >> 6 & 0x3F);
            b[len++] = (byte) (0x80 | c & 0x3F);
        } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, s.charAt(i + 1));
            b[len++] = (byte) (0xF0 | cp >> 18);
            b[len++] = (byte) (0x80 | cp >> 12 & 0x3F);
            b[len++] = (byte) (0x80 | cp >> 6 & 0x3F);
            b[len++] = (byte) (0x80 | cp & 0x3F);
            return i + 1;
        } else {
            b[len++] = '?'; // as the JDK's encoder replaces an unpaired surrogate
        }
        return i;
    }

    /** Appends {@code v} in decimal. */
    public JsonBytes number(long v) {
        if (v == Long.MIN_VALUE) {
            return utf8("-9223372036854775808");
        }
        room(20);
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long p = 10; digits < 19 && v >= p; p *= 10) {
            digits++;
        }
        for (int i = len + digits - 1; i >= len; i--) {
            buf[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        len += digits;
        return this;
    }

    /** Appends {@code true} or {@code false}. */
    public JsonBytes bool(boolean v) {
        return bytes(v ? TRUE : FALSE);
    }

    /** Appends {@code null}. */
    public JsonBytes nul() {
        return bytes(NULL);
    }

    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    /** Appends {@code count} bytes of {@code src} from {@code from}. */
    public JsonBytes bytes(byte[] src, int from, int count) {
        room(count);
        System.arraycopy(src, from, buf, len, count);
        len += count;
        return this;
    }

    /** Appends all of {@code src}: text rendered once and kept (field names, repeated values). */
    public JsonBytes bytes(byte[] src) {
        return bytes(src, 0, src.length);
    }

    /** Appends the two lower-case hex digits of each byte of {@code src}. */
    public JsonBytes hex(byte[] src) {
        room(src.length * 2L);
        byte[] b = buf;
        int at = len;
        for (byte x : src) {
            int i = (x & 0xFF) << 1;
            b[at] = HEX_PAIRS[i];
            b[at + 1] = HEX_PAIRS[i + 1];
            at += 2;
        }
        len = at;
        return this;
    }

    /** Both lower-case hex digits of every byte value, side by side: a hash is 32 lookups, not 64. */
    private static final byte[] HEX_PAIRS = new byte[512];

    static {
        byte[] digits = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        for (int v = 0; v < 256; v++) {
            HEX_PAIRS[2 * v] = digits[v >> 4];
            HEX_PAIRS[2 * v + 1] = digits[v & 0xF];
        }
    }

    @Override
    public String toString() {
        return text(0, len);
    }
}
