package dev.outpost.http;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of {@code http.request}.
 *
 * @param url the URL requested
 * @param finalUrl the URL that gave the final response, after redirects
 * @param redirects the redirects followed, in order; empty for none
 * @param status the final HTTP status code
 * @param reason the status line's reason phrase (often empty over HTTP/2)
 * @param protocol the HTTP protocol, e.g. {@code http/1.1}, {@code h2}
 * @param headers the final response's headers, names in lower case, values in order
 * @param contentType the {@code Content-Type} header, if any
 * @param charset the charset the text body was decoded with, when {@code bodyEncoding} is {@code text}
 * @param body the body: text, or base64 for binary content; empty for none (HEAD, 204)
 * @param bodyEncoding {@code text}, {@code base64}, or {@code none}
 * @param size the number of body bytes read (after content decoding, at most the size limit)
 * @param truncated whether the body was longer than the size limit and was cut there
 * @param elapsedMs how long the whole exchange took, redirects included, in milliseconds
 * @param tls the TLS session, for HTTPS
 */
public record HttpResult(
        String url,
        String finalUrl,
        List<Redirect> redirects,
        int status,
        String reason,
        String protocol,
        Map<String, List<String>> headers,
        Optional<String> contentType,
        Optional<String> charset,
        Optional<String> body,
        String bodyEncoding,
        long size,
        boolean truncated,
        long elapsedMs,
        Optional<TlsInfo> tls) {

    /** {@link #bodyEncoding()} for a body decoded as text. */
    public static final String TEXT = "text";
    /** {@link #bodyEncoding()} for a binary body, base64-encoded. */
    public static final String BASE64 = "base64";
    /** {@link #bodyEncoding()} when there is no body. */
    public static final String NONE = "none";

    /** Validates and copies the components. */
    public HttpResult {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(finalUrl, "finalUrl");
        redirects = List.copyOf(redirects);
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(protocol, "protocol");
        headers = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(headers));
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(charset, "charset");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(bodyEncoding, "bodyEncoding");
        Objects.requireNonNull(tls, "tls");
    }

    /** The first value of a header (name in any case), if present. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
}
