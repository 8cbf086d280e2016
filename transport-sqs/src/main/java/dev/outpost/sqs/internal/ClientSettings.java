package dev.outpost.sqs.internal;

import dev.outpost.ConfigException;
import dev.outpost.spi.ConfigSource;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsAsyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.SdkAdvancedAsyncClientOption;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The {@code outpost.sqs.*} keys that describe the SQS client the transport creates when none is
 * passed (and the SNS client it creates with it for topics): endpoint, region, and credentials (a
 * profile, or static keys). The SNS client takes the SQS endpoint unless {@value #SNS_ENDPOINT} is set: an emulator
 * serves both on one port, while AWS's own (VPC) endpoints differ by service.
 */
public record ClientSettings(Optional<URI> endpoint, Optional<URI> snsEndpoint, Optional<Region> region,
        Optional<String> profile, Optional<AwsCredentialsProvider> staticCredentials, boolean crt) {

    public static final String REGION = "outpost.sqs.region";
    public static final String ENDPOINT = "outpost.sqs.endpoint";
    public static final String SNS_ENDPOINT = "outpost.sqs.sns-endpoint";
    public static final String PROFILE = "outpost.sqs.profile";
    public static final String ACCESS_KEY_ID = "outpost.sqs.access-key-id";
    public static final String SECRET_ACCESS_KEY = "outpost.sqs.secret-access-key";
    public static final String SESSION_TOKEN = "outpost.sqs.session-token";
    public static final String HTTP_CLIENT = "outpost.sqs.http-client";
    /** The class {@code http-client: crt} needs, from {@code software.amazon.awssdk:aws-crt-client}. */
    static final String CRT_CLIENT_CLASS = "software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient";
    /** The runtime that client is built on, from {@code software.amazon.awssdk.crt:aws-crt} (its dependency). */
    static final String CRT_RUNTIME_CLASS = "software.amazon.awssdk.crt.CRT";

    /** Reads the keys, adding every problem to {@code problems}. */
    public static ClientSettings read(ConfigSource c, List<ConfigException.Problem> problems) {
        Optional<URI> endpoint = url(c, ENDPOINT, problems);
        Optional<URI> snsEndpoint = url(c, SNS_ENDPOINT, problems);
        Optional<Region> region = set(c, REGION).map(Region::of);
        Optional<String> profile = set(c, PROFILE);
        Optional<String> key = set(c, ACCESS_KEY_ID);
        Optional<String> secret = set(c, SECRET_ACCESS_KEY);
        Optional<String> token = set(c, SESSION_TOKEN);
        Optional<AwsCredentialsProvider> creds = Optional.empty();
        if (key.isPresent() != secret.isPresent()) {
            String missing = key.isPresent() ? SECRET_ACCESS_KEY : ACCESS_KEY_ID;
            problems.add(new ConfigException.Problem(missing, "must be set with "
                    + (key.isPresent() ? ACCESS_KEY_ID : SECRET_ACCESS_KEY) + " (static credentials need both)"));
        } else if (key.isPresent()) {
            if (profile.isPresent()) {
                problems.add(new ConfigException.Problem(PROFILE, "set together with " + ACCESS_KEY_ID + ": choose one"));
            }
            creds = Optional.of(StaticCredentialsProvider.create(token.isPresent()
                    ? AwsSessionCredentials.create(key.get(), secret.get(), token.get())
                    : AwsBasicCredentials.create(key.get(), secret.get())));
        } else if (token.isPresent()) {
            problems.add(new ConfigException.Problem(SESSION_TOKEN, "needs " + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY));
        }
        return new ClientSettings(endpoint, snsEndpoint, region, profile, creds, crt(c, problems));
    }

    /** {@value #HTTP_CLIENT}: netty (the SDK's default) or crt, whose classes must be on the class path. */
    private static boolean crt(ConfigSource c, List<ConfigException.Problem> problems) {
        Optional<String> v = set(c, HTTP_CLIENT).map(s -> s.toLowerCase(java.util.Locale.ROOT));
        if (v.isEmpty() || v.get().equals("netty")) {
            return false;
        }
        if (!v.get().equals("crt")) {
            problems.add(new ConfigException.Problem(HTTP_CLIENT, ConfigSource.quote(v.get()) + " is neither netty nor crt"
                    + c.from(HTTP_CLIENT)));
            return false;
        }
        try {
            Class.forName(CRT_CLIENT_CLASS, false, ClientSettings.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            problems.add(new ConfigException.Problem(HTTP_CLIENT, "crt needs software.amazon.awssdk:aws-crt-client on the class"
                    + " path (a dependency of your application; the outpost launcher has it)" + c.from(HTTP_CLIENT)));
            return false;
        }
        try { // aws-crt-client without it (excluded, or shaded away) fails at build with a bare NoClassDefFoundError
            Class.forName(CRT_RUNTIME_CLASS, false, ClientSettings.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            problems.add(new ConfigException.Problem(HTTP_CLIENT, "crt needs software.amazon.awssdk.crt:aws-crt on the class"
                    + " path too (aws-crt-client's own dependency)" + c.from(HTTP_CLIENT)));
            return false;
        }
    }

    private static Optional<URI> url(ConfigSource c, String key, List<ConfigException.Problem> problems) {
        return set(c, key).flatMap(e -> {
            try {
                URI u = URI.create(e);
                if (u.getScheme() == null || u.getHost() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                    throw new IllegalArgumentException("not http(s)");
                }
                return Optional.of(u);
            } catch (IllegalArgumentException bad) {
                problems.add(new ConfigException.Problem(key, "'" + e + "' is not an http(s) URL" + c.from(key)));
                return Optional.empty();
            }
        });
    }

    private static Optional<String> set(ConfigSource c, String key) {
        return c.string(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    /** Whether any key asks for a client of its own. */
    public boolean any() {
        return endpoint.isPresent() || snsEndpoint.isPresent() || region.isPresent() || profile.isPresent()
                || staticCredentials.isPresent() || crt;
    }

    /** No key set: the SDK's default chain, as {@code SqsAsyncClient.create()}. */
    public static final ClientSettings NONE = new ClientSettings(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), false);

    /** The name prefix of the I/O threads of the SQS client the transport creates. */
    public static final String IO_THREADS = "outpost-sqs-io-";

    /** Threads completing a created client's calls (the SDK's own default: 8 or more), each ended after 10 s idle. */
    private static final int COMPLETION_THREADS = Math.max(8, Runtime.getRuntime().availableProcessors());

    /** The name prefix of the I/O threads of the SNS client the transport creates. */
    public static final String SNS_IO_THREADS = "outpost-sns-io-";

    /**
     * The SQS client these settings describe (the SDK starts no thread until its first call), added to {@code owned}
     * followed by what ends its event loop once it is closed. Its I/O threads come from {@code threads} when given
     * (the transport builder's {@code threadFactory}), else they are daemons named {@value #IO_THREADS}N.
     */
    public SqsAsyncClient client(List<AutoCloseable> owned, Optional<ThreadFactory> threads) {
        return client(SqsAsyncClient.builder(), endpoint, new IoThreads("SQS client", IO_THREADS, threads), owned);
    }

    /**
     * The SNS client these settings describe (at {@value #SNS_ENDPOINT}, else the SQS endpoint), as {@link #client(List)}
     * the SQS client, on an event loop of its own.
     */
    public SnsAsyncClient snsClient(List<AutoCloseable> owned, Optional<ThreadFactory> threads) {
        return client(SnsAsyncClient.builder(), snsEndpoint.or(() -> endpoint), new IoThreads("SNS client", SNS_IO_THREADS, threads),
                owned);
    }

    private <B extends AwsClientBuilder<B, C> & AwsAsyncClientBuilder<B, C>, C extends SdkAutoCloseable> C client(B b,
            Optional<URI> at, IoThreads threads, List<AutoCloseable> owned) {
        // The SDK ends an event loop it made with Netty's 2 s quiet period, which every close of a transport (every
        // command of the CLI) waited out; this one is ended without it, after the client closed its connections.
        // The CRT's I/O threads are its native runtime's own: only Netty's event loop takes the factory.
        SdkEventLoopGroup loop = crt ? null : SdkEventLoopGroup.builder().threadFactory(threads).build();
        // Left to itself, the SDK completes calls on threads it makes (sdk-async-response-N) and times them on others:
        // from the same factory, so that a transport given one makes no thread outside it. Both make threads on demand.
        ThreadPoolExecutor completions = new ThreadPoolExecutor(COMPLETION_THREADS, COMPLETION_THREADS, 10, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(1_000), threads, new ThreadPoolExecutor.CallerRunsPolicy());
        completions.allowCoreThreadTimeOut(true);
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, threads);
        timers.setRemoveOnCancelPolicy(true);
        Runnable endLoop = () -> {
            threads.closing();
            if (loop != null) {
                loop.eventLoopGroup().shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            timers.shutdownNow();
            completions.shutdown();
            try {
                completions.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try {
            b.overrideConfiguration(o -> o.scheduledExecutorService(timers));
            b.asyncConfiguration(a -> a.advancedOption(SdkAdvancedAsyncClientOption.FUTURE_COMPLETION_EXECUTOR, completions));
            b.httpClientBuilder(crt ? CrtHttp.builder() : NettyNioAsyncHttpClient.builder().eventLoopGroup(loop));
            at.ifPresent(b::endpointOverride);
            region.ifPresent(b::region);
            if (staticCredentials.isPresent()) {
                b.credentialsProvider(staticCredentials.get());
            } else {
                profile.ifPresent(p -> b.credentialsProvider(ProfileCredentialsProvider.create(p)));
            }
            C client = build(b);
            owned.add(client);
            owned.add(endLoop::run);
            return client;
        } catch (RuntimeException | Error e) {
            endLoop.run(); // its selectors are open already
            throw e;
        }
    }

    /**
     * {@code b.build()}; the CRT's runtime failing to load on this platform is a configuration problem, naming the key.
     * Only that: any other failure (no region anywhere) is the SDK's own, as on Netty, not blamed on the CRT.
     */
    private <B extends AwsClientBuilder<B, C>, C> C build(B b) {
        try {
            return b.build();
        } catch (RuntimeException | LinkageError e) {
            if (!crt || !fromCrt(e)) {
                throw e;
            }
            throw new ConfigException(List.of(new ConfigException.Problem(HTTP_CLIENT,
                    "crt: the AWS Common Runtime could not start here (" + e + "); netty, the default, needs no native code")));
        }
    }

    /** Whether {@code e} is the runtime's: a class that would not link or load, or one of its own exceptions. */
    private static boolean fromCrt(Throwable e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) { // bounded: a cause chain may loop
            if (t instanceof LinkageError || t.getClass().getName().startsWith("software.amazon.awssdk.crt.")) {
                return true;
            }
        }
        return false;
    }

    /** A linger set by a builder call: 0 to 1 s. */
    public static java.time.Duration checkLinger(java.time.Duration linger) {
        return checkDuration(linger, "linger", java.time.Duration.ofSeconds(1));
    }

    /** A duration set by a builder call: 0 to {@code max}, else an {@link IllegalArgumentException} naming it. */
    public static java.time.Duration checkDuration(java.time.Duration d, String name, java.time.Duration max) {
        java.util.Objects.requireNonNull(d, name);
        if (d.isNegative() || d.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + " must be 0 to " + max.toString().substring(2).toLowerCase(java.util.Locale.ROOT)
                    + ", was " + d);
        }
        return d;
    }

    /** A linger key: 0 to 1 s; {@code set} (a builder call) wins. */
    public static java.time.Duration linger(ConfigSource c, String key, java.time.Duration set, List<ConfigException.Problem> problems) {
        return duration(c, key, set, 1, problems);
    }

    /** A duration key: 0 to {@code maxSeconds}; {@code set} (a builder call) wins. */
    public static java.time.Duration duration(ConfigSource c, String key, java.time.Duration set, int maxSeconds,
            List<ConfigException.Problem> problems) {
        if (set != null) {
            return set;
        }
        try {
            Optional<java.time.Duration> d = c.duration(key);
            if (d.isPresent() && (d.get().isNegative() || d.get().compareTo(java.time.Duration.ofSeconds(maxSeconds)) > 0)) {
                problems.add(new ConfigException.Problem(key, "must be 0 to " + maxSeconds + "s, was " + d.get() + c.from(key)));
                return null;
            }
            return d.orElse(null);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return null;
        }
    }

    /** A count key within {@code min} to {@code max}; {@code set} (a builder call) wins. */
    public static Integer count(ConfigSource c, String key, Integer set, int min, int max, List<ConfigException.Problem> problems) {
        if (set != null) {
            return set;
        }
        try {
            Optional<Integer> n = c.intValue(key);
            if (n.isPresent() && (n.get() < min || n.get() > max)) {
                problems.add(new ConfigException.Problem(key, "must be " + min + " to " + max + ", was " + n.get() + c.from(key)));
                return null;
            }
            return n.orElse(null);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return null;
        }
    }
}
