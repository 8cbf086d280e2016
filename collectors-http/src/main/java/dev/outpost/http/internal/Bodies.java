package dev.outpost.http.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import okhttp3.MediaType;

/** Decides whether a body is text and in which charset, and decodes it. */
public final class Bodies {
    private Bodies() {}

    /** A decoded text body and the charset used. */
    public record Text(String text, Charset charset) {}

    /**
     * The body as text, when the content type says it is textual (or, with no content type, when it
     * decodes as UTF-8 without control bytes). The charset comes from a byte-order mark, then the
     * content type, then UTF-8. Malformed bytes become U+FFFD.
     */
    public static Optional<Text> text(Optional<MediaType> type, byte[] body) {
        Optional<Charset> bom = bom(body);
        if (type.isPresent()) {
            if (!isTextual(type.get())) {
                return Optional.empty();
            }
            Charset cs = bom.orElseGet(() -> Optional.ofNullable(safeCharset(type.get())).orElse(StandardCharsets.UTF_8));
            return Optional.of(new Text(decode(body, cs), cs));
        }
        if (bom.isPresent()) {
            return Optional.of(new Text(decode(body, bom.get()), bom.get()));
        }
        if (looksLikeUtf8Text(body)) {
            return Optional.of(new Text(decode(body, StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
        return Optional.empty();
    }

    /** Whether a media type is text: {@code text/*}, JSON, XML, JavaScript, form data, YAML, CSV. */
    public static boolean isTextual(MediaType type) {
        String t = type.type().toLowerCase(Locale.ROOT);
        String s = type.subtype().toLowerCase(Locale.ROOT);
        if (t.equals("text")) {
            return true;
        }
        if (!t.equals("application")) {
            return t.equals("image") && s.equals("svg+xml");
        }
        return s.equals("json") || s.endsWith("+json") || s.equals("xml") || s.endsWith("+xml")
                || s.equals("javascript") || s.equals("ecmascript") || s.equals("x-www-form-urlencoded")
                || s.equals("yaml") || s.equals("x-yaml") || s.equals("csv") || s.equals("x-ndjson")
                || s.equals("graphql") || s.equals("problem+json");
    }

    private static Charset safeCharset(MediaType type) {
        try {
            return type.charset();
        } catch (RuntimeException e) {
            // An unknown charset name: fall back rather than fail the whole fetch.
            return null;
        }
    }

    private static Optional<Charset> bom(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf) {
            return Optional.of(StandardCharsets.UTF_8);
        }
        if (b.length >= 2 && (b[0] & 0xff) == 0xfe && (b[1] & 0xff) == 0xff) {
            return Optional.of(StandardCharsets.UTF_16BE);
        }
        if (b.length >= 2 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xfe) {
            return Optional.of(StandardCharsets.UTF_16LE);
        }
        return Optional.empty();
    }

    private static String decode(byte[] body, Charset cs) {
        String s = new String(body, cs);
        // The BOM is framing, not content.
        return !s.isEmpty() && s.charAt(0) == '\uFEFF' ? s.substring(1) : s;
    }

    private static boolean looksLikeUtf8Text(byte[] body) {
        for (byte b : body) {
            int c = b & 0xff;
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') {
                return false;
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
