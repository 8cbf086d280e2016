package dev.outpost.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.CollectorException;
import dev.outpost.http.HttpOptions;
import dev.outpost.Json;
import dev.outpost.spi.CollectorContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Headers;

/** What both collectors share: the options, the fetcher, settings and params handling. */
public final class Core implements AutoCloseable {
    private static final int MAX_CACHED_SETTINGS = 16;
    /**
     * Headers a caller may not set: {@code Host} (the URL says where the request goes; a different
     * Host reaches another virtual host behind the checked address) and the hop-by-hop and framing
     * headers, which are the HTTP client's to write (a caller's would smuggle a second request or
     * change the connection). Any {@code Proxy-*} header too. Lower case.
     */
    public static final Set<String> REFUSED_HEADERS = Set.of("host", "connection", "keep-alive", "transfer-encoding", "te",
            "trailer", "upgrade", "content-length");

    private final HttpOptions options;
    private final Fetcher fetcher;
    private final Map<Map<String, String>, HttpOptions> effective = new ConcurrentHashMap<>();

    /** A core for {@code options}, its threads from {@code threads} (the user's factory, if any). */
    public Core(HttpOptions options, Optional<java.util.concurrent.ThreadFactory> threads) {
        this.options = options;
        this.fetcher = new Fetcher(options, threads);
    }

    /** The options the collector was built with. */
    public HttpOptions options() {
        return options;
    }

    /** Applies {@code settings} to the options, so a bad setting fails when the worker is built. */
    public void validateSettings(Map<String, String> settings) {
        try {
            options.withSettings(settings);
        } catch (IllegalArgumentException e) {
            throw dev.outpost.ConfigException.of("*", e.getMessage());
        }
    }

    /** Loads a schema shipped next to {@code anchor}. */
    public static JsonNode schema(Class<?> anchor, String resource) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema resource " + resource + " is missing from the jar");
            }
            return Json.reader().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The options with the context's settings applied; parsed once per distinct settings.
     *
     * @throws CollectorException {@code bad-settings} (permanent) naming the setting
     */
    public HttpOptions effective(CollectorContext context) {
        Map<String, String> settings = context.settings();
        if (settings.isEmpty()) {
            return options;
        }
        HttpOptions cached = effective.get(settings);
        if (cached != null) {
            return cached;
        }
        HttpOptions applied;
        try {
            applied = options.withSettings(settings);
        } catch (IllegalArgumentException e) {
            throw CollectorException.permanent("bad-settings", e.getMessage() + " (fix it in the worker's configuration)");
        }
        if (effective.size() >= MAX_CACHED_SETTINGS) {
            effective.clear();
        }
        effective.put(Map.copyOf(settings), applied);
        return applied;
    }

    /**
     * Reads the fetch params (see the schemas) against the effective limits.
     *
     * @param method the method, already chosen by the caller
     * @param headersInResult whether the result carries the response headers (they then count against {@code maxBytes})
     * @throws CollectorException {@code bad-params} (permanent) for what the schema cannot catch
     */
    public FetchSpec spec(ObjectNode params, String method, HttpOptions eff, boolean headersInResult) {
        String url = text(params, "url").orElseThrow(() -> badParams("url is required"));
        Headers.Builder headers = new Headers.Builder();
        JsonNode h = params.path("headers");
        for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String lower = e.getKey().toLowerCase(Locale.ROOT);
            if (REFUSED_HEADERS.contains(lower) || lower.startsWith("proxy-")) {
                throw badParams("header '" + e.getKey() + "' cannot be set: the client writes Host, Content-Length and the "
                        + "hop-by-hop headers (Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade, Proxy-*) itself");
            }
            try {
                headers.add(e.getKey(), e.getValue().asText());
            } catch (IllegalArgumentException ex) {
                throw badParams("header '" + e.getKey() + "': names and values must be printable ASCII without line breaks");
            }
        }
        Optional<byte[]> body = Optional.empty();
        if (params.hasNonNull("body")) {
            body = Optional.of(params.get("body").asText().getBytes(StandardCharsets.UTF_8));
        } else if (params.hasNonNull("bodyBase64")) {
            try {
                body = Optional.of(Base64.getDecoder().decode(params.get("bodyBase64").asText()));
            } catch (IllegalArgumentException e) {
                throw badParams("bodyBase64 is not valid base64");
            }
        }
        if (body.isPresent() && (method.equals("GET") || method.equals("HEAD"))) {
            throw badParams(method + " requests carry no body; use POST, PUT or PATCH, or drop the body");
        }
        Optional<String> contentType = text(params, "contentType").or(() -> Optional.ofNullable(headers.get("Content-Type")));
        if (body.isPresent() && contentType.isEmpty()) {
            contentType = Optional.of(params.hasNonNull("body") ? "text/plain; charset=utf-8" : "application/octet-stream");
        }
        if (contentType.isPresent() && okhttp3.MediaType.parse(contentType.get()) == null) {
            throw badParams("contentType '" + contentType.get() + "' is not a media type (e.g. application/json)");
        }
        int maxRedirects = params.path("maxRedirects").asInt(eff.maxRedirects());
        if (maxRedirects > eff.maxRedirects()) {
            throw badParams("maxRedirects " + maxRedirects + " is above this worker's limit of " + eff.maxRedirects()
                    + " (setting " + HttpOptions.MAX_REDIRECTS + ")");
        }
        long maxBytes = params.path("maxBytes").asLong(eff.maxBodyBytes());
        if (maxBytes > eff.maxBodyBytes()) {
            throw badParams("maxBytes " + maxBytes + " is above this worker's limit of " + eff.maxBodyBytes()
                    + " (setting " + HttpOptions.MAX_BODY_BYTES + ")");
        }
        return new FetchSpec(
                method.toUpperCase(Locale.ROOT),
                url,
                headers.build(),
                body,
                contentType,
                millis(params, "connectTimeoutMs", eff.connectTimeout()),
                millis(params, "readTimeoutMs", eff.readTimeout()),
                millis(params, "timeoutMs", eff.timeout()),
                params.path("followRedirects").asBoolean(true),
                maxRedirects,
                maxBytes,
                headersInResult);
    }

    /** Fetches, bounded by the spec's timeout and the worker's deadline. */
    public FetchResult fetch(FetchSpec spec, HttpOptions eff, CollectorContext context) {
        Duration remaining = context.remaining();
        Duration budget = spec.timeout().compareTo(remaining) < 0 ? spec.timeout() : remaining;
        return fetcher.fetch(spec, eff.egressPolicy(), budget);
    }

    private static Duration millis(ObjectNode params, String name, Duration fallback) {
        JsonNode n = params.get(name);
        if (n == null || n.isNull()) {
            return fallback;
        }
        long ms = n.asLong();
        if (ms <= 0) {
            throw badParams(name + " must be positive, was " + ms);
        }
        return Duration.ofMillis(ms);
    }

    private static Optional<String> text(ObjectNode params, String name) {
        JsonNode n = params.get(name);
        return n == null || n.isNull() ? Optional.empty() : Optional.of(n.asText());
    }

    /** A permanent {@code bad-params} failure. */
    public static CollectorException badParams(String message) {
        return CollectorException.permanent("bad-params", message);
    }

    @Override
    public void close() {
        fetcher.close();
    }
}
