package dev.outpost.micrometer.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * One HTTP/1.1 exchange on a scrape connection: reads a request head of at most
 * {@value #MAX_HEAD} bytes, answers {@code GET /metrics} (and {@code HEAD}) with the scrape text and
 * everything else with a short error, then the caller closes the connection. The head's bytes are
 * hostile: only the request line is looked at, and nothing of it is echoed back.
 */
public final class ScrapeExchange {
    /** The most bytes of request line and headers read; a longer head is answered 431. */
    public static final int MAX_HEAD = 8192;
    /** The content type of Prometheus' text format 0.0.4, what {@code PrometheusMeterRegistry.scrape()} writes. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private ScrapeExchange() {
    }

    /**
     * Serves one request on {@code socket} (whose read timeout bounds each read; the server bounds
     * the whole exchange).
     *
     * @param scrape renders the metrics; it runs user code (gauges), so it may throw anything, which
     *     is answered 500 and rethrown for the caller to count
     */
    public static void serve(Socket socket, Supplier<String> scrape) throws IOException {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        String line = readHead(in);
        if (line == null) {
            respond(out, 431, "Request Header Fields Too Large", "request head over " + MAX_HEAD + " bytes\n", false);
            return;
        }
        String[] parts = line.split(" ", -1);
        if (!isHttp1(parts)) {
            respond(out, 400, "Bad Request", "not an HTTP/1.x request line\n", false);
            return;
        }
        boolean head = parts[0].equals("HEAD");
        if (!head && !parts[0].equals("GET")) {
            respond(out, 405, "Method Not Allowed", "only GET /metrics\n", false);
            return;
        }
        int q = parts[1].indexOf('?');
        String path = q < 0 ? parts[1] : parts[1].substring(0, q);
        if (!path.equals("/metrics")) {
            respond(out, 404, "Not Found", "only GET /metrics\n", false);
            return;
        }
        String body;
        try {
            body = scrape.get();
        } catch (Throwable t) {
            respond(out, 500, "Internal Server Error", "the metrics could not be rendered\n", false);
            throw t;
        }
        respond(out, 200, "OK", body, head);
    }

    /**
     * The request line once the head has ended (at an empty line; a line ends in CRLF or a bare LF, as
     * RFC 9112 lets a server accept), or at once when the request line is not HTTP/1.x: nothing after it can
     * make it one, and an HTTP/0.9 or garbage client would otherwise wait for the timeout with no answer. Null
     * when the head is longer than {@link #MAX_HEAD}; EOF before its end is an IOException.
     */
    static String readHead(InputStream in) throws IOException {
        byte[] buf = new byte[MAX_HEAD];
        int n = 0;
        int lineStart = 0;
        String requestLine = null;
        while (true) {
            if (n == buf.length) {
                return null;
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                throw new IOException("connection closed before the request head ended");
            }
            int end = n + r;
            for (int i = n; i < end; i++) {
                if (buf[i] != '\n') {
                    continue;
                }
                int lineEnd = i > lineStart && buf[i - 1] == '\r' ? i - 1 : i;
                if (requestLine == null) {
                    requestLine = new String(buf, lineStart, lineEnd - lineStart, StandardCharsets.ISO_8859_1);
                    if (!isHttp1(requestLine.split(" ", -1))) {
                        return requestLine;
                    }
                } else if (lineEnd == lineStart) {
                    return requestLine;
                }
                lineStart = i + 1;
            }
            n = end;
        }
    }

    private static boolean isHttp1(String[] requestLine) {
        return requestLine.length == 3 && requestLine[2].startsWith("HTTP/1.");
    }

    private static void respond(OutputStream out, int status, String reason, String body, boolean headOnly) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String contentType = status == 200 ? CONTENT_TYPE : "text/plain; charset=utf-8";
        String headers = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: " + contentType + "\r\nContent-Length: "
                + bytes.length + "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n";
        out.write(headers.getBytes(StandardCharsets.ISO_8859_1));
        if (!headOnly) {
            out.write(bytes);
        }
        out.flush();
    }
}
