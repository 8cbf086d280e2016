package dev.outpost.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Request;
import dev.outpost.http.internal.Bodies;
import dev.outpost.http.internal.Core;
import dev.outpost.http.internal.FetchResult;
import dev.outpost.http.internal.FetchSpec;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code http.request}: sends an HTTP request and returns the response as an {@link HttpResult},
 * under an {@link EgressPolicy}. Thread-safe; close it to release pooled connections.
 *
 * <p>Params (schema {@code http-request.schema.json}): {@code url} (required), {@code method},
 * {@code headers}, {@code body} or {@code bodyBase64}, {@code contentType},
 * {@code connectTimeoutMs}, {@code readTimeoutMs}, {@code timeoutMs}, {@code followRedirects},
 * {@code maxRedirects}, {@code maxBytes}. See the module README for each.
 *
 * <p>Failures: {@code egress-denied}, {@code bad-url}, {@code bad-redirect}, {@code bad-params},
 * {@code bad-settings}, {@code too-many-redirects}, {@code too-large}, {@code tls-failed},
 * {@code protocol-error} (permanent); {@code timeout}, {@code connect-failed}, {@code dns-failed},
 * {@code io-failed} (retryable). {@code maxBytes} is the whole result's budget: redirect URLs and
 * the reason phrase and response headers spend it first ({@code too-large} when they alone exceed it), and a body over
 * what is left is not a failure: it is cut and {@code truncated} is true.
 */
public final class HttpRequestCollector implements Collector, AutoCloseable {
    /** The collector's name. */
    public static final String NAME = "http.request";

    private static final JsonNode SCHEMA = Core.schema(HttpRequestCollector.class, "http-request.schema.json");

    private final Core core;

    /** A collector with {@link HttpOptions#defaults()}; what {@link java.util.ServiceLoader} makes. */
    public HttpRequestCollector() {
        this(HttpOptions.defaults());
    }

    private HttpRequestCollector(HttpOptions options) {
        this.core = new Core(Objects.requireNonNull(options, "options"), options.threadFactory());
    }

    /** A collector with explicit options (egress policy, resolver, timeouts, limits, TLS trust). */
    public static HttpRequestCollector create(HttpOptions options) {
        return new HttpRequestCollector(options);
    }

    /** The options it was built with (settings from configuration apply on top, per run). */
    public HttpOptions options() {
        return core.options();
    }

    /** {@inheritDoc} Applies them to the options, so a bad setting fails when the worker is built. */
    @Override
    public void validateSettings(java.util.Map<String, String> settings) {
        core.validateSettings(settings);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Sends an HTTP(S) request to an allowed destination and returns status, headers, body and TLS details";
    }

    @Override
    public JsonNode paramsSchema() {
        return SCHEMA.deepCopy();
    }

    @Override
    public HttpResult collect(Request request, CollectorContext context) {
        HttpOptions eff = core.effective(context);
        String method = request.params().path("method").asText("GET").toUpperCase(Locale.ROOT);
        FetchSpec spec = core.spec(request.params(), method, eff, true);
        FetchResult r = core.fetch(spec, eff, context);
        return result(r);
    }

    static HttpResult result(FetchResult r) {
        Map<String, List<String>> headers = new TreeMap<>();
        for (String name : r.headers().names()) {
            headers.put(name.toLowerCase(Locale.ROOT), r.headers().values(name));
        }
        Optional<String> body;
        Optional<String> charset = Optional.empty();
        String encoding;
        if (r.body().length == 0) {
            body = Optional.empty();
            encoding = HttpResult.NONE;
        } else {
            Optional<Bodies.Text> text = Bodies.text(r.contentType(), r.body());
            if (text.isPresent()) {
                body = Optional.of(text.get().text());
                charset = Optional.of(text.get().charset().name());
                encoding = HttpResult.TEXT;
            } else {
                body = Optional.of(Base64.getEncoder().encodeToString(r.body()));
                encoding = HttpResult.BASE64;
            }
        }
        return new HttpResult(r.url(), r.finalUrl(), new ArrayList<>(r.redirects()), r.status(), r.message(), r.protocol(),
                headers, r.contentType().map(Object::toString), charset, body, encoding, r.body().length, r.truncated(),
                TimeUnit.NANOSECONDS.toMillis(r.elapsedNanos()), r.tls());
    }

    /** Closes idle pooled connections. */
    @Override
    public void close() {
        core.close();
    }
}
