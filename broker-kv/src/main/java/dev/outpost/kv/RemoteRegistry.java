package dev.outpost.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.CallTimeoutException;
import dev.outpost.core.Client;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.kv.internal.BrokerAnswers;
import dev.outpost.kv.internal.Checks;
import dev.outpost.kv.internal.ClientAnswers;
import dev.outpost.kv.internal.PollingWatches;
import dev.outpost.kv.internal.Wire;
import dev.outpost.kv.internal.WriterNames;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import dev.outpost.spi.RegistryPage;
import dev.outpost.spi.RegistryWatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Registry} that calls a broker ({@link RegistryService}) through a {@link Client}: code
 * written against {@code Registry} cannot tell it from a local one.
 *
 * <pre>{@code
 * try (Client client = Client.builder(transport).requests("kv-requests").build().start();
 *         RemoteRegistry kv = RemoteRegistry.builder(client).accessKey("svc", System.getenv("SVC_WRITE_KEY")).build()) {
 *     kv.register("svc/billing", Json.parse("{\"queue\":\"billing\"}"), Optional.of(Duration.ofMinutes(1)));
 * }
 * }</pre>
 *
 * <p><b>Watch</b> polls: every {@link Builder#pollInterval} (1 s) one {@code kv.revision} call,
 * and only when the store revision moved (or every {@link Builder#fullPollEvery} polls, which
 * catches expiries a lazy store has not counted yet) a {@code kv.list} of each watched prefix,
 * compared with the previous listing. Polling, not the broker pushing to the watcher's reply
 * destination: no state on the broker (no watch leases to expire when a host dies, nothing lost
 * when it restarts), one small call per interval however many watches, any transport. The price:
 * changes are seen up to one interval late, and versions written between two polls merge.
 * Watchers are called on the poller thread ({@code outpost-kv-remote-watch}). While the broker does not answer,
 * watchers see no change: one warning says so when the polls begin to fail, one when they work again, and the first
 * listing after reports what changed meanwhile.
 *
 * <p>Errors: refusals come back as the usual {@link RegistryException}s; a refused namespace as
 * {@link RegistryException.Forbidden} with the broker's reason; no answer within
 * {@link Builder#timeout} (10 s) as {@link RegistryException.Unavailable} (a write may then have
 * happened: read the key). Closing it stops the poller; the client is the caller's to close.
 */
public final class RemoteRegistry implements Registry {
    /** The default time to wait for the broker's answer. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** The default wait before the same request is sent again. */
    public static final Duration DEFAULT_RESEND_AFTER = Duration.ofSeconds(2);
    /** The default watch poll interval. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    /** The default number of polls between full listings. */
    public static final int DEFAULT_FULL_POLL_EVERY = 10;

    /** The longest wait a call takes (~146 years): the nanoseconds of a longer timeout, which the builder takes, overflowed. */
    private static final Duration LONGEST_WAIT = Duration.ofNanos(Long.MAX_VALUE / 2);

    private final Client client;
    private final Optional<String> destination;
    private final Map<String, String> accessKeys;
    private final Optional<String> defaultKey;
    private final Duration timeout;
    private final Duration resendAfter;
    private final Map<String, CompletableFuture<Response>> waiting;
    private final int maxValueBytes;
    private final Optional<String> writer;
    private final PollingWatches watches;
    private final AtomicBoolean closed;

    private RemoteRegistry(Builder b) {
        this.client = b.client;
        this.destination = b.destination;
        this.accessKeys = Map.copyOf(b.accessKeys);
        this.defaultKey = b.defaultKey;
        this.timeout = b.timeout;
        this.resendAfter = b.resendAfter;
        this.waiting = ClientAnswers.of(client); // shared with every registry on the client: one listener, not one per registry
        this.maxValueBytes = b.maxValueBytes;
        this.writer = Optional.empty();
        this.closed = new AtomicBoolean();
        Lifecycle threads = new Lifecycle("RemoteRegistry", "kv-remote", b.threadFactory);
        this.watches = new PollingWatches("RemoteRegistry", threads.role("watch"), new Guard("RemoteRegistry"), b.pollInterval,
                b.fullPollEvery, this::revision, prefix -> list(prefix));
    }

    private RemoteRegistry(RemoteRegistry base, String writer) {
        this.client = base.client;
        this.destination = base.destination;
        this.accessKeys = base.accessKeys;
        this.defaultKey = base.defaultKey;
        this.timeout = base.timeout;
        this.resendAfter = base.resendAfter;
        this.waiting = base.waiting;
        this.maxValueBytes = base.maxValueBytes;
        this.writer = Optional.of(writer);
        this.watches = base.watches;
        this.closed = base.closed;
    }

    /** A builder calling the broker through {@code client}. */
    public static Builder builder(Client client) {
        return new Builder(client);
    }

    @Override
    public Optional<RegistryEntry> get(String key) {
        RegistryKeys.checkKey(key);
        JsonNode r = call("kv.get", key, params(key));
        JsonNode e = r.path("entry");
        return e.isNull() ? Optional.empty() : Optional.of(BrokerAnswers.entry(key, e, false));
    }

    @Override
    public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
        RegistryKeys.checkKey(key);
        RegistryKeys.checkValue(key, value, maxValueBytes);
        Objects.requireNonNull(ttl, "ttl");
        ttl.ifPresent(RegistryKeys::checkTtl);
        ObjectNode p = params(key);
        p.set("value", value);
        ttl.ifPresent(t -> p.put("ttlMillis", Checks.ttlMillis(t)));
        return entry(key, call("kv.register", key, p), -1);
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion) {
        return replace(key, value, expectedVersion, null);
    }

    @Override
    public RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
        RegistryKeys.checkKey(key);
        RegistryKeys.checkValue(key, value, maxValueBytes);
        ObjectNode p = params(key);
        p.set("value", value);
        p.put("version", expectedVersion);
        if (ttl == null) {
            p.put("keepTtl", true);
        } else {
            ttl.ifPresent(RegistryKeys::checkTtl);
            ttl.ifPresent(t -> p.put("ttlMillis", Checks.ttlMillis(t)));
        }
        if (expectedVersion < 1) {
            throw new IllegalArgumentException("expectedVersion must be at least 1, was " + expectedVersion);
        }
        return entry(key, call("kv.replace", key, p), expectedVersion);
    }

    @Override
    public RegistryEntry update(String key, JsonNode mergePatch) {
        RegistryKeys.checkKey(key);
        Objects.requireNonNull(mergePatch, "mergePatch");
        RegistryKeys.checkValue(key, mergePatch, maxValueBytes);
        ObjectNode p = params(key);
        p.set("patch", mergePatch);
        return entry(key, call("kv.update", key, p), -1);
    }

    @Override
    public boolean delete(String key) {
        RegistryKeys.checkKey(key);
        JsonNode r = call("kv.delete", key, params(key));
        BrokerAnswers.refusal(key, r, -1);
        return r.path("deleted").asBoolean();
    }

    @Override
    public boolean delete(String key, long expectedVersion) {
        RegistryKeys.checkKey(key);
        if (expectedVersion < 1) {
            throw new IllegalArgumentException("expectedVersion must be at least 1, was " + expectedVersion);
        }
        ObjectNode p = params(key);
        p.put("version", expectedVersion);
        JsonNode r = call("kv.delete", key, p);
        BrokerAnswers.refusal(key, r, expectedVersion);
        return r.path("deleted").asBoolean();
    }

    @Override
    public RegistryPage list(String prefix, int limit, Optional<String> pageToken) {
        RegistryKeys.checkPrefix(prefix);
        RegistryKeys.checkLimit(limit);
        Objects.requireNonNull(pageToken, "pageToken");
        pageToken.ifPresent(t -> RegistryKeys.pageTokenStart(prefix, t));
        ObjectNode p = Wire.JSON.createObjectNode();
        p.put("prefix", prefix);
        p.put("limit", limit);
        pageToken.ifPresent(t -> p.put("pageToken", t));
        key(prefix).ifPresent(k -> p.put("accessKey", k));
        JsonNode r = call("kv.list", prefix, p);
        return BrokerAnswers.page(prefix, pageToken, limit, r);
    }

    /**
     * Every live entry under {@code prefix}, in pages of 100 (a call each), at most
     * {@value BrokerAnswers#MAX_LIST_PAGES} pages (a broker whose tokens move on for ever, or more
     * than 100,000 entries: {@link RegistryException.Unavailable}; page with
     * {@link #list(String, int, Optional)}).
     */
    @Override
    public List<RegistryEntry> list(String prefix) {
        List<RegistryEntry> all = new ArrayList<>();
        Optional<String> token = Optional.empty();
        for (int pages = 0; pages == 0 || token.isPresent(); pages++) {
            BrokerAnswers.checkPages(prefix, pages, all.size());
            RegistryPage page = list(prefix, 100, token);
            all.addAll(page.entries());
            token = page.nextPageToken();
        }
        return all;
    }

    @Override
    public long revision() {
        return call("kv.revision", "", anyKey(Wire.JSON.createObjectNode())).path("revision").asLong();
    }

    /** Calls the broker's {@code kv.ping} with {@code data} and returns what it echoed (a caller who may read a namespace). */
    public JsonNode ping(JsonNode data) {
        ObjectNode p = anyKey(Wire.JSON.createObjectNode());
        p.set("data", data);
        return call("kv.ping", "", p).path("data");
    }

    @Override
    public AutoCloseable watch(String prefix, RegistryWatcher watcher) {
        RegistryKeys.checkPrefix(prefix);
        Objects.requireNonNull(watcher, "watcher");
        ensureOpen();
        return watches.add(prefix, watcher);
    }

    @Override
    public Registry writingAs(String name) {
        return new RemoteRegistry(this, WriterNames.check(name));
    }

    /** Stops the watch poller; the client stays open (it is the caller's). Idempotent. */
    @Override
    public void close() {
        if (writer.isEmpty() && closed.compareAndSet(false, true)) {
            watches.close();
        }
    }

    private ObjectNode params(String key) {
        ObjectNode p = Wire.JSON.createObjectNode();
        p.put("key", key);
        key(key).ifPresent(k -> p.put("accessKey", k));
        writer.ifPresent(w -> p.put("writer", w));
        return p;
    }

    /** For calls about the whole store, which need a read of any namespace: the default key, else the first namespace's. */
    private ObjectNode anyKey(ObjectNode p) {
        defaultKey.or(() -> new java.util.TreeMap<>(accessKeys).values().stream().findFirst()).ifPresent(k -> p.put("accessKey", k));
        return p;
    }

    private Optional<String> key(String keyOrPrefix) {
        return Optional.ofNullable(accessKeys.get(RegistryKeys.namespaceOf(keyOrPrefix))).or(() -> defaultKey);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new RegistryException.Closed("remote registry");
        }
    }

    private JsonNode call(String collector, String key, ObjectNode params) {
        ensureOpen();
        // the whole timeout, from the first send: a resend stays valid, a copy that reappears later does not run
        Request request = Request.builder(collector).params(params).ttl(wholeWait()).build();
        Response response;
        try {
            response = callResending(request);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException.Unavailable(key, "interrupted waiting for the broker's answer to " + collector, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof CallTimeoutException) {
                throw new RegistryException.Unavailable(key, "the broker did not answer " + collector + " within " + timeout
                        + " (a write may still have happened: read the key)", c);
            }
            throw new RegistryException.Unavailable(key, "calling the broker's " + collector + " failed: " + c, c);
        } catch (TimeoutException e) {
            throw new RegistryException.Unavailable(key, "the broker did not answer " + collector + " within " + timeout, e);
        } catch (RuntimeException e) {
            // the client refused to send (closed, transport down)
            throw new RegistryException.Unavailable(key, "the client cannot send " + collector + ": " + e.getMessage(), e);
        }
        BrokerAnswers.checkOk(key, collector, response);
        return response.result().orElseThrow();
    }

    /**
     * Sends {@code request}, and the same request (same id) again every {@code resendAfter} without
     * an answer, until {@code timeout}. Why: SQS hands a message to whichever receive is waiting,
     * also one its receiver has abandoned (a broker stopped mid long poll), and then hides it for
     * the visibility timeout, so the first request after a broker restart went unanswered for
     * 30 s. The live broker answers the resend at once; its duplicate suppression (by sender and
     * request id) drops the hidden copy when it reappears, so a write still happens once.
     */
    private Response callResending(Request request) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + wholeWait().toNanos();
        CompletableFuture<Response> answer = new CompletableFuture<>();
        // an answer to an earlier send that comes after its own call gave up still counts
        waiting.put(request.id(), answer);
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("no answer to " + request.collector() + " within " + timeout);
                }
                // saturated: the nanoseconds of a longer resend wait, which the builder takes, overflowed in every call
                long resend = resendAfter.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT.toNanos() : resendAfter.toNanos();
                Duration wait = Duration.ofNanos(Math.max(1_000_000, Math.min(left, resend)));
                CompletableFuture<Response> attempt = destination.isPresent() ? client.call(destination.get(), request, wait)
                        : client.call(request, wait);
                attempt.whenComplete((r, e) -> {
                    if (r != null) {
                        answer.complete(r);
                    } else if (!(e instanceof CallTimeoutException || e.getCause() instanceof CallTimeoutException
                            || e instanceof java.util.concurrent.CancellationException)) {
                        answer.completeExceptionally(e);
                    }
                });
                try {
                    return answer.get(wait.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    attempt.cancel(false); // stop this send being pending, then send the same request again
                }
            }
        } finally {
            waiting.remove(request.id());
        }
    }

    private Duration wholeWait() {
        return timeout.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : timeout;
    }

    private static RegistryEntry entry(String key, JsonNode result, long expected) {
        BrokerAnswers.refusal(key, result, expected);
        return BrokerAnswers.entry(key, result.path("entry"), false);
    }

    /** Builds a {@link RemoteRegistry}. */
    public static final class Builder {
        private final Client client;
        private Optional<String> destination = Optional.empty();
        private final Map<String, String> accessKeys = new HashMap<>();
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Duration resendAfter = DEFAULT_RESEND_AFTER;
        private int fullPollEvery = DEFAULT_FULL_POLL_EVERY;
        private int maxValueBytes = RegistryKeys.DEFAULT_MAX_VALUE_BYTES;
        private Optional<java.util.concurrent.ThreadFactory> threadFactory = Optional.empty();
        private Optional<dev.outpost.spi.ConfigSource> config = Optional.empty();
        private Optional<String> defaultKey = Optional.empty();
        private boolean timeoutSet;
        private boolean pollSet;

        Builder(Client client) {
            this.client = Objects.requireNonNull(client, "client");
        }

        /** Where the broker reads its requests (default: the client's requests destination). */
        public Builder destination(String destination) {
            this.destination = Optional.of(Objects.requireNonNull(destination, "destination"));
            return this;
        }

        /** The access key to present for {@code namespace} (plain JSON codec); never logged. */
        public Builder accessKey(String namespace, String secret) {
            RegistryKeys.checkPrefix(namespace + "/");
            accessKeys.put(namespace, Objects.requireNonNull(secret, "secret"));
            return this;
        }

        /** How long to wait for each answer (default 10 s). */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, was " + timeout);
            }
            this.timeout = timeout;
            this.timeoutSet = true;
            return this;
        }

        /**
         * How long to wait for an answer before sending the same request (same id) again, within
         * {@link #timeout} (default 2 s). Give the broker's worker {@code suppressDuplicates} (as
         * {@link RegistryService} does for the worker it owns) so a request is carried out once.
         */
        public Builder resendAfter(Duration wait) {
            if (wait.compareTo(Duration.ofMillis(10)) < 0) { // not toMillis(): it overflows for the longest durations
                throw new IllegalArgumentException("resendAfter must be at least 10 ms, was " + wait);
            }
            this.resendAfter = wait;
            return this;
        }

        /** How often watches poll (default 1 s). */
        public Builder pollInterval(Duration interval) {
            if (interval.compareTo(Duration.ofMillis(10)) < 0) { // not toMillis(): it overflows for the longest durations
                throw new IllegalArgumentException("pollInterval must be at least 10 ms, was " + interval);
            }
            this.pollInterval = interval;
            this.pollSet = true;
            return this;
        }

        /** Every how many polls the watched prefixes are listed even if the revision did not move (default 10). */
        public Builder fullPollEvery(int polls) {
            if (polls < 1) {
                throw new IllegalArgumentException("fullPollEvery must be at least 1, was " + polls);
            }
            this.fullPollEvery = polls;
            return this;
        }

        /** The value size checked before sending (default 64 KiB; the broker's own limit applies too). */
        public Builder maxValueBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxValueBytes must be positive, was " + bytes);
            }
            this.maxValueBytes = bytes;
            return this;
        }

        /** Makes the watch poller's thread (started with the first watch). */
        public Builder threadFactory(java.util.concurrent.ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /**
         * Takes {@code outpost.kv.timeout}, {@code outpost.kv.poll-interval} and
         * {@code outpost.kv.access-key} (presented for every namespace without a key of its own)
         * for what no method set; checked at {@link #build()}.
         */
        public Builder configure(dev.outpost.spi.ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * The registry.
         *
         * @throws dev.outpost.ConfigException listing every problem of the configuration
         */
        public RemoteRegistry build() {
            dev.outpost.kv.internal.Settings s = new dev.outpost.kv.internal.Settings(config);
            timeout = s.duration(timeoutSet ? Optional.of(timeout) : Optional.empty(), "outpost.kv.timeout", DEFAULT_TIMEOUT,
                    Duration.ofMillis(1));
            pollInterval = s.duration(pollSet ? Optional.of(pollInterval) : Optional.empty(), "outpost.kv.poll-interval",
                    DEFAULT_POLL_INTERVAL, Duration.ofMillis(10));
            defaultKey = s.string(Optional.empty(), "outpost.kv.access-key");
            s.check();
            return new RemoteRegistry(this);
        }
    }
}
