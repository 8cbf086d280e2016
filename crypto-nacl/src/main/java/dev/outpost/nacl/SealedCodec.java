package dev.outpost.nacl;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.outpost.ConfigException;
import dev.outpost.RejectReason;
import dev.outpost.spi.ConfigSource;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.nacl.internal.ReplayCache;
import dev.outpost.nacl.internal.Sodium;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.Codec;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Received;
import dev.outpost.spi.Registry;
import dev.outpost.spi.Sender;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * produces. Every refusal is a {@link CodecException} whose {@link RejectReason} says why; the
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
    private static final Logger log = LoggerFactory.getLogger(SealedCodec.class);
    /** Format byte of a message sealed to one recipient. */
    public static final byte FORMAT_DIRECT = 0x01;
    /** Format byte of a message sealed to a group of recipients. */
    public static final byte FORMAT_GROUP = 0x02;
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

    static final int PK = NaclPublicKey.BYTES;
    static final int KEY_ID = NaclPublicKey.KEY_ID_BYTES;
    static final int NONCE = 24;
    static final int MAC = 16;
    static final int STAMP = 8 + 16;
    static final int DIRECT_HEADER = 1 + PK + KEY_ID + NONCE;
    static final int GROUP_HEADER = 1 + PK + NONCE + 2;
    static final int GROUP_ENTRY = KEY_ID + MAC + 32 + 32;
    static final int MAX_GROUP = 1024;

    private final Codec inner;
    private final List<NaclKeyPair> identities;
    private final KnownSenders knownSenders;
    private final List<NaclPublicKey> recipients;
    private final long freshnessMillis;
    private final long skewMillis;
    private final int maxMessageBytes;
    private final Clock clock;
    private final ReplayCache replays;
    private final Optional<Registry> sharedReplays;
    private final String replayNamespace;
    private final AtomicLong sharedReplayFailures = new AtomicLong();
    private final Map<SharedKeyId, byte[]> sharedKeys = new ConcurrentHashMap<>();

    private record SharedKeyId(int identity, NaclPublicKey peer) {}

    private SealedCodec(Builder b) {
        this.inner = b.inner;
        this.identities = List.copyOf(b.identities);
        this.recipients = List.copyOf(b.recipients);
        this.knownSenders = b.knownSenders.orElseGet(() -> {
            List<KnownSender> peers = new ArrayList<>();
            for (NaclPublicKey r : recipients) {
                peers.add(KnownSender.of(r, "recipient-" + r.keyIdHex()));
            }
            return KnownSenders.of(peers);
        });
        this.freshnessMillis = b.freshness.toMillis();
        this.skewMillis = b.clockSkew.toMillis();
        this.maxMessageBytes = b.maxMessageBytes;
        this.clock = b.clock;
        // A host that obeys listed senders shares its cache among them; a client hears only from the workers it calls.
        this.replays = new ReplayCache(b.replayCacheSize, b.replayQuota.orElse(b.knownSenders.isPresent()
                ? Math.max(1, b.replayCacheSize / DEFAULT_REPLAY_QUOTA_DIVISOR) : b.replayCacheSize));
        this.sharedReplays = b.sharedReplays;
        this.replayNamespace = b.replayNamespace;
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
                r.busiestSender(), r.refusedFull(), r.refusedOverQuota(), r.replays(), sharedReplays.isPresent(),
                sharedReplayFailures.get()), knownSenders.status());
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@link #sealedStatus()} flattened: {@code replayCache.size}, {@code knownSenders.failing}…
     */
    @Override
    public java.util.Map<String, String> status() {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        flatten("", dev.outpost.Json.toTree(sealedStatus()), out);
        return out;
    }

    private static void flatten(String prefix, com.fasterxml.jackson.databind.JsonNode node, java.util.Map<String, String> out) {
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
        Decoded<Request> d = inner.decodeRequest(o.payload);
        return new Decoded<>(d.document(), Optional.of(o.sender));
    }

    @Override
    public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
        byte[] plain = inner.encodeResponse(response, recipient);
        if (recipient.isPresent()) {
            return seal(plain, List.of(NaclPublicKey.parse(recipient.get().id())));
        }
        return seal(plain, recipients);
    }

    @Override
    public Decoded<Response> decodeResponse(byte[] body) {
        Opened o = open(body, null);
        Decoded<Response> d = inner.decodeResponse(o.payload);
        return new Decoded<>(d.document(), Optional.of(o.sender));
    }

    // ------------------------------------------------------------------ sealing

    byte[] seal(byte[] payload, List<NaclPublicKey> to) {
        if (to.isEmpty()) {
            throw new NaclException("no recipient to seal to: set recipient(...) on the codec (clients, schedulers)");
        }
        NaclKeyPair me = identities.get(0);
        byte[] plain = new byte[STAMP + payload.length];
        ByteBuffer.wrap(plain).putLong(clock.millis()).put(Sodium.random(16)).put(payload);
        byte[] nonce = Sodium.random(NONCE);
        try {
            if (to.size() == 1) {
                NaclPublicKey peer = to.get(0);
                byte[] box = new byte[MAC + plain.length];
                if (!Sodium.box().cryptoBoxEasyAfterNm(box, plain, plain.length, nonce, shared(0, peer))) {
                    throw new NaclException("libsodium failed to seal a message");
                }
                return ByteBuffer.allocate(DIRECT_HEADER + box.length).put(FORMAT_DIRECT).put(me.publicKey().raw())
                        .put(peer.rawKeyId()).put(nonce).put(box).array();
            }
            if (to.size() > MAX_GROUP) {
                throw new NaclException("a group message has at most " + MAX_GROUP + " recipients, was " + to.size());
            }
            byte[] key = Sodium.random(32);
            byte[] body = new byte[MAC + plain.length];
            try {
                if (!Sodium.secretBox().cryptoSecretBoxEasy(body, plain, plain.length, nonce, key)) {
                    throw new NaclException("libsodium failed to seal a group message");
                }
                ByteBuffer out = ByteBuffer.allocate(GROUP_HEADER + to.size() * GROUP_ENTRY + body.length)
                        .put(FORMAT_GROUP).put(me.publicKey().raw()).put(nonce).putShort((short) to.size());
                byte[][] keyIds = new byte[to.size()][];
                for (int i = 0; i < keyIds.length; i++) {
                    keyIds[i] = to.get(i).rawKeyId();
                }
                byte[] keyAndHash = ByteBuffer.allocate(64).put(key)
                        .put(groupHash(Arrays.copyOf(out.array(), GROUP_HEADER), keyIds, body)).array();
                byte[] boxed = new byte[MAC + 64];
                for (NaclPublicKey peer : to) {
                    if (!Sodium.box().cryptoBoxEasyAfterNm(boxed, keyAndHash, 64, nonce, shared(0, peer))) {
                        throw new NaclException("libsodium failed to seal a group key");
                    }
                    out.put(peer.rawKeyId()).put(boxed);
                }
                Arrays.fill(keyAndHash, (byte) 0);
                return out.put(body).array();
            } finally {
                Arrays.fill(key, (byte) 0);
            }
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    // ------------------------------------------------------------------ opening

    record Opened(Sender sender, byte[] payload) {}

    Opened open(byte[] body, Received received) {
        try {
            return openChecked(body, received);
        } catch (CodecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CodecException(SealRejects.BAD_SEAL, "sealed message could not be opened: " + e.getClass().getSimpleName());
        }
    }

    private Opened openChecked(byte[] body, Received received) {
        if (body.length == 0) {
            throw new CodecException(RejectReason.UNDECODABLE, "empty message");
        }
        if (body.length > maxMessageBytes) {
            throw new CodecException(RejectReason.OVERSIZE, "sealed message of " + body.length
                    + " bytes is over the limit of " + maxMessageBytes);
        }
        byte format = body[0];
        if (format != FORMAT_DIRECT && format != FORMAT_GROUP) {
            throw new CodecException(RejectReason.BAD_FORMAT, "unknown sealed format byte 0x"
                    + Integer.toHexString(format & 0xff) + " (this version reads 0x01 and 0x02)");
        }
        int minimum = format == FORMAT_DIRECT ? DIRECT_HEADER + MAC + STAMP : GROUP_HEADER + GROUP_ENTRY + MAC + STAMP;
        if (body.length < minimum) {
            throw new CodecException(SealRejects.BAD_SEAL, "truncated sealed message (" + body.length + " bytes)");
        }
        // Who claims to have sent it is checked before any public-key work: unknown senders cost nothing.
        NaclPublicKey senderKey = NaclPublicKey.of(Arrays.copyOfRange(body, 1, 1 + PK));
        KnownSender known = knownSenders.find(senderKey).orElseThrow(() -> unknownSender(senderKey));
        byte[] plain = format == FORMAT_DIRECT ? openDirect(body, senderKey) : openGroup(body, senderKey);
        try {
            ByteBuffer stamp = ByteBuffer.wrap(plain, 0, STAMP);
            long sentAt = stamp.getLong();
            long now = clock.millis();
            if (now - sentAt > freshnessMillis) {
                throw new CodecException(SealRejects.STALE, "sealed " + (now - sentAt) / 1000 + " s ago, older than the "
                        + freshnessMillis / 1000 + " s freshness window");
            }
            if (sentAt - now > skewMillis) {
                throw new CodecException(SealRejects.STALE, "dated " + (sentAt - now) / 1000
                        + " s in the future, more than the allowed clock skew");
            }
            checkReplay(senderKey, plain, sentAt, now, received);
            byte[] payload = Arrays.copyOfRange(plain, STAMP, plain.length);
            Sender sender = new Sender(senderKey.base64(), known.name(), known.collectors());
            return new Opened(sender, payload);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private CodecException unknownSender(NaclPublicKey senderKey) {
        // Key id and public key as Keygen, key files and KnownSenders print them, so the detail can be matched.
        String who = "sender key id " + senderKey.keyIdHex() + " (public key " + senderKey.base64() + ")";
        KnownSendersStatus k = knownSenders.status();
        if (k.failing()) {
            return new CodecException(RejectReason.UNKNOWN_SENDER, who + " is not obeyed: the known-senders file is unusable"
                    + " (" + k.lastError().orElse("") + "), so no sender is obeyed until it is fixed");
        }
        return new CodecException(RejectReason.UNKNOWN_SENDER, who + " is not in the known-senders list");
    }

    private void checkReplay(NaclPublicKey sender, byte[] plain, long sentAt, long now, Received received) {
        String transportId = received == null ? "" : received.messageId();
        // Remembered until the message would be refused as stale anyway: open while now - sentAt <= window.
        long expiresAt = sentAt + freshnessMillis + 1;
        ReplayCache.Verdict v = replays.sighting(sender, plain, 8, expiresAt, now, transportId);
        switch (v) {
            case FIRST -> sharedReplays.ifPresent(r -> checkShared(r, sender, plain, expiresAt - now, transportId));
            case REDELIVERY -> { }
            case REPLAY -> throw replay(plain);
            case FULL -> throw new CodecException(SealRejects.REPLAY_CACHE_FULL, "the replay cache holds "
                    + replays.capacity()
                    + " live messages, its capacity: refusing what it cannot remember for the freshness window");
            case OVER_QUOTA -> throw new CodecException(SealRejects.REPLAY_CACHE_FULL, "sender key id " + sender.keyIdHex()
                    + " holds its share of the replay cache (" + replays.perSenderQuota()
                    + " messages inside the freshness window): refusing what the cache cannot remember");
        }
    }

    /** Register-if-absent in the shared state; any failure refuses the message (and forgets it here). */
    private void checkShared(Registry registry, NaclPublicKey sender, byte[] plain, long ttlMillis, String transportId) {
        String key = replayNamespace + publicKey().keyIdHex() + "/" + sender.keyIdHex() + "/" + HexFormat.of().formatHex(plain, 8, 24);
        boolean first;
        try {
            first = registerIfAbsent(registry, key, ttlMillis, transportId);
        } catch (RuntimeException e) {
            replays.forget(sender, plain, 8);
            sharedReplayFailures.incrementAndGet();
            log.warn("shared replay state failed; refusing the message: {}", e.toString());
            throw new CodecException(SealRejects.REPLAY_STATE_UNAVAILABLE, "the shared replay state could not record the message ("
                    + e.getClass().getSimpleName() + "), so it was not opened");
        }
        if (!first) {
            // Forgotten here too, so that a redelivery of this copy is judged by the registry again.
            replays.forget(sender, plain, 8);
            replays.countReplay();
            throw replay(plain);
        }
    }

    /** True when the key was created now, or holds the same transport message (redelivered to another process). */
    private static boolean registerIfAbsent(Registry registry, String key, long ttlMillis, String transportId) {
        try {
            registry.register(key, JsonNodeFactory.instance.objectNode().put("transportMessageId", transportId),
                    Optional.of(Duration.ofMillis(Math.max(1, ttlMillis))));
            return true;
        } catch (RegistryException.KeyExists e) {
            Optional<String> before = registry.get(key).map(entry -> entry.value().path("transportMessageId").asText(""));
            return !transportId.isEmpty() && before.equals(Optional.of(transportId));
        }
    }

    private static CodecException replay(byte[] plain) {
        return new CodecException(SealRejects.REPLAY, "message " + HexFormat.of().formatHex(plain, 8, 12)
                + "… was already opened inside the freshness window");
    }

    private byte[] openDirect(byte[] body, NaclPublicKey senderKey) {
        int identity = identityFor(body, 1 + PK);
        byte[] nonce = Arrays.copyOfRange(body, 1 + PK + KEY_ID, DIRECT_HEADER);
        byte[] plain = new byte[body.length - DIRECT_HEADER - MAC];
        byte[] box = Arrays.copyOfRange(body, DIRECT_HEADER, body.length);
        if (!Sodium.box().cryptoBoxOpenEasyAfterNm(plain, box, box.length, nonce, shared(identity, senderKey))) {
            throw new CodecException(SealRejects.BAD_SEAL, "the seal does not verify: tampered, truncated or forged");
        }
        return plain;
    }

    private byte[] openGroup(byte[] body, NaclPublicKey senderKey) {
        byte[] nonce = Arrays.copyOfRange(body, 1 + PK, 1 + PK + NONCE);
        int count = ((body[1 + PK + NONCE] & 0xff) << 8) | (body[1 + PK + NONCE + 1] & 0xff);
        int bodyStart = GROUP_HEADER + count * GROUP_ENTRY;
        if (count == 0 || count > MAX_GROUP || body.length < bodyStart + MAC + STAMP) {
            throw new CodecException(SealRejects.BAD_SEAL, "truncated or malformed group message (" + count + " recipients)");
        }
        for (int i = 0; i < count; i++) {
            int at = GROUP_HEADER + i * GROUP_ENTRY;
            for (int identity = 0; identity < identities.size(); identity++) {
                if (Arrays.equals(body, at, at + KEY_ID, identities.get(identity).publicKey().rawKeyId(), 0, KEY_ID)) {
                    return openGroupEntry(body, senderKey, identity, at, nonce, bodyStart);
                }
            }
        }
        throw new CodecException(SealRejects.WRONG_RECIPIENT, "this group message is not addressed to key "
                + identities.get(0).publicKey().keyIdHex());
    }

    private byte[] openGroupEntry(byte[] body, NaclPublicKey senderKey, int identity, int at, byte[] nonce, int bodyStart) {
        byte[] boxed = Arrays.copyOfRange(body, at + KEY_ID, at + GROUP_ENTRY);
        byte[] keyAndHash = new byte[64];
        try {
            if (!Sodium.box().cryptoBoxOpenEasyAfterNm(keyAndHash, boxed, boxed.length, nonce, shared(identity, senderKey))) {
                throw new CodecException(SealRejects.BAD_SEAL, "the group key's seal does not verify");
            }
            byte[] sealedBody = Arrays.copyOfRange(body, bodyStart, body.length);
            int count = (bodyStart - GROUP_HEADER) / GROUP_ENTRY;
            byte[][] keyIds = new byte[count][];
            for (int i = 0; i < count; i++) {
                int entry = GROUP_HEADER + i * GROUP_ENTRY;
                keyIds[i] = Arrays.copyOfRange(body, entry, entry + KEY_ID);
            }
            // The hash binds the header, the recipient list and the body to what the sender sealed for us:
            // another recipient, who also knows the group key, cannot swap in a body of its own.
            if (!MessageDigest.isEqual(groupHash(Arrays.copyOf(body, GROUP_HEADER), keyIds, sealedBody),
                    Arrays.copyOfRange(keyAndHash, 32, 64))) {
                throw new CodecException(SealRejects.BAD_SEAL, "the group message's body is not the one its sender sealed");
            }
            byte[] plain = new byte[sealedBody.length - MAC];
            if (!Sodium.secretBox().cryptoSecretBoxOpenEasy(plain, sealedBody, sealedBody.length, nonce,
                    Arrays.copyOf(keyAndHash, 32))) {
                throw new CodecException(SealRejects.BAD_SEAL, "the group message's body does not verify");
            }
            return plain;
        } finally {
            Arrays.fill(keyAndHash, (byte) 0);
        }
    }

    private int identityFor(byte[] body, int at) {
        for (int i = 0; i < identities.size(); i++) {
            if (Arrays.equals(body, at, at + KEY_ID, identities.get(i).publicKey().rawKeyId(), 0, KEY_ID)) {
                return i;
            }
        }
        throw new CodecException(SealRejects.WRONG_RECIPIENT, "sealed for key " + HexFormat.of().formatHex(body, at, at + KEY_ID)
                + ", not for this host's key " + identities.get(0).publicKey().keyIdHex());
    }

    /** crypto_box_beforenm, once per (own key, peer) pair: the X25519 + HSalsa20 work is done once. */
    private byte[] shared(int identity, NaclPublicKey peer) {
        return sharedKeys.computeIfAbsent(new SharedKeyId(identity, peer), id -> {
            byte[] k = new byte[32];
            if (!Sodium.box().cryptoBoxBeforeNm(k, peer.raw(), identities.get(identity).secret())) {
                throw new CodecException(SealRejects.BAD_SEAL, "key agreement with " + peer.keyIdHex() + " failed");
            }
            return k;
        });
    }

    /** SHA-256 over the group header, every recipient's key id, and the sealed body. */
    private static byte[] groupHash(byte[] header, byte[][] keyIds, byte[] sealedBody) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(header);
            for (byte[] id : keyIds) {
                d.update(id);
            }
            return d.digest(sealedBody);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "SealedCodec[key=" + publicKey().keyIdHex() + ", recipients=" + recipients.size() + "]";
    }

    /** Builds a {@link SealedCodec}. */
    public static final class Builder {
        private Codec inner = JsonCodec.create();
        private final List<NaclKeyPair> identities = new ArrayList<>();
        private final List<NaclPublicKey> recipients = new ArrayList<>();
        private Optional<KnownSenders> knownSenders = Optional.empty();
        private Duration freshness = DEFAULT_FRESHNESS;
        private Duration clockSkew = DEFAULT_CLOCK_SKEW;
        private int replayCacheSize = DEFAULT_REPLAY_CACHE;
        private Optional<Integer> replayQuota = Optional.empty();
        private Optional<Registry> sharedReplays = Optional.empty();
        private String replayNamespace = DEFAULT_REPLAY_NAMESPACE;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private Clock clock = Clock.systemUTC();
        private Optional<ConfigSource> config = Optional.empty();

        private Builder() {}

        /**
         * Takes {@code outpost.nacl.*} from configuration for what no method of this builder set:
         * {@code secret-key} (this host's key file, required once any {@code outpost.nacl} key is
         * set), {@code known-senders} (a worker's known-senders file) and {@code recipients} (a
         * client's comma-separated public key files of the workers it seals for). One of the last
         * two must be set too: a sealed codec with a key but no one to trust or address is a
         * misconfiguration, refused at {@link #build()}.
         */
        public Builder configure(ConfigSource source) {
            this.config = Optional.of(Objects.requireNonNull(source, "config"));
            return this;
        }

        /** Whether {@code source} sets any {@code outpost.nacl.*} key, that is whether sealing is asked for. */
        public static boolean isConfigured(ConfigSource source) {
            return !source.subset("outpost.nacl").isEmpty();
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
            this.freshness = positive(window, "window");
            return this;
        }

        /** How far in the future a message may be dated; default 1 minute. */
        public Builder clockSkew(Duration skew) {
            Objects.requireNonNull(skew, "skew");
            if (skew.isNegative()) {
                throw new IllegalArgumentException("skew must not be negative, was " + skew);
            }
            this.clockSkew = skew;
            return this;
        }

        /**
         * How many messages the replay cache remembers at once, each for its freshness window;
         * default 100,000 (about 250 bytes each). When it is full, new messages are refused as
         * {@code replay-cache-full} until older ones leave the window: size it for the most
         * messages expected within one window.
         */
        public Builder replayCacheSize(int size) {
            if (size < 16) {
                throw new IllegalArgumentException("size must be at least 16, was " + size);
            }
            this.replayCacheSize = size;
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
         * {@code outpost/replay/<own key id>/<sender key id>/<message id>}, and a message another
         * process opened is refused as a replay unless it is the same transport message. If the
         * registry fails, the message is refused ({@code replay-state-unavailable}). Share it
         * among processes that consume the same queue with the same key; processes that should
         * each receive every message (one queue each behind a topic) need a namespace each. The
         * codec does not close the registry.
         */
        public Builder sharedReplayState(Registry registry) {
            return sharedReplayState(registry, DEFAULT_REPLAY_NAMESPACE);
        }

        /** {@link #sharedReplayState(Registry)} under another key prefix (ending in {@code /}). */
        public Builder sharedReplayState(Registry registry, String namespace) {
            Objects.requireNonNull(registry, "registry");
            Objects.requireNonNull(namespace, "namespace");
            if (namespace.isEmpty() || !namespace.endsWith("/") || namespace.length() > 256) {
                throw new IllegalArgumentException("namespace must end in '/' and be at most 256 characters, was '" + namespace + "'");
            }
            this.sharedReplays = Optional.of(registry);
            this.replayNamespace = namespace;
            return this;
        }

        /** The largest sealed message opened; default 1 MiB. */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < DIRECT_HEADER + MAC + STAMP) {
                throw new IllegalArgumentException("bytes is too small to hold a sealed message: " + bytes);
            }
            this.maxMessageBytes = bytes;
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
         * @throws IllegalStateException when no identity was given
         */
        public SealedCodec build() {
            config.filter(Builder::isConfigured).ifPresent(this::applyConfiguration);
            if (identities.isEmpty()) {
                throw ConfigException.of("identity", "a sealed codec needs identity(keyPair) or outpost.nacl.secret-key: this host's key");
            }
            if (recipients.size() > MAX_GROUP) {
                throw new IllegalArgumentException("at most " + MAX_GROUP + " recipients, was " + recipients.size());
            }
            if (replayQuota.isPresent() && replayQuota.get() > replayCacheSize) {
                throw new IllegalArgumentException("replayQuotaPerSender (" + replayQuota.get()
                        + ") must not be larger than replayCacheSize (" + replayCacheSize + ")");
            }
            return new SealedCodec(this);
        }

        private void applyConfiguration(ConfigSource c) {
            if (identities.isEmpty()) {
                identities.add(KeyFiles.readSecretKey(Path.of(c.require("outpost.nacl.secret-key"))));
            }
            if (knownSenders.isEmpty()) {
                c.string("outpost.nacl.known-senders").filter(v -> !v.isBlank())
                        .ifPresent(f -> knownSenders = Optional.of(KnownSenders.load(Path.of(f), clock)));
            }
            if (recipients.isEmpty()) {
                c.list("outpost.nacl.recipients").forEach(f -> recipients.add(KeyFiles.readPublicKey(Path.of(f))));
            }
            if (knownSenders.isEmpty() && recipients.isEmpty()) {
                throw ConfigException.of("outpost.nacl.known-senders", "sealing is configured (outpost.nacl.*) but names"
                        + " neither known-senders (a worker: whom to obey) nor recipients (a client: whom to seal for)");
            }
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }
}
