package dev.outpost.http;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;

/**
 * How the HTTP collectors fetch: egress policy, resolver, timeouts and limits. Immutable; build one
 * with {@link #builder()}, or take {@link #defaults()}.
 *
 * <p>Per-worker configuration ({@code outpost.collectors.http.request.*}, {@code
 * outpost.collectors.http.html.*}) reaches a collector as {@link dev.outpost.spi.CollectorContext#settings()}
 * and is applied on top of these options:
 * <ul>
 *   <li>{@value EgressPolicy#ALLOW_CIDRS}, {@value EgressPolicy#ALLOW_HOSTS}: add to the egress policy;
 *   <li>{@value #MAX_BODY_BYTES}: replaces {@link #maxBodyBytes()};
 *   <li>{@value #MAX_REDIRECTS}: replaces {@link #maxRedirects()};
 *   <li>{@value #CONNECT_TIMEOUT}, {@value #READ_TIMEOUT}: replace the default timeouts
 *       ({@code 500ms}, {@code 10s}, {@code PT1M}).
 * </ul>
 */
public final class HttpOptions {
    /** Setting: the largest body read, in bytes. */
    public static final String MAX_BODY_BYTES = "max-body-bytes";
    /** Setting: the most redirects a request may ask to follow. */
    public static final String MAX_REDIRECTS = "max-redirects";
    /** Setting: the default connect timeout. */
    public static final String CONNECT_TIMEOUT = "connect-timeout";
    /** Setting: the default read timeout (the longest wait for the next bytes). */
    public static final String READ_TIMEOUT = "read-timeout";

    /** Default connect timeout: 10 s. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Default read timeout: 15 s. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(15);
    /** Default bound on a whole fetch, redirects included: 30 s (the worker's deadline may cut it shorter). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** Default body size limit: 256 KiB, so that a response fits in a queue message. */
    public static final long DEFAULT_MAX_BODY_BYTES = 256 * 1024;
    /** The largest body size limit that can be set: 64 MiB. */
    public static final long MAX_BODY_BYTES_LIMIT = 64L * 1024 * 1024;
    /** Default redirect limit, and the default number a request follows: 5. */
    public static final int DEFAULT_MAX_REDIRECTS = 5;
    /** The largest redirect limit that can be set: 20. */
    public static final int MAX_REDIRECTS_LIMIT = 20;
    /** Default {@code User-Agent} when a request sets none. */
    public static final String DEFAULT_USER_AGENT = "outpost-http/1";

    private static final HttpOptions DEFAULTS = builder().build();

    private final EgressPolicy egressPolicy;
    private final Resolver resolver;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final Duration timeout;
    private final long maxBodyBytes;
    private final int maxRedirects;
    private final String userAgent;
    private final Optional<SSLSocketFactory> sslSocketFactory;
    private final Optional<X509TrustManager> trustManager;
    private final Optional<ThreadFactory> threadFactory;

    private HttpOptions(Builder b) {
        this.egressPolicy = b.egressPolicy;
        this.resolver = b.resolver;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.timeout = b.timeout;
        this.maxBodyBytes = b.maxBodyBytes;
        this.maxRedirects = b.maxRedirects;
        this.userAgent = b.userAgent;
        this.sslSocketFactory = b.sslSocketFactory;
        this.trustManager = b.trustManager;
        this.threadFactory = b.threadFactory;
    }

    /** The defaults: the default egress policy, the system resolver and trust store, default limits. */
    public static HttpOptions defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The egress policy; settings may add to it. */
    public EgressPolicy egressPolicy() {
        return egressPolicy;
    }

    /** The resolver for host names. */
    public Resolver resolver() {
        return resolver;
    }

    /** The default connect timeout. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The default read timeout. */
    public Duration readTimeout() {
        return readTimeout;
    }

    /** The default bound on a whole fetch, redirects included. */
    public Duration timeout() {
        return timeout;
    }

    /** The largest body read, and the default; a request may ask for less. */
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** The most redirects a request may ask to follow, and the default. */
    public int maxRedirects() {
        return maxRedirects;
    }

    /** The {@code User-Agent} sent when a request sets none. */
    public String userAgent() {
        return userAgent;
    }

    /** The TLS socket factory, when not the system default. */
    public Optional<SSLSocketFactory> sslSocketFactory() {
        return sslSocketFactory;
    }

    /** The trust manager that goes with {@link #sslSocketFactory()}. */
    public Optional<X509TrustManager> trustManager() {
        return trustManager;
    }

    /** The user's thread factory, for the collectors built from these options. */
    Optional<ThreadFactory> threadFactory() {
        return threadFactory;
    }

    /**
     * These options with the settings from configuration applied (see the class documentation).
     *
     * @throws IllegalArgumentException naming the setting and what is wrong with it
     */
    public HttpOptions withSettings(Map<String, String> settings) {
        Objects.requireNonNull(settings, "settings");
        Builder b = toBuilder();
        b.egressPolicy(egressPolicy.withSettings(settings));
        String body = settings.get(MAX_BODY_BYTES);
        if (body != null) {
            try {
                b.maxBodyBytes(Long.parseLong(body.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("setting " + MAX_BODY_BYTES + " '" + body + "': a number of bytes from 0 to "
                        + MAX_BODY_BYTES_LIMIT + " is expected", e);
            }
        }
        String redirects = settings.get(MAX_REDIRECTS);
        if (redirects != null) {
            try {
                b.maxRedirects(Integer.parseInt(redirects.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("setting " + MAX_REDIRECTS + " '" + redirects + "': a number from 0 to "
                        + MAX_REDIRECTS_LIMIT + " is expected", e);
            }
        }
        String connect = settings.get(CONNECT_TIMEOUT);
        if (connect != null) {
            b.connectTimeout(duration(CONNECT_TIMEOUT, connect));
        }
        String read = settings.get(READ_TIMEOUT);
        if (read != null) {
            b.readTimeout(duration(READ_TIMEOUT, read));
        }
        return b.build();
    }

    private static Duration duration(String key, String text) {
        try {
            Duration d = dev.outpost.spi.ConfigSource.parseDuration(text.strip());
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("must be positive");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("setting " + key + " '" + text + "': " + e.getMessage(), e);
        }
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.egressPolicy = egressPolicy;
        b.resolver = resolver;
        b.connectTimeout = connectTimeout;
        b.readTimeout = readTimeout;
        b.timeout = timeout;
        b.maxBodyBytes = maxBodyBytes;
        b.maxRedirects = maxRedirects;
        b.userAgent = userAgent;
        b.sslSocketFactory = sslSocketFactory;
        b.trustManager = trustManager;
        b.threadFactory = threadFactory;
        return b;
    }

    /** Builds {@link HttpOptions}. Not thread-safe. */
    public static final class Builder {
        private EgressPolicy egressPolicy = EgressPolicy.defaults();
        private Resolver resolver = Resolver.system();
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private Duration timeout = DEFAULT_TIMEOUT;
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int maxRedirects = DEFAULT_MAX_REDIRECTS;
        private String userAgent = DEFAULT_USER_AGENT;
        private Optional<SSLSocketFactory> sslSocketFactory = Optional.empty();
        private Optional<X509TrustManager> trustManager = Optional.empty();
        private Optional<ThreadFactory> threadFactory = Optional.empty();

        private Builder() {}

        /** The egress policy; default {@link EgressPolicy#defaults()}. */
        public Builder egressPolicy(EgressPolicy policy) {
            this.egressPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** The resolver for host names; default {@link Resolver#system()}. */
        public Builder resolver(Resolver resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /** The default connect timeout; default 10 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** The default read timeout (longest wait for the next bytes); default 15 s. */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = positive(timeout, "readTimeout");
            return this;
        }

        /** The default bound on a whole fetch, redirects included; default 30 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = positive(timeout, "timeout");
            return this;
        }

        /** The largest body read (0 to 64 MiB); default 256 KiB. Longer bodies are cut and flagged truncated. */
        public Builder maxBodyBytes(long bytes) {
            if (bytes < 0 || bytes > MAX_BODY_BYTES_LIMIT) {
                throw new IllegalArgumentException("maxBodyBytes must be 0 to " + MAX_BODY_BYTES_LIMIT + ", was " + bytes);
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /** The most redirects followed (0 to 20); default 5. */
        public Builder maxRedirects(int redirects) {
            if (redirects < 0 || redirects > MAX_REDIRECTS_LIMIT) {
                throw new IllegalArgumentException("maxRedirects must be 0 to " + MAX_REDIRECTS_LIMIT + ", was " + redirects);
            }
            this.maxRedirects = redirects;
            return this;
        }

        /** The {@code User-Agent} sent when a request sets none; default {@value HttpOptions#DEFAULT_USER_AGENT}. */
        public Builder userAgent(String userAgent) {
            Objects.requireNonNull(userAgent, "userAgent");
            if (userAgent.isBlank() || userAgent.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
                throw new IllegalArgumentException("userAgent must be printable ASCII and not blank");
            }
            this.userAgent = userAgent;
            return this;
        }

        /** TLS with a custom trust (a private CA, a test certificate); default the system trust store. */
        public Builder tls(SSLSocketFactory sslSocketFactory, X509TrustManager trustManager) {
            this.sslSocketFactory = Optional.of(Objects.requireNonNull(sslSocketFactory, "sslSocketFactory"));
            this.trustManager = Optional.of(Objects.requireNonNull(trustManager, "trustManager"));
            return this;
        }

        /**
         * Makes every thread a collector built from these options starts: the one that cancels
         * fetches past their deadline and the pool that runs DNS lookups (so that a silent name
         * server cannot hold a fetch past it). By default they are daemons named
         * {@code outpost-http-deadline-N} and {@code outpost-http-resolve-N}. (OkHttp's own
         * connection-pool cleanup runs on its shared {@code OkHttp TaskRunner} threads.)
         */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /** Builds the options. */
        public HttpOptions build() {
            return new HttpOptions(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }
}
