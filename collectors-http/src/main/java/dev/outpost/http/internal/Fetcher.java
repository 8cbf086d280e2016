package dev.outpost.http.internal;

import dev.outpost.CollectorException;
import dev.outpost.http.CertificateInfo;
import dev.outpost.http.EgressDeniedException;
import dev.outpost.http.EgressPolicy;
import dev.outpost.http.HttpOptions;
import dev.outpost.http.Redirect;
import dev.outpost.http.Resolver;
import dev.outpost.http.TlsInfo;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.Call;
import okhttp3.Handshake;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * Fetches a URL with OkHttp under an egress policy: follows redirects itself (bounded, each hop
 * checked), bounds the whole exchange by a deadline, reads at most the size limit. Thread-safe;
 * one per collector.
 */
public final class Fetcher implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Fetcher.class);
    private static final int MAX_CLIENTS = 32;
    /**
     * The only caller-set headers that follow a redirect to another origin: content negotiation and
     * the description of a body that is resent (307, 308). Anything else may be a credential
     * ({@code Authorization}, {@code Cookie}, {@code X-Api-Key}, a signed header...) meant for the
     * first origin only.
     */
    public static final Set<String> CROSS_ORIGIN_HEADERS = Set.of("accept", "accept-language", "accept-encoding",
            "user-agent", "cache-control", "pragma", "content-type", "content-language");

    private final OkHttpClient base;
    private final Resolver resolver;
    private final String userAgent;
    private final Map<EgressPolicy, OkHttpClient> clients = new ConcurrentHashMap<>();
    private final Watchdog watchdog;
    // DNS lookups, so that a silent name server cannot hold a fetch past its deadline (see PolicyDns.DEADLINE).
    private final java.util.concurrent.ThreadPoolExecutor lookups;

    /** A fetcher with the resolver, TLS and user agent of {@code options}, its threads from {@code threads} when given. */
    public Fetcher(HttpOptions options, Optional<java.util.concurrent.ThreadFactory> threads) {
        this.watchdog = new Watchdog(threads);
        this.lookups = lookups(threads);
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                // Redirects are followed here, hop by hop, so that each is checked and recorded.
                .followRedirects(false)
                .followSslRedirects(false)
                // A failed route is not retried on another: the deadline and the worker's retries decide.
                .retryOnConnectionFailure(false)
                // The policy is about the address connected to: a proxy would hide it.
                .proxy(Proxy.NO_PROXY)
                // OkHttp refuses more than Integer.MAX_VALUE ms: capped, as the per-request ones are
                .connectTimeout(millis(options.connectTimeout()), TimeUnit.MILLISECONDS)
                .readTimeout(millis(options.readTimeout()), TimeUnit.MILLISECONDS)
                .writeTimeout(millis(options.readTimeout()), TimeUnit.MILLISECONDS)
                // Per-request connect and read timeouts, from the params.
                .addInterceptor(chain -> {
                    CallTimeouts t = chain.request().tag(CallTimeouts.class);
                    Interceptor.Chain c = chain;
                    if (t != null && c.connectTimeoutMillis() != millis(t.connect())) {
                        c = c.withConnectTimeout(millis(t.connect()), TimeUnit.MILLISECONDS);
                    }
                    if (t != null && c.readTimeoutMillis() != millis(t.read())) {
                        c = c.withReadTimeout(millis(t.read()), TimeUnit.MILLISECONDS)
                                .withWriteTimeout(millis(t.read()), TimeUnit.MILLISECONDS);
                    }
                    return c.proceed(c.request());
                });
        options.sslSocketFactory().ifPresent(f -> b.sslSocketFactory(f, options.trustManager().orElseThrow()));
        this.base = b.build();
        this.resolver = options.resolver();
        this.userAgent = options.userAgent();
    }

    private record CallTimeouts(Duration connect, Duration read) {}

    private static java.util.concurrent.ThreadPoolExecutor lookups(Optional<java.util.concurrent.ThreadFactory> threads) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        // Bounded: lookups a silent name server holds queue the others, each still bounded by its fetch's deadline.
        java.util.concurrent.ThreadPoolExecutor e = new java.util.concurrent.ThreadPoolExecutor(16, 16, 10, TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(),
                r -> Watchdog.newThread(threads, r, "outpost-http-resolve-" + n.incrementAndGet()));
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    private OkHttpClient clientFor(EgressPolicy policy) {
        OkHttpClient client = clients.get(policy);
        if (client != null) {
            return client;
        }
        if (clients.size() >= MAX_CLIENTS) {
            // Policies come from settings, which rarely change; forget old ones rather than grow.
            clients.clear();
        }
        return clients.computeIfAbsent(policy, p -> base.newBuilder()
                .dns(new PolicyDns(resolver, p, lookups))
                .socketFactory(new PolicySocketFactory(p))
                .addNetworkInterceptor(new ConnectedCheck(p))
                .build());
    }

    /**
     * Fetches under {@code policy}, within {@code budget} (the smaller of the spec's timeout and
     * the worker's deadline).
     *
     * @throws EgressDeniedException when the policy refuses a hop
     * @throws CollectorException with code {@code timeout}, {@code connect-failed}, {@code dns-failed}
     *     (retryable), {@code tls-failed}, {@code too-many-redirects}, {@code bad-url},
     *     {@code bad-redirect}, {@code protocol-error} (permanent), {@code io-failed} (retryable)
     */
    public FetchResult fetch(FetchSpec spec, EgressPolicy policy, Duration budget) {
        long start = System.nanoTime();
        long budgetNanos = budget.toNanos();
        OkHttpClient client = clientFor(policy);
        CallTimeouts timeouts = new CallTimeouts(spec.connectTimeout(), spec.readTimeout());
        String url = spec.url();
        String method = spec.method();
        Optional<byte[]> body = spec.body();
        Headers headers = spec.headers().get("User-Agent") == null
                ? spec.headers().newBuilder().add("User-Agent", userAgent).build()
                : spec.headers();
        List<Redirect> redirects = new ArrayList<>();
        long spent = 0; // of spec.maxBytes(), by what the result carries besides the body
        HttpUrl next = null;
        while (true) {
            HttpUrl httpUrl = next != null ? checked(policy, next) : checked(policy, url);
            long left = budgetNanos - (System.nanoTime() - start);
            if (left <= 0) {
                throw timeout(httpUrl.host(), budget, null);
            }
            Request request;
            try {
                MediaType type = spec.contentType().map(MediaType::parse).orElse(null);
                RequestBody requestBody = body.map(bytes -> RequestBody.create(bytes, type)).orElse(null);
                if (requestBody == null && (method.equals("POST") || method.equals("PUT") || method.equals("PATCH"))) {
                    requestBody = RequestBody.create(new byte[0], type);
                }
                request = new Request.Builder().url(httpUrl).headers(headers).method(method, requestBody)
                        .tag(CallTimeouts.class, timeouts).build();
            } catch (IllegalArgumentException e) {
                throw CollectorException.permanent("bad-params", e.getMessage());
            }
            Call call = client.newCall(request);
            watchdog.watch(call, start + budgetNanos);
            PolicyDns.DEADLINE.set(start + budgetNanos);
            try (Response response = call.execute()) {
                String location = response.header("Location");
                if (spec.followRedirects() && isRedirect(response.code()) && location != null) {
                    if (redirects.size() >= spec.maxRedirects()) {
                        throw CollectorException.permanent("too-many-redirects", "more than " + spec.maxRedirects()
                                + " redirects from " + httpUrl.host() + "; raise maxRedirects (up to the max-redirects setting) or fetch the last location directly");
                    }
                    next = UrlCheck.resolveOrNull(httpUrl, location);
                    if (next == null) {
                        try {
                            UrlCheck.parse(policy, location); // a refused scheme is egress-denied
                        } catch (UrlCheck.NotAUrl notAUrl) {
                            // falls through to bad-redirect
                        }
                        throw CollectorException.permanent("bad-redirect", "a redirect from " + httpUrl.host()
                                + " pointed to something that is not an http(s) URL");
                    }
                    String nextText = next.toString();
                    redirects.add(new Redirect(url, response.code(), nextText));
                    spent = spend(spec, spent, utf8(url) + utf8(nextText), httpUrl.host(), "redirect URLs");
                    if (!sameOrigin(httpUrl, next)) {
                        Headers.Builder hb = new Headers.Builder();
                        for (int i = 0; i < headers.size(); i++) {
                            if (CROSS_ORIGIN_HEADERS.contains(headers.name(i).toLowerCase(Locale.ROOT))) {
                                hb.add(headers.name(i), headers.value(i));
                            }
                        }
                        headers = hb.build();
                    }
                    int code = response.code();
                    if (code == 303 && !method.equals("HEAD") || (code == 301 || code == 302) && method.equals("POST")) {
                        method = "GET";
                        body = Optional.empty();
                        headers = headers.newBuilder().removeAll("Content-Type").removeAll("Content-Length").build();
                    }
                    url = nextText;
                    continue;
                }
                return read(spec, url, redirects, response, start, spent);
            } catch (IOException e) {
                // Only the watchdog cancels calls: a cancelled call ran out of time, as did a lookup given up on.
                throw call.isCanceled() || e instanceof PolicyDns.TimedOut ? timeout(httpUrl.host(), budget, e)
                        : failure(e, httpUrl, budget, spec);
            } finally {
                PolicyDns.DEADLINE.remove();
                watchdog.release(call);
            }
        }
    }

    private static HttpUrl checked(EgressPolicy policy, String url) {
        try {
            return UrlCheck.parse(policy, url);
        } catch (UrlCheck.NotAUrl e) {
            throw CollectorException.permanent("bad-url", "url is not a valid absolute http or https URL");
        }
    }

    private static HttpUrl checked(EgressPolicy policy, HttpUrl redirect) {
        // A redirect's target was parsed by HttpUrl.resolve, and that object is what is fetched.
        UrlCheck.check(policy, redirect);
        return redirect;
    }

    private static boolean isRedirect(int code) {
        return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
    }

    private static boolean sameOrigin(HttpUrl a, HttpUrl b) {
        return a.scheme().equals(b.scheme()) && a.host().equals(b.host()) && a.port() == b.port();
    }

    private static FetchResult read(FetchSpec spec, String url, List<Redirect> redirects, Response response, long start,
            long spent) throws IOException {
        if (spec.headersInResult()) {
            // the reason phrase travels with the headers, and a server may make it as long as they are
            long headerBytes = utf8(response.message());
            for (int i = 0; i < response.headers().size(); i++) {
                headerBytes += utf8(response.headers().name(i)) + utf8(response.headers().value(i));
            }
            spent = spend(spec, spent, headerBytes, response.request().url().host(), "response headers");
        }
        ResponseBody responseBody = response.body();
        byte[] bytes = new byte[0];
        boolean truncated = false;
        if (responseBody != null) {
            BufferedSource source = responseBody.source();
            long max = spec.maxBytes() - spent; // the body gets what locations and headers left
            // request(n) buffers at least n bytes unless the body ends first: more than max means cut.
            truncated = source.request(max + 1);
            okio.Buffer buffer = source.getBuffer();
            bytes = buffer.readByteArray(Math.min(buffer.size(), max));
        }
        MediaType type = Optional.ofNullable(response.header("Content-Type")).map(MediaType::parse).orElse(null);
        return new FetchResult(url, response.request().url().toString(), List.copyOf(redirects), response.code(),
                response.message(), response.protocol().toString(), response.headers(), Optional.ofNullable(type), bytes,
                truncated, System.nanoTime() - start, Optional.ofNullable(response.handshake()).map(Fetcher::tls));
    }

    /**
     * Spends {@code bytes} more of the result's budget: a redirect chain or headers that alone
     * exceed it would make a result past what the caller allowed (and past what a message can carry).
     */
    private static long spend(FetchSpec spec, long spent, long bytes, String host, String what) {
        long total = spent + bytes;
        if (total > spec.maxBytes()) {
            throw CollectorException.permanent("too-large", "the " + what + " from " + host + " bring the result to " + total
                    + " bytes before any body, over maxBytes " + spec.maxBytes() + " (redirect URLs, response headers and the body"
                    + " share it); raise maxBytes (up to the max-body-bytes setting) or fetch the last location directly");
        }
        return total;
    }

    private static long utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    private static TlsInfo tls(Handshake handshake) {
        Optional<CertificateInfo> peer = handshake.peerCertificates().stream().findFirst()
                .filter(X509Certificate.class::isInstance).map(c -> certificate((X509Certificate) c));
        return new TlsInfo(handshake.tlsVersion().javaName(), handshake.cipherSuite().javaName(), peer);
    }

    static CertificateInfo certificate(X509Certificate c) {
        List<String> sans = new ArrayList<>();
        try {
            Collection<List<?>> names = c.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    // 2 = dNSName, 7 = iPAddress: the names a client matches a host against.
                    if (n.size() >= 2 && (Integer.valueOf(2).equals(n.get(0)) || Integer.valueOf(7).equals(n.get(0)))) {
                        sans.add(String.valueOf(n.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // An unreadable extension: report the certificate without its alternative names.
        }
        return new CertificateInfo(c.getSubjectX500Principal().getName(), c.getIssuerX500Principal().getName(),
                c.getSerialNumber().toString(16), c.getNotBefore().toInstant(), c.getNotAfter().toInstant(), sans,
                sha256(c));
    }

    private static String sha256(Certificate c) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            return "";
        }
    }

    /**
     * The error a caller is told: the URL's host and port and a fixed description of what failed,
     * never an exception's text, which names the resolved address ("Failed to connect to
     * name/10.1.2.3:8080") or quotes the server. The exception goes to the log at DEBUG.
     */
    private static CollectorException failure(IOException e, HttpUrl url, Duration budget, FetchSpec spec) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Refused r) {
                return logged(r.denial());
            }
            for (Throwable s : t.getSuppressed()) {
                if (s instanceof Refused r) {
                    return logged(r.denial());
                }
            }
        }
        String host = url.host();
        String where = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + url.port();
        log.debug("the fetch from {} failed", where, e);
        if (e instanceof SocketTimeoutException) {
            String which = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("connect")
                    ? "connecting to " + where + " took longer than " + spec.connectTimeout().toMillis() + " ms (connectTimeoutMs)"
                    : "no data from " + where + " for " + spec.readTimeout().toMillis() + " ms (readTimeoutMs)";
            return new CollectorException("timeout", which + "; the server may be slow or unreachable", true, e);
        }
        if (e instanceof InterruptedIOException) {
            return timeout(host, budget, e);
        }
        if (e instanceof UnknownHostException) {
            return new CollectorException("dns-failed", "cannot resolve " + host + "; check the host name", true, e);
        }
        if (e instanceof ConnectException || e instanceof NoRouteToHostException || e instanceof PortUnreachableException) {
            String what = e instanceof NoRouteToHostException ? "no route to the host"
                    : e instanceof PortUnreachableException ? "the port is unreachable"
                    : "the connection was refused or could not be made";
            return new CollectorException("connect-failed", "cannot connect to " + where + ": " + what
                    + "; check that the server is up and reachable", true, e);
        }
        if (e instanceof SSLException) {
            // the exception's text names the peer certificate's subject and alternative names
            String what = e instanceof SSLPeerUnverifiedException ? "the certificate is not valid for this host name"
                    : e instanceof SSLHandshakeException ? "the handshake failed (untrusted certificate or no common protocol)"
                    : "the TLS session failed";
            return new CollectorException("tls-failed", "TLS with " + where + " failed: " + what
                    + "; check the server's certificate and the trust store", false, e);
        }
        if (e instanceof java.net.ProtocolException) {
            return new CollectorException("protocol-error", where + " broke the HTTP protocol (a malformed status line,"
                    + " header or body framing)", false, e);
        }
        return new CollectorException("io-failed", "talking to " + where + " failed: the connection broke ("
                + e.getClass().getSimpleName() + ")", true, e);
    }

    /**
     * A refusal of a resolved or connected address, logged here with the address and why: the
     * caller's message names neither (they would map internal DNS), the operator needs both.
     */
    private static EgressDeniedException logged(EgressDeniedException denial) {
        denial.address().ifPresent(a -> log.warn("egress refused: '{}' resolved or connected to {} ({}); the caller was told"
                + " only that it resolves to a refused address range", denial.host(), a, denial.reason()));
        return denial;
    }

    private static CollectorException timeout(String host, Duration budget, IOException cause) {
        return new CollectorException("timeout", "the fetch from " + host + " did not finish within " + budget.toMillis()
                + " ms (timeoutMs, or the worker's deadline); ask for less or allow more time", true, cause);
    }

    /** Stops the deadline thread and closes idle pooled connections. */
    @Override
    public void close() {
        watchdog.close();
        lookups.shutdownNow();
        base.connectionPool().evictAll();
        clients.clear();
    }
}
