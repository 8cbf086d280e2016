package dev.outpost.nacl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.nacl.internal.ReplayCache;
import dev.outpost.nacl.internal.ReplayGuard;
import dev.outpost.spi.Codec;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Received;
import dev.outpost.spi.Registry;
import dev.outpost.spi.Sender;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A {@link Codec} that seals every message with NaCl public-key authenticated encryption
 * (X25519 + XSalsa20-Poly1305, libsodium's {@code crypto_box}) around another codec, so that only
 * the intended recipients can read a message and they know for certain who sent it.
 *
 * <p>The same class serves both ends. A client seals requests to its {@linkplain Builder#recipient
 * recipients} (one worker, or every worker of a topic in one group message) and opens the
 * responses, which must come from a known worker. A worker opens requests from
 * {@linkplain Builder#knownSenders known senders} only, hands the authenticated {@link Sender}
 * (with its collector list) to the worker loop, and seals each response back to the request's
 * sender.
 *
 * <p>Inside every box travel a timestamp and a random message id: messages older than the
 * freshness window (default 5 minutes) or dated further ahead than the allowed clock skew
 * (default 1 minute) are refused, as is a second copy of a message already opened within the
 * window — unless it is a redelivery of the same transport message, which at-least-once delivery
 * produces. Every refusal is a {@link CodecException} whose {@link dev.outpost.RejectReason} says why; the
 * worker dead-letters it and answers nothing. The wire format is described in this module's
 * README. Thread-safe.
 *
 * <p>The replay cache fails closed: it remembers each message until the message would be stale
 * anyway and never forgets one earlier, so when it holds {@linkplain Builder#replayCacheSize as many
 * messages as it may}, or a sender holds {@linkplain Builder#replayQuotaPerSender its share}, new
 * messages are refused ({@link SealRejects#REPLAY_CACHE_FULL}) rather than opened unprotected. It
 * lives in this process: another process with the same key, or this one after a restart, does not
 * know what it saw, unless the codecs {@linkplain Builder#sharedReplayState share replay state}
 * through a {@link Registry}. {@link #status()} shows the cache and the known-senders list.
 */
public final class SealedCodec implements Codec {
    /** Format byte of a message sealed to one recipient. */
    public static final byte FORMAT_DIRECT = Envelope.FORMAT_DIRECT;
    /** Format byte of a message sealed to a group of recipients. */
    public static final byte FORMAT_GROUP = Envelope.FORMAT_GROUP;
    /** Default freshness window. */
    public static final Duration DEFAULT_FRESHNESS = Duration.ofMinutes(5);
    /** Default tolerated clock skew for messages dated in the future. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofMinutes(1);
    /** Default number of message ids remembered for replay detection. */
    public static final int DEFAULT_REPLAY_CACHE = 100_000;
    /** Default share of the replay cache one known sender may fill, as a divisor of its size (a quarter). */
    public static final int DEFAULT_REPLAY_QUOTA_DIVISOR = 4;
    /** Default key prefix of the shared replay state in a registry. */
    public static final String DEFAULT_REPLAY_NAMESPACE = "outpost/replay/";
    /** Default largest sealed message accepted. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

    // The wire format's sizes, for this package's tests.
    static final int KEY_ID = Envelope.KEY_ID;
    static final int MAC = Envelope.MAC;
    static final int GROUP_HEADER = Envelope.GROUP_HEADER;
    static final int GROUP_ENTRY = Envelope.GROUP_ENTRY;

    private final Codec inner;
    private final List<NaclKeyPair> identities;
    private final List<NaclPublicKey> recipients;
    private final Senders senders;
    private final Envelope envelope;
    private final ReplayGuard replays;
    private final int maxMessageBytes;
    private final Clock clock;

    private SealedCodec(Builder b, SealedCodecConfig.Settings s) {
        this.inner = b.inner;
        this.identities = List.copyOf(b.identities);
        this.recipients = List.copyOf(b.recipients);
        this.senders = new Senders(b.knownSenders.orElseGet(() -> {
            List<KnownSender> peers = new ArrayList<>();
            for (NaclPublicKey r : recipients) {
                peers.add(KnownSender.of(r, "recipient-" + r.keyIdHex()));
            }
            return KnownSenders.of(peers);
        }));
        this.envelope = new Envelope(identities, new SharedKeys(identities));
        this.maxMessageBytes = s.maxMessageBytes();
        this.clock = b.clock;
        this.replays = new ReplayGuard(s.freshness(), s.clockSkew(), new ReplayCache(s.replayCacheSize(), s.replayQuota()),
                b.sharedReplays, b.replayNamespace);
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** This codec's current public key: what peers list as known sender or recipient. */
    public NaclPublicKey publicKey() {
        return identities.get(0).publicKey();
    }

    /** How many message ids the replay cache holds now. */
    public int replayCacheSize() {
        return replays.snapshot(clock.millis()).size();
    }

    /** The replay cache's and the known-senders list's state now: read-only, for status pages. */
    public SealedCodecStatus sealedStatus() {
        ReplayCache.Snapshot r = replays.snapshot(clock.millis());
        return new SealedCodecStatus(new ReplayCacheStatus(r.size(), r.capacity(), r.perSenderQuota(), r.senders(),
                r.busiestSender(), r.refusedFull(), r.refusedOverQuota(), r.replays(), replays.isShared(),
                replays.sharedFailures()), senders.list().status());
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@link #sealedStatus()} flattened: {@code replayCache.size}, {@code knownSenders.failing}…
     */
    @Override
    public Map<String, String> status() {
        Map<String, String> out = new TreeMap<>();
        flatten("", Json.toTree(sealedStatus()), out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.properties().forEach(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out));
        } else if (!node.isNull()) {
            out.put(prefix, node.isValueNode() ? node.asText() : node.toString());
        }
    }

    // ------------------------------------------------------------------ Codec

    @Override
    public byte[] encodeRequest(Request request) {
        return seal(inner.encodeRequest(request), recipients);
    }

    @Override
    public Decoded<Request> decodeRequest(byte[] body) {
        return decodeRequest(body, null);
    }

    @Override
    public Decoded<Request> decodeRequest(byte[] body, Received received) {
        Opened o = open(body, received);
        Decoded<Request> d = innerDecode(o, "request", inner::decodeRequest);
        return new Decoded<>(d.document(), Optional.of(o.sender));
    }

    @Override
    public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
        byte[] plain = inner.encodeResponse(response, recipient);
        if (recipient.isPresent()) {
            return seal(plain, List.of(senders.keyOf(recipient.get())));
        }
        return seal(plain, recipients);
    }

    @Override
    public Decoded<Response> decodeResponse(byte[] body) {
        // an answer sealed for another key says so before its sender is judged: on a reply destination clients share,
        // one from a worker this client does not know is another client's (handed back), not junk (dropped)
        Envelope.claimedSender(body, maxMessageBytes);
        envelope.requireAddressedHere(body);
        Opened o = open(body, null);
        Decoded<Response> d = innerDecode(o, "response", inner::decodeResponse);
        senders.requireOwnName(d.document().worker(), o.sender);
        return new Decoded<>(d.document(), Optional.of(o.sender));
    }


    /**
     * The inner codec's reading of an opened message. Its refusals quote what they read (a JSON parser names the token it
     * choked on, a schema the value it refused), and their detail goes to the worker's log and to a dead-letter attribute,
     * outside the seal: only the reason and who sent it leave here.
     */
    private <T> Decoded<T> innerDecode(Opened o, String what, java.util.function.Function<byte[], Decoded<T>> decode) {
        try {
            return decode.apply(o.payload);
        } catch (CodecException e) {
            throw new CodecException(e.reason(), withheld(o, what, e.reason().code()));
        } catch (RuntimeException e) {
            throw new CodecException(dev.outpost.RejectReason.UNDECODABLE, withheld(o, what, e.getClass().getSimpleName()));
        }
    }

    private static String withheld(Opened o, String what, String why) {
        return "the sealed " + what + " from sender '" + o.sender.name() + "' opened, but the codec inside the seal refused it ("
                + why + "); its detail is withheld, as it would quote what the seal protects";
    }

    byte[] seal(byte[] payload, List<NaclPublicKey> to) {
        return envelope.seal(payload, to, clock.millis());
    }

    record Opened(Sender sender, byte[] payload) {}

    Opened open(byte[] body, Received received) {
        try {
            // Who claims to have sent it is checked before any public-key work: unknown senders cost nothing.
            KnownSender known = senders.require(Envelope.claimedSender(body, maxMessageBytes));
            byte[] stamp = new byte[Envelope.STAMP];
            try {
                byte[] payload = envelope.open(body, known.key(), stamp);
                try {
                    replays.check(envelope.openedFor(body), known.key(), stamp, Envelope.readLong(stamp, 0), clock.millis(),
                            received == null ? "" : received.messageId());
                } catch (RuntimeException e) {
                    Arrays.fill(payload, (byte) 0); // refused: what it said leaves no copy behind
                    throw e;
                }
                return new Opened(senders.asSender(known), payload);
            } finally {
                Arrays.fill(stamp, (byte) 0);
            }
        } catch (CodecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CodecException(SealRejects.BAD_SEAL, "sealed message could not be opened: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public String toString() {
        return "SealedCodec[key=" + publicKey().keyIdHex() + ", recipients=" + recipients.size() + "]";
    }

    /**
     * Builds a {@link SealedCodec}. Values set by a method win over {@linkplain #configure
     * configuration}; every problem with the configuration is reported at {@link #build()} in one
     * {@link ConfigException}.
     */
    public static final class Builder {
        private Codec inner = JsonCodec.create();
        private final List<NaclKeyPair> identities = new ArrayList<>();
        private final List<NaclPublicKey> recipients = new ArrayList<>();
        private Optional<KnownSenders> knownSenders = Optional.empty();
        private Optional<Duration> freshness = Optional.empty();
        private Optional<Duration> clockSkew = Optional.empty();
        private Optional<Integer> replayCacheSize = Optional.empty();
        private Optional<Integer> replayQuota = Optional.empty();
        private Optional<Integer> maxMessageBytes = Optional.empty();
        private Optional<Registry> sharedReplays = Optional.empty();
        private String replayNamespace = DEFAULT_REPLAY_NAMESPACE;
        private Clock clock = Clock.systemUTC();
        private Optional<ConfigSource> config = Optional.empty();

        private Builder() {}

        /**
         * Takes {@code outpost.nacl.*} from configuration for what no method of this builder set
         * (this module's README lists the keys): {@code secret-key} (this host's key file, required
         * once any {@code outpost.nacl} key is set), {@code known-senders} (a worker's known-senders
         * file) and {@code recipients} (a client's comma-separated public key files of the workers
         * it seals for), and the tunables {@code freshness}, {@code clock-skew},
         * {@code replay-cache-size}, {@code replay-quota-per-sender} and {@code max-message-bytes}.
         * One of {@code known-senders} and {@code recipients} must be set too: a sealed codec with a
         * key but no one to trust or address is a misconfiguration, refused at {@link #build()}.
         */
        public Builder configure(ConfigSource source) {
            this.config = Optional.of(Objects.requireNonNull(source, "config"));
            return this;
        }

        /**
         * Whether {@code source} sets any {@code outpost.nacl.*} key (other than by the built-in
         * defaults), that is whether sealing is asked for.
         */
        public static boolean isConfigured(ConfigSource source) {
            for (String key : source.keys()) {
                if (key.startsWith("outpost.nacl.") && !source.sourceOf(key).equals(Optional.of("defaults"))
                        && source.string(key).filter(v -> !v.isBlank()).isPresent()) {
                    return true;
                }
            }
            return false;
        }

        /** This host's key pair (required): messages are sealed with it and opened with it. */
        public Builder identity(NaclKeyPair keyPair) {
            Objects.requireNonNull(keyPair, "keyPair");
            identities.add(0, keyPair);
            return this;
        }

        /**
         * An older key pair still accepted while peers move to the new one (key rotation): messages
         * sealed to it still open; nothing is sealed with it.
         */
        public Builder previousIdentity(NaclKeyPair keyPair) {
            identities.add(Objects.requireNonNull(keyPair, "keyPair"));
            return this;
        }

        /** The codec inside the seal; default {@link JsonCodec#create()}. */
        public Builder inner(Codec codec) {
            this.inner = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** Who may send to this host. Default: exactly the recipients (right for a client talking to its workers). */
        public Builder knownSenders(KnownSenders senders) {
            this.knownSenders = Optional.of(Objects.requireNonNull(senders, "senders"));
            return this;
        }

        /** A recipient of requests (and of responses that answer no particular sender); several make group messages. */
        public Builder recipient(NaclPublicKey key) {
            recipients.add(Objects.requireNonNull(key, "key"));
            return this;
        }

        /** Several recipients: every message is sealed once for all of them. */
        public Builder recipients(Collection<NaclPublicKey> keys) {
            keys.forEach(this::recipient);
            return this;
        }

        /** How old a message may be; default 5 minutes. */
        public Builder freshness(Duration window) {
            Objects.requireNonNull(window, "window");
            if (!SealedCodecConfig.POSITIVE.test(window)) {
                throw new IllegalArgumentException("window must be positive, was " + window);
            }
            this.freshness = Optional.of(window);
            return this;
        }

        /** How far in the future a message may be dated; default 1 minute. */
        public Builder clockSkew(Duration skew) {
            Objects.requireNonNull(skew, "skew");
            if (skew.isNegative()) {
                throw new IllegalArgumentException("skew must not be negative, was " + skew);
            }
            this.clockSkew = Optional.of(skew);
            return this;
        }

        /**
         * How many messages the replay cache remembers at once, each for its freshness window;
         * default 100,000 (at most about 140 bytes each). When it is full, new messages are refused as
         * {@code replay-cache-full} until older ones leave the window: size it for the most
         * messages expected within one window.
         */
        public Builder replayCacheSize(int size) {
            if (size < 16) {
                throw new IllegalArgumentException("size must be at least 16, was " + size);
            }
            this.replayCacheSize = Optional.of(size);
            return this;
        }

        /**
         * How many messages of one sender the replay cache remembers at once. Default: a quarter of
         * {@link #replayCacheSize} when {@link #knownSenders} are set (a worker), so that one
         * sender cannot fill the cache for the others; the whole cache otherwise (a client, which
         * hears only from the workers it calls). A worker with one busy sender may raise it to the
         * cache size.
         */
        public Builder replayQuotaPerSender(int messages) {
            if (messages < 1) {
                throw new IllegalArgumentException("messages must be at least 1, was " + messages);
            }
            this.replayQuota = Optional.of(messages);
            return this;
        }

        /**
         * Shares replay state with other processes through {@code registry}: each opened message
         * is registered (create only, with the freshness window as time to live) under
         * {@code outpost/replay/<recipient key id>/<sender key id>/<message id>} (the recipient:
         * this host's key it was sealed for), and a message another process opened is refused as a
         * replay unless it is the same transport message. If the registry fails, the message is
         * refused ({@code replay-state-unavailable}). Share it
         * among processes that consume the same queue with the same key; processes that should
         * each receive every message (one queue each behind a topic) need a namespace each. The
         * codec does not close the registry.
         */
        public Builder sharedReplayState(Registry registry) {
            return sharedReplayState(registry, DEFAULT_REPLAY_NAMESPACE);
        }

        /**
         * {@link #sharedReplayState(Registry)} under another key prefix (ending in {@code /}).
         *
         * @throws IllegalArgumentException when {@code namespace} cannot begin a registry key (a namespace of
         *     {@code [a-z0-9._-]}, no empty segment, no control character)
         */
        public Builder sharedReplayState(Registry registry, String namespace) {
            Objects.requireNonNull(registry, "registry");
            Objects.requireNonNull(namespace, "namespace");
            if (namespace.isEmpty() || !namespace.endsWith("/") || namespace.length() > 256) {
                throw new IllegalArgumentException("namespace must end in '/' and be at most 256 characters, was '" + namespace + "'");
            }
            try {
                // what every message's key begins with: refused here, not as replay-state-unavailable by every message
                dev.outpost.spi.RegistryKeys.checkKey(namespace + "id");
            } catch (dev.outpost.spi.RegistryException.InvalidKey e) {
                throw new IllegalArgumentException("namespace must begin registry keys (NAMESPACE/ then non-empty segments,"
                        + " see RegistryKeys): " + e.getMessage());
            }
            this.sharedReplays = Optional.of(registry);
            this.replayNamespace = namespace;
            return this;
        }

        /** The largest sealed message opened; default 1 MiB. */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < SealedCodecConfig.MIN_MESSAGE_BYTES) {
                throw new IllegalArgumentException("bytes is too small to hold a sealed message: " + bytes);
            }
            this.maxMessageBytes = Optional.of(bytes);
            return this;
        }

        /** The clock for freshness checks. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds the codec.
         *
         * @throws ConfigException listing every problem with the configuration, or when no identity was given
         * @throws IllegalArgumentException when values set by methods contradict each other
         */
        public SealedCodec build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            SealedCodecConfig c = new SealedCodecConfig(config, problems);
            SealedCodecConfig.KeyMaterial files = c.keyFiles(identities.isEmpty(), knownSenders.isEmpty(), recipients.isEmpty(),
                    clock);
            files.identity().ifPresent(identities::add);
            files.knownSenders().ifPresent(k -> knownSenders = Optional.of(k));
            recipients.addAll(files.recipients());
            Duration fresh = c.duration(freshness, SealedCodecConfig.FRESHNESS, DEFAULT_FRESHNESS, SealedCodecConfig.POSITIVE,
                    "positive");
            Duration skew = c.duration(clockSkew, SealedCodecConfig.CLOCK_SKEW, DEFAULT_CLOCK_SKEW, d -> !d.isNegative(),
                    "zero or more");
            int size = c.integer(replayCacheSize, SealedCodecConfig.REPLAY_CACHE_SIZE, DEFAULT_REPLAY_CACHE, 16);
            // A host that obeys listed senders shares its cache among them; a client hears only from the workers it calls.
            int quota = c.integer(replayQuota, SealedCodecConfig.REPLAY_QUOTA, knownSenders.isPresent() || c.namesKnownSenders()
                    ? Math.max(1, size / DEFAULT_REPLAY_QUOTA_DIVISOR) : size, 1);
            int maxBytes = c.integer(maxMessageBytes, SealedCodecConfig.MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGE_BYTES,
                    SealedCodecConfig.MIN_MESSAGE_BYTES);
            if (identities.isEmpty() && problems.stream().noneMatch(p -> p.key().equals(SealedCodecConfig.SECRET_KEY))) {
                problems.add(new ConfigException.Problem(SealedCodecConfig.SECRET_KEY, "a sealed codec needs identity(keyPair) or "
                        + SealedCodecConfig.SECRET_KEY + ": this host's key"));
            }
            if (recipients.size() > Envelope.MAX_GROUP) {
                problems.add(new ConfigException.Problem(SealedCodecConfig.RECIPIENTS, "at most " + Envelope.MAX_GROUP
                        + " recipients, was " + recipients.size()));
            }
            if (quota > size) {
                String message = "replayQuotaPerSender (" + quota + ") must not be larger than replayCacheSize (" + size + ")";
                if (replayQuota.isPresent() && replayCacheSize.isPresent()) {
                    throw new IllegalArgumentException(message);
                }
                problems.add(new ConfigException.Problem(SealedCodecConfig.REPLAY_QUOTA, message));
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new SealedCodec(this, new SealedCodecConfig.Settings(fresh, skew, size, quota, maxBytes));
        }
    }
}
