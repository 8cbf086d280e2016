package dev.outpost.nacl;

import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.nacl.internal.ReplayCache;
import dev.outpost.nacl.internal.Sodium;
import dev.outpost.spi.Codec;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Received;
import dev.outpost.spi.Sender;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
 */
public final class SealedCodec implements Codec {
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
        this.replays = new ReplayCache(b.replayCacheSize);
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
        return replays.size();
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
        KnownSender known = knownSenders.find(senderKey).orElseThrow(() -> new CodecException(RejectReason.UNKNOWN_SENDER,
                "sender " + senderKey.keyIdHex() + " is not a known sender"));
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
            checkReplay(plain, sentAt, now, received);
            byte[] payload = Arrays.copyOfRange(plain, STAMP, plain.length);
            Sender sender = new Sender(senderKey.base64(), known.name(), known.collectors());
            return new Opened(sender, payload);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private void checkReplay(byte[] plain, long sentAt, long now, Received received) {
        ReplayCache.Verdict v = replays.sighting(plain, 8, sentAt + freshnessMillis + skewMillis, now,
                received == null ? "" : received.messageId());
        if (v == ReplayCache.Verdict.REPLAY) {
            throw new CodecException(SealRejects.REPLAY, "message " + HexFormat.of().formatHex(plain, 8, 12)
                    + "… was already opened inside the freshness window");
        }
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
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private Clock clock = Clock.systemUTC();

        private Builder() {}

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

        /** How many message ids the replay cache remembers; default 100,000. */
        public Builder replayCacheSize(int size) {
            if (size < 16) {
                throw new IllegalArgumentException("size must be at least 16, was " + size);
            }
            this.replayCacheSize = size;
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
            if (identities.isEmpty()) {
                throw new IllegalStateException("a sealed codec needs identity(keyPair): this host's key");
            }
            if (recipients.size() > MAX_GROUP) {
                throw new IllegalArgumentException("at most " + MAX_GROUP + " recipients, was " + recipients.size());
            }
            return new SealedCodec(this);
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
