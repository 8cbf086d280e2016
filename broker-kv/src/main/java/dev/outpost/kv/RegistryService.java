package dev.outpost.kv;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.CollectorException;
import dev.outpost.ConfigException;
import dev.outpost.Request;
import dev.outpost.ShutdownResult;
import dev.outpost.core.Worker;
import dev.outpost.core.audit.AuditLog;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.kv.internal.KvCollectors;
import dev.outpost.kv.internal.NamespacesFile;
import dev.outpost.kv.internal.Settings;
import dev.outpost.kv.internal.WriteAudit;
import dev.outpost.kv.internal.WriterNames;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import dev.outpost.spi.Sender;
import dev.outpost.spi.Transport;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;

/**
 * Serves a {@link Registry} through an ordinary worker: the broker. Hosts reach it over the
 * transport (a queue), so no host, broker included, opens an inbound port.
 *
 * <pre>{@code
 * RegistryService service = RegistryService.builder(SqliteRegistry.open(Path.of("kv.db")))
 *         .namespace("svc", NamespaceAccess.builder().readers("*").writeKey(System.getenv("SVC_WRITE_KEY")).build())
 *         .build();
 * Worker broker = Worker.builder(transport).requests("kv-requests").collectors(service.collectors())
 *         .suppressDuplicates(10_000).build().start();
 * }</pre>
 *
 * <p>Collectors (params are JSON objects; every one takes an optional {@code accessKey};
 * {@code kv.revision} and {@code kv.ping}, which are about the whole store, answer only callers
 * who may read at least one namespace):
 *
 * <ul>
 *   <li>{@code kv.get {key}} → {@code {entry}} ({@code null} when absent)
 *   <li>{@code kv.register {key, value, ttlMillis?}} → {@code {entry}}
 *   <li>{@code kv.replace {key, value, version, ttlMillis?, keepTtl?}} → {@code {entry}}
 *   <li>{@code kv.update {key, patch}} → {@code {entry}} (JSON merge patch)
 *   <li>{@code kv.delete {key, version?}} → {@code {deleted}}
 *   <li>{@code kv.list {prefix, limit?, pageToken?}} → {@code {entries, nextPageToken?}}
 *   <li>{@code kv.revision {}} → {@code {revision}}
 *   <li>{@code kv.ping {data?}} → {@code {data, broker}}: echoes the caller's data
 * </ul>
 *
 * <p>An expected refusal (key exists, no such key, version conflict) is an ok response carrying
 * {@code {"refused": {"code", "message", "actual"?}}}, so the worker never retries it. A refused
 * namespace is an error response with code {@code forbidden} and a reason that names the
 * namespace and the sender, never a key; invalid keys and values (also a value nested more than 60
 * levels, deeper than an answer can carry) are {@code invalid-key} and
 * {@code invalid-value}; a failing store is {@code unavailable}. Nothing is retried by the worker
 * (every failure is permanent): the caller decides.
 *
 * <p>Every write is stamped with its writer: the authenticated sender's name from the worker's
 * known-senders file, else {@code access-key:NAMESPACE}, else {@code anonymous}; a caller may add
 * a name of its own ({@code writer} param: 1 to 64 of {@code [A-Za-z0-9._:@-]}, no spaces), which
 * is kept as {@code NAME via IDENTITY}. A stamp is cut to 200 characters, what an import line
 * may carry, so that an export of the registry always imports again.
 *
 * <p>At-least-once delivery means a request may run twice (a broker that dies after the commit
 * and before the ack); give the worker {@code suppressDuplicates} so a redelivered request id is
 * answered once.
 */
public final class RegistryService implements AutoCloseable {
    /** The default byte budget of one {@code kv.list} answer. */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 192 * 1024;

    /** The prefix of every collector this service registers. */
    public static final String PREFIX = "kv.";

    private final Registry registry;
    private final Map<String, NamespaceAccess> namespaces;
    private final String brokerId;
    private final List<Collector> extensions;
    private final int maxResponseBytes;
    private final Lifecycle lifecycle;
    private final Optional<WriteAudit> audit;
    private Optional<Worker> worker = Optional.empty();

    private RegistryService(Builder b, Map<String, NamespaceAccess> namespaces, String brokerId) {
        this.maxResponseBytes = b.maxResponseBytes;
        this.registry = b.registry;
        this.namespaces = Map.copyOf(namespaces);
        this.brokerId = brokerId;
        this.extensions = List.copyOf(b.extensions);
        this.lifecycle = new Lifecycle("RegistryService[" + brokerId + "]", "kv-broker", b.threadFactory);
        this.audit = b.audit.map(log -> new WriteAudit(log, brokerId, b.clock));
    }

    /**
     * Starts the worker this service owns when it was given a {@link Builder#transport transport}
     * (without one, register {@link #collectors()} on a worker of your own; then this does nothing
     * but mark it started).
     *
     * @return this
     * @throws dev.outpost.spi.NoSuchDestinationException when the worker's queue does not exist; the service is then
     *     stopped (build a new one)
     * @throws IllegalStateException when started before or shut down
     */
    public RegistryService start() {
        lifecycle.start();
        try {
            worker.ifPresent(Worker::start);
        } catch (RuntimeException | Error e) {
            lifecycle.failedStart(); // not "started before" on a retry while nothing runs
            throw e;
        }
        return this;
    }

    /**
     * Stops the owned worker (in-flight requests finish within its drain timeout). The registry is
     * the caller's to close. Idempotent: the same future every call.
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown(Duration.ofSeconds(5), () -> worker.ifPresent(w -> {
            ShutdownResult r = w.shutdown().join();
            if (!r.clean()) {
                throw new IllegalStateException("the broker's worker stopped unclean; still running: " + r.threadsStillAlive());
            }
        }));
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        lifecycle.closeAndReport(shutdown());
    }

    /** The worker this service owns, when it was given a transport. */
    public Optional<Worker> worker() {
        return worker;
    }

    /** A builder serving {@code registry}; the service never closes it. */
    public static Builder builder(Registry registry) {
        return new Builder(registry);
    }

    /** The collectors to register on the worker: the {@code kv.*} ones and the extensions. */
    public List<Collector> collectors() {
        List<Collector> kv = new KvCollectors(registry, this::authorise, this::authoriseAnyRead, brokerId, maxResponseBytes).all();
        List<Collector> all = new ArrayList<>(audit.map(a -> a.wrap(kv)).orElse(kv));
        all.addAll(extensions);
        return all;
    }

    /**
     * Checks that the caller of {@code request} may read (or {@code write}) {@code key}'s namespace,
     * for extensions that touch the registry themselves, and returns the writer stamp to use.
     *
     * @throws CollectorException with code {@code forbidden} (permanent) when it may not
     */
    public String authorise(Request request, CollectorContext context, String keyOrPrefix, boolean write) {
        String ns;
        try {
            ns = RegistryKeys.namespaceOf(keyOrPrefix);
        } catch (RegistryException.InvalidKey e) {
            throw CollectorException.permanent("invalid-key", e.getMessage());
        }
        Optional<Sender> sender = context.sender();
        Optional<String> key = accessKey(request);
        NamespaceAccess rule = namespaces.get(ns);
        if (rule == null) {
            throw CollectorException.permanent("forbidden", "namespace '" + ns + "' is not served by this broker");
        }
        Set<String> names = senderNames(sender);
        if (!rule.allows(write, names, key)) {
            String what = write ? "write" : "read";
            String why = key.isPresent() ? "the access key given is not valid for " + what + "s of namespace '" + ns + "'"
                    : who(sender) + " may not " + what + " namespace '" + ns + "'"
                            + (rule.hasKey(write) ? " (give its access key)" : "");
            throw CollectorException.permanent("forbidden", why);
        }
        String identity = sender.map(Sender::name).orElse(key.isPresent() ? "access-key:" + ns : "anonymous");
        JsonNode claimed = request.params().get("writer");
        if (claimed == null || claimed.isNull()) {
            return WriterNames.stamp(identity, RegistryImport.MAX_BY);
        }
        if (!claimed.isTextual() || !WriterNames.valid(claimed.asText())) {
            throw CollectorException.permanent("invalid-argument", "a writer name is 1 to 64 of [A-Za-z0-9._:@-] starting with a"
                    + " letter or digit (no spaces)");
        }
        return WriterNames.stamp(claimed.asText() + " via " + identity, RegistryImport.MAX_BY);
    }

    /**
     * Checks that the caller of {@code request} may read at least one namespace this broker serves:
     * the rule of the calls about the whole store ({@code kv.revision}, {@code kv.ping}). They tell
     * nothing of a namespace's entries but something of the broker (that it is there, how often it
     * is written), so they are for callers who may read something, not for anyone who can send.
     *
     * @throws CollectorException with code {@code forbidden} (permanent) when it may read none
     */
    private void authoriseAnyRead(Request request, CollectorContext context) {
        Optional<Sender> sender = context.sender();
        Optional<String> key = accessKey(request);
        Set<String> names = senderNames(sender);
        boolean allowed = false;
        boolean keyed = false;
        for (NamespaceAccess rule : namespaces.values()) {
            allowed |= rule.allows(false, names, key); // every rule is tried: timing tells nothing of which one matched
            keyed |= rule.hasKey(false);
        }
        if (!allowed) {
            throw CollectorException.permanent("forbidden", (key.isPresent() ? "the access key given is not valid for reads of any"
                    + " namespace" : who(sender) + " may read no namespace") + " of this broker, which " + request.collector()
                    + " requires" + (key.isEmpty() && keyed ? " (give a namespace's access key)" : ""));
        }
    }

    private static Optional<String> accessKey(Request request) {
        return request.params().hasNonNull("accessKey") ? Optional.of(request.params().get("accessKey").asText()) : Optional.empty();
    }

    /** The names a sender may be listed by in {@code readers}/{@code writers}: its name, its id, its key id. */
    private static Set<String> senderNames(Optional<Sender> sender) {
        Set<String> names = new HashSet<>();
        sender.ifPresent(s -> {
            names.add(s.name());
            names.add(s.id());
            keyId(s.id()).ifPresent(names::add);
        });
        return names;
    }

    private static String who(Optional<Sender> sender) {
        return sender.map(s -> "sender '" + s.name() + "'" + keyId(s.id()).map(k -> " (key " + k + ")").orElse(""))
                .orElse("an unauthenticated caller");
    }

    /**
     * The key id of a sender whose id is a base64 public key (the sealed codec's): the first 8
     * bytes of its SHA-256 as 16 hex digits, as key files, {@code Keygen} and refusals show it.
     */
    static Optional<String> keyId(String senderId) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(senderId);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (key.length != 32) {
            return Optional.empty();
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key);
            return Optional.of(HexFormat.of().formatHex(d, 0, 8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** Builds a {@link RegistryService}. */
    public static final class Builder {
        private final Registry registry;
        private final Map<String, NamespaceAccess> namespaces = new TreeMap<>();
        private final List<Collector> extensions = new ArrayList<>();
        private final List<RegistryService[]> guarded = new ArrayList<>();
        private Optional<String> brokerId = Optional.empty();
        private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
        private Optional<Transport> transport = Optional.empty();
        private Optional<String> requests = Optional.empty();
        private Optional<Codec> codec = Optional.empty();
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();
        private Optional<AuditLog> audit = Optional.empty();
        private Clock clock = Clock.systemUTC();

        Builder(Registry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** Serves namespace {@code name} with these rules. Namespaces not named are refused. */
        public Builder namespace(String name, NamespaceAccess access) {
            Objects.requireNonNull(access, "access");
            RegistryKeys.checkPrefix(name + "/");
            if (namespaces.putIfAbsent(name, access) != null) {
                throw new IllegalArgumentException("namespace '" + name + "' is configured twice");
            }
            return this;
        }

        /**
         * The most bytes of entries one {@code kv.list} answer carries (default 192 KiB, under SQS's
         * 256 KiB message limit); a page that would be larger ends early with a token. At least one
         * entry is always returned.
         */
        public Builder maxResponseBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxResponseBytes must be at least 1024, was " + bytes);
            }
            this.maxResponseBytes = bytes;
            return this;
        }

        /** The id {@code kv.ping} answers with (default {@code outpost.broker.id}, else {@code broker}); nothing secret. */
        public Builder brokerId(String id) {
            this.brokerId = Optional.of(Objects.requireNonNull(id, "id"));
            return this;
        }

        /**
         * Serves on {@code transport} with a worker the service owns and starts: builtins off,
         * {@code suppressDuplicates(10000)}, the {@code outpost.worker.*} settings of
         * {@link #configure configuration}, threads from {@link #threadFactory}.
         */
        public Builder transport(Transport transport) {
            this.transport = Optional.of(Objects.requireNonNull(transport, "transport"));
            return this;
        }

        /** The owned worker's request queue (default {@code outpost.worker.requests}, else {@code kv-requests}). */
        public Builder requests(String source) {
            this.requests = Optional.of(Objects.requireNonNull(source, "source"));
            return this;
        }

        /** The owned worker's codec (a sealed codec authenticates senders for {@code readers}/{@code writers}). */
        public Builder codec(Codec codec) {
            this.codec = Optional.of(Objects.requireNonNull(codec, "codec"));
            return this;
        }

        /**
         * Records every write a remote caller asks for ({@code kv.register}, {@code kv.replace},
         * {@code kv.update}, {@code kv.delete}, refused ones included) in {@code auditLog}: kind
         * {@code registry-write}, the broker id, the request id, the sender (authenticated when a
         * sealed codec proved it), the key as target, the outcome ({@code ok},
         * {@code refused:version-conflict}, {@code forbidden}, …) and the duration. The event's
         * params are {@code {operation, namespace, key, version?, valueSha256 | patchSha256}}: the
         * value is only ever hashed (canonical JSON, SHA-256, as the worker hashes params) and the
         * access key never appears, so give the log {@code includeParams(true)} to see the
         * operation in each line. The service does not start or close the log.
         */
        public Builder audit(AuditLog auditLog) {
            this.audit = Optional.of(Objects.requireNonNull(auditLog, "auditLog"));
            return this;
        }

        /** The clock audit events are stamped with (default UTC system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Makes every thread of the owned worker. */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /**
         * Takes {@code outpost.broker.id} and {@code outpost.broker.namespaces-file} (the namespace
         * rules, in their own owner-only file since they hold access keys) for what no method set,
         * and gives {@code config} to the owned worker. Checked at {@link #build()}.
         */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * Adds an application's own broker method. Its name must not start with {@code kv.}; names
         * starting with {@code _} are never reachable remotely (the worker runs them only from its
         * scheduler). Use {@link RegistryService#authorise} inside it to apply the namespace rules.
         */
        public Builder extension(Collector collector) {
            Objects.requireNonNull(collector, "collector");
            if (collector.name().startsWith(PREFIX)) {
                throw new IllegalArgumentException("extension '" + collector.name() + "' must not use the kv. prefix");
            }
            extensions.add(collector);
            return this;
        }

        /**
         * Adds an application's own broker method that only callers who may write
         * {@code namespace} can run (bpbroker's extensions: whitelisted, access key checked). The
         * check runs before the collector, with the same rules and refusals as {@code kv.*}; its
         * params schema must allow an {@code accessKey} string when access keys are used.
         */
        public Builder extension(String namespace, Collector collector) {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(collector, "collector");
            RegistryKeys.checkPrefix(namespace + "/");
            RegistryService[] self = new RegistryService[1];
            guarded.add(self);
            return extension(new Collector() {
                @Override
                public String name() {
                    return collector.name();
                }

                @Override
                public String description() {
                    return collector.description();
                }

                @Override
                public JsonNode paramsSchema() {
                    return collector.paramsSchema();
                }

                @Override
                public Object collect(Request request, CollectorContext context) throws Exception {
                    self[0].authorise(request, context, namespace + "/", true);
                    return collector.collect(request, context);
                }
            });
        }

        /**
         * The service, not started.
         *
         * @throws ConfigException listing every problem: no namespace, a bad namespaces file, a
         *     worker configuration the worker refuses
         */
        public RegistryService build() {
            Settings s = new Settings(config);
            String id = s.string(brokerId, "outpost.broker.id", "broker");
            Map<String, NamespaceAccess> all = new TreeMap<>();
            s.path(Optional.empty(), "outpost.broker.namespaces-file")
                    .ifPresent(f -> all.putAll(NamespacesFile.read(f, "outpost.broker.namespaces-file", s)));
            all.putAll(namespaces); // rules given in code win
            if (all.isEmpty() && !s.hasProblem("outpost.broker.namespaces-file")) { // a file that failed says so already
                s.problem("outpost.broker.namespaces-file", "no namespace configured (namespace(...) or a namespaces file):"
                        + " every request would be refused");
            }
            s.check();
            RegistryService service = new RegistryService(this, all, id);
            guarded.forEach(holder -> holder[0] = service);
            transport.ifPresent(t -> {
                Worker.Builder wb = Worker.builder(t).collectors(service.collectors()).builtins(false).suppressDuplicates(10_000);
                config.ifPresent(wb::configure);
                // its log lines and answers carry the broker's id, unless configuration names the worker itself
                if (config.flatMap(c -> c.string("outpost.worker.id")).filter(w -> !w.isBlank()).isEmpty()) {
                    wb.id(id);
                }
                // the broker's queue is kv-requests unless configuration names one (core's declared default is the worker's)
                wb.requests(requests.orElseGet(() -> config
                        .filter(c -> c.sourceOf("outpost.worker.requests").filter(src -> !src.equals("defaults")).isPresent())
                        .flatMap(c -> c.string("outpost.worker.requests")).filter(q -> !q.isBlank()).orElse("kv-requests")));
                codec.ifPresent(wb::codec);
                threadFactory.ifPresent(wb::threadFactory);
                service.worker = Optional.of(wb.build());
            });
            return service;
        }
    }
}
