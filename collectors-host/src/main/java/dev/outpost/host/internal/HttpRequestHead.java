package dev.outpost.host.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The request line and headers of one HTTP/1.x request, read with hard limits: at most
 * {@link #MAX_HEAD_BYTES} bytes and {@link #MAX_HEADERS} headers; no folded lines, no NUL or
 * other control characters, one {@code Content-Length} (digits only), no
 * {@code Transfer-Encoding} (a body must say its length). Anything else is a {@link Bad} carrying
 * the status to answer with.
 *
 * @param method the method, upper-case letters only
 * @param path the path, without the query
 * @param headers header names lower-cased, the first value of each, trimmed
 * @param contentLength the declared body length, if any
 */
public record HttpRequestHead(String method, String path, Map<String, String> headers, OptionalLong contentLength) {
    public static final int MAX_HEAD_BYTES = 16 * 1024;
    public static final int MAX_HEADERS = 64;

    /** A request that cannot be served; {@code status} is the reply. */
    public static final class Bad extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        public Bad(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** A header by name (any case). */
    public java.util.Optional<String> header(String name) {
        return java.util.Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    /**
     * Reads one request head from {@code in}, consuming exactly the head (the body, if any, follows).
     *
     * @throws Bad for a malformed or oversized head
     * @throws java.io.EOFException when the stream ends before any byte (an idle connection closed)
     * @throws IOException when reading fails (a deadline passed)
     */
    public static HttpRequestHead read(InputStream in) throws IOException {
        int[] budget = {MAX_HEAD_BYTES};
        String requestLine = line(in, budget, true);
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3) {
            throw new Bad(400, "malformed request line");
        }
        String method = parts[0];
        if (method.isEmpty() || method.length() > 16 || !method.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
            throw new Bad(400, "malformed method");
        }
        if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0")) {
            throw new Bad(505, "only HTTP/1.0 and HTTP/1.1 are served");
        }
        String target = parts[1];
        if (target.isEmpty() || target.charAt(0) != '/') {
            throw new Bad(400, "the request target must be a path");
        }
        int q = target.indexOf('?');
        String path = q >= 0 ? target.substring(0, q) : target;
        Map<String, String> headers = new TreeMap<>();
        int count = 0;
        while (true) {
            String line = line(in, budget, false);
            if (line.isEmpty()) {
                break;
            }
            if (++count > MAX_HEADERS) {
                throw new Bad(431, "too many headers");
            }
            char first = line.charAt(0);
            if (first == ' ' || first == '\t') {
                throw new Bad(400, "folded header lines are not accepted");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new Bad(400, "malformed header line");
            }
            String name = line.substring(0, colon);
            if (!name.chars().allMatch(HttpRequestHead::tokenChar)) {
                throw new Bad(400, "malformed header name");
            }
            String key = name.toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            if (key.equals("content-length") && headers.containsKey(key)) {
                throw new Bad(400, "more than one Content-Length");
            }
            headers.putIfAbsent(key, value);
        }
        if (headers.containsKey("transfer-encoding")) {
            throw new Bad(411, "chunked or encoded bodies are not accepted: send Content-Length");
        }
        OptionalLong length = OptionalLong.empty();
        String cl = headers.get("content-length");
        if (cl != null) {
            if (cl.isEmpty() || cl.length() > 18 || !cl.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new Bad(400, "malformed Content-Length");
            }
            length = OptionalLong.of(Long.parseLong(cl));
        }
        return new HttpRequestHead(method, path, Collections.unmodifiableMap(headers), length);
    }

    /** One line ending in CRLF (or a bare LF), without it; only visible ASCII, space and tab, within the budget. */
    private static String line(InputStream in, int[] budget, boolean firstLine) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (firstLine && sb.length() == 0 && budget[0] == MAX_HEAD_BYTES) {
                    throw new java.io.EOFException("connection closed");
                }
                throw new Bad(400, "the request head ended early");
            }
            if (--budget[0] < 0) {
                throw new Bad(431, "request head larger than " + MAX_HEAD_BYTES + " bytes");
            }
            if (b == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            if (b == '\r') {
                sb.append('\r');
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) == '\r') {
                throw new Bad(400, "a bare CR in the request head");
            }
            if ((b < 0x20 && b != '\t') || b == 0x7f) {
                throw new Bad(400, "a control character in the request head");
            }
            // header values are ISO-8859-1 octets; only ASCII is meaningful here
            sb.append((char) b);
        }
    }

    private static boolean tokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    @Override
    public String toString() {
        return method + " " + path;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
