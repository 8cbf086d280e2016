package dev.outpost.nacl;

import dev.outpost.RejectReason;
import dev.outpost.nacl.internal.DirectBox;
import dev.outpost.nacl.internal.RandomPool;
import dev.outpost.nacl.internal.Sodium;
import dev.outpost.spi.CodecException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The sealed wire format (version 1, described in this module's README): seals a payload for one
 * recipient (format {@code 0x01}) or a group (format {@code 0x02}) and opens what was sealed for
 * one of this host's keys. Knows nothing of senders' rights, freshness or replays: an opened
 * message is only authentic. Inside every box: {@code timestamp (8) | message id (16) | payload}.
 */
final class Envelope {
    static final byte FORMAT_DIRECT = 0x01;
    static final byte FORMAT_GROUP = 0x02;
    static final int PK = NaclPublicKey.BYTES;
    static final int KEY_ID = NaclPublicKey.KEY_ID_BYTES;
    static final int NONCE = 24;
    static final int MAC = 16;
    static final int ID = 16;
    static final int STAMP = 8 + ID;
    static final int DIRECT_HEADER = 1 + PK + KEY_ID + NONCE;
    static final int GROUP_HEADER = 1 + PK + NONCE + 2;
    static final int GROUP_ENTRY = KEY_ID + MAC + 32 + 32;
    static final int MAX_GROUP = 1024;

    /**
     * An authentic message: who sealed it (the key as it appears in the message) and what is
     * inside the box, stamp first. The caller wipes {@code plain} when done.
     */
    record Unsealed(byte[] senderKey, byte[] plain) {
        long sentAt() {
            return readLong(plain, 0);
        }
    }

    private final List<NaclKeyPair> identities;
    private final SharedKeys shared;

    Envelope(List<NaclKeyPair> identities, SharedKeys shared) {
        this.identities = identities;
        this.shared = shared;
    }

    /** Seals {@code payload}, stamped {@code nowMillis} with a fresh random id, for {@code to}. */
    byte[] seal(byte[] payload, List<NaclPublicKey> to, long nowMillis) {
        if (to.isEmpty()) {
            throw new NaclException("no recipient to seal to: set recipient(...) on the codec (clients, schedulers)");
        }
        if (to.size() > MAX_GROUP) {
            throw new NaclException("a group message has at most " + MAX_GROUP + " recipients, was " + to.size());
        }
        byte[] stamp = new byte[STAMP];
        writeLong(stamp, 0, nowMillis);
        RandomPool.fill(stamp, 8, ID);
        try {
            return to.size() == 1 ? sealDirect(stamp, payload, to.get(0)) : sealGroup(stamp, payload, to);
        } finally {
            Arrays.fill(stamp, (byte) 0);
        }
    }

    private byte[] sealDirect(byte[] stamp, byte[] payload, NaclPublicKey peer) {
        // The box is sealed straight into the message, after the header that carries its nonce.
        byte[] out = new byte[DIRECT_HEADER + MAC + STAMP + payload.length];
        out[0] = FORMAT_DIRECT;
        System.arraycopy(identities.get(0).publicKey().raw(), 0, out, 1, PK);
        System.arraycopy(peer.rawKeyId(), 0, out, 1 + PK, KEY_ID);
        RandomPool.fill(out, 1 + PK + KEY_ID, NONCE);
        if (!DirectBox.seal(out, DIRECT_HEADER, stamp, payload, out, 1 + PK + KEY_ID, shared.with(0, peer))) {
            throw new NaclException("libsodium failed to seal a message");
        }
        return out;
    }

    private byte[] sealGroup(byte[] stamp, byte[] payload, List<NaclPublicKey> to) {
        byte[] plain = new byte[STAMP + payload.length];
        System.arraycopy(stamp, 0, plain, 0, STAMP);
        System.arraycopy(payload, 0, plain, STAMP, payload.length);
        byte[] nonce = new byte[NONCE];
        RandomPool.fill(nonce, 0, NONCE);
        try {
            return sealGroupBoxes(plain, to, nonce);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private byte[] sealGroupBoxes(byte[] plain, List<NaclPublicKey> to, byte[] nonce) {
        // The group key is secret: drawn from libsodium directly, never from the pool of public values.
        byte[] key = Sodium.random(32);
        byte[] keyAndHash = new byte[64];
        try {
            byte[] body = new byte[MAC + plain.length];
            if (!Sodium.secretBox().cryptoSecretBoxEasy(body, plain, plain.length, nonce, key)) {
                throw new NaclException("libsodium failed to seal a group message");
            }
            int count = to.size();
            byte[] out = new byte[GROUP_HEADER + count * GROUP_ENTRY + body.length];
            out[0] = FORMAT_GROUP;
            System.arraycopy(identities.get(0).publicKey().raw(), 0, out, 1, PK);
            System.arraycopy(nonce, 0, out, 1 + PK, NONCE);
            out[1 + PK + NONCE] = (byte) (count >>> 8);
            out[1 + PK + NONCE + 1] = (byte) count;
            for (int i = 0; i < count; i++) {
                System.arraycopy(to.get(i).rawKeyId(), 0, out, GROUP_HEADER + i * GROUP_ENTRY, KEY_ID);
            }
            int bodyStart = GROUP_HEADER + count * GROUP_ENTRY;
            System.arraycopy(body, 0, out, bodyStart, body.length);
            System.arraycopy(key, 0, keyAndHash, 0, 32);
            System.arraycopy(groupHash(out, count, bodyStart), 0, keyAndHash, 32, 32);
            byte[] boxed = new byte[MAC + 64];
            for (int i = 0; i < count; i++) {
                if (!Sodium.box().cryptoBoxEasyAfterNm(boxed, keyAndHash, 64, nonce, shared.with(0, to.get(i)))) {
                    throw new NaclException("libsodium failed to seal a group key");
                }
                System.arraycopy(boxed, 0, out, GROUP_HEADER + i * GROUP_ENTRY + KEY_ID, boxed.length);
            }
            return out;
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(keyAndHash, (byte) 0);
        }
    }

    /**
     * Checks the size and the format of {@code body} and returns the sender key it claims, without
     * any public-key work: unknown senders are refused before they cost anything.
     */
    static byte[] claimedSender(byte[] body, int maxMessageBytes) {
        if (body.length == 0) {
            throw new CodecException(RejectReason.UNDECODABLE, "empty message");
        }
        if (body.length > maxMessageBytes) {
            throw new CodecException(RejectReason.OVERSIZE, "sealed message of " + body.length
                    + " bytes is over the limit of " + maxMessageBytes);
        }
        byte format = body[0];
        if (format == '{') {
            // the most common mistake, named as such: one side seals (outpost.nacl.*), the other does not
            throw new CodecException(RejectReason.BAD_FORMAT, "not sealed: a plain JSON message, from a sender without"
                    + " outpost.nacl.* set; this side reads only sealed messages");
        }
        if (format != FORMAT_DIRECT && format != FORMAT_GROUP) {
            throw new CodecException(RejectReason.BAD_FORMAT, "unknown sealed format byte 0x"
                    + Integer.toHexString(format & 0xff) + " (this version reads 0x01 and 0x02)");
        }
        int minimum = format == FORMAT_DIRECT ? DIRECT_HEADER + MAC + STAMP : GROUP_HEADER + GROUP_ENTRY + MAC + STAMP;
        if (body.length < minimum) {
            throw new CodecException(SealRejects.BAD_SEAL, "truncated sealed message (" + body.length + " bytes)");
        }
        return Arrays.copyOfRange(body, 1, 1 + PK);
    }

    /**
     * Refuses {@code body} (checked by {@link #claimedSender}) as {@link SealRejects#WRONG_RECIPIENT} when none of this
     * host's keys is among its recipients: key ids compared, no public-key work. A malformed group header is left to
     * {@link #open}.
     */
    void requireAddressedHere(byte[] body) {
        if (body[0] == FORMAT_DIRECT) {
            identityFor(body, 1 + PK);
            return;
        }
        int count = ((body[1 + PK + NONCE] & 0xff) << 8) | (body[1 + PK + NONCE + 1] & 0xff);
        if (count == 0 || count > MAX_GROUP || body.length < GROUP_HEADER + count * GROUP_ENTRY + MAC + STAMP) {
            return;
        }
        for (int i = 0; i < count; i++) {
            int at = GROUP_HEADER + i * GROUP_ENTRY;
            for (int identity = 0; identity < identities.size(); identity++) {
                if (Arrays.equals(body, at, at + KEY_ID, identities.get(identity).publicKey().rawKeyId(), 0, KEY_ID)) {
                    return;
                }
            }
        }
        throw new CodecException(SealRejects.WRONG_RECIPIENT, "this group message is not addressed to key "
                + identities.get(0).publicKey().keyIdHex());
    }

    /**
     * Opens {@code body} (checked by {@link #claimedSender}) from {@code sender}: the box's stamp goes
     * to {@code stamp} ({@link #STAMP} bytes), what follows it is returned.
     */
    byte[] open(byte[] body, NaclPublicKey sender, byte[] stamp) {
        if (body[0] == FORMAT_DIRECT) {
            return openDirect(body, sender, stamp);
        }
        byte[] plain = openGroup(body, sender);
        try {
            System.arraycopy(plain, 0, stamp, 0, STAMP);
            return Arrays.copyOfRange(plain, STAMP, plain.length);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /**
     * Which of this host's keys {@code body}, opened by {@link #open}, was sealed for: the key whose entry
     * {@link #open} used (the first entry of a group naming one of them).
     */
    NaclPublicKey openedFor(byte[] body) {
        if (body[0] == FORMAT_DIRECT) {
            return identities.get(identityFor(body, 1 + PK)).publicKey();
        }
        int count = ((body[1 + PK + NONCE] & 0xff) << 8) | (body[1 + PK + NONCE + 1] & 0xff);
        for (int i = 0; i < count; i++) {
            int at = GROUP_HEADER + i * GROUP_ENTRY;
            for (int identity = 0; identity < identities.size(); identity++) {
                if (Arrays.equals(body, at, at + KEY_ID, identities.get(identity).publicKey().rawKeyId(), 0, KEY_ID)) {
                    return identities.get(identity).publicKey();
                }
            }
        }
        throw new IllegalStateException("an opened message names none of this host's keys");
    }

    private byte[] openDirect(byte[] body, NaclPublicKey sender, byte[] stamp) {
        int identity = identityFor(body, 1 + PK);
        byte[] payload = DirectBox.open(body, DIRECT_HEADER, body.length - DIRECT_HEADER, 1 + PK + KEY_ID,
                shared.with(identity, sender), stamp);
        if (payload == null) {
            throw new CodecException(SealRejects.BAD_SEAL, "the seal does not verify: tampered, truncated or forged");
        }
        return payload;
    }

    private byte[] openGroup(byte[] body, NaclPublicKey sender) {
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
                    return openGroupEntry(body, sender, identity, at, nonce, count, bodyStart);
                }
            }
        }
        throw new CodecException(SealRejects.WRONG_RECIPIENT, "this group message is not addressed to key "
                + identities.get(0).publicKey().keyIdHex());
    }

    private byte[] openGroupEntry(byte[] body, NaclPublicKey sender, int identity, int at, byte[] nonce, int count,
            int bodyStart) {
        byte[] boxed = Arrays.copyOfRange(body, at + KEY_ID, at + GROUP_ENTRY);
        byte[] keyAndHash = new byte[64];
        byte[] key = null;
        try {
            if (!Sodium.box().cryptoBoxOpenEasyAfterNm(keyAndHash, boxed, boxed.length, nonce, shared.with(identity, sender))) {
                throw new CodecException(SealRejects.BAD_SEAL, "the group key's seal does not verify");
            }
            // The hash binds the header, the recipient list and the body to what the sender sealed for us:
            // another recipient, who also knows the group key, cannot swap in a body of its own.
            if (!MessageDigest.isEqual(groupHash(body, count, bodyStart), Arrays.copyOfRange(keyAndHash, 32, 64))) {
                throw new CodecException(SealRejects.BAD_SEAL, "the group message's body is not the one its sender sealed");
            }
            byte[] sealedBody = Arrays.copyOfRange(body, bodyStart, body.length);
            byte[] plain = new byte[sealedBody.length - MAC];
            key = Arrays.copyOf(keyAndHash, 32);
            if (!Sodium.secretBox().cryptoSecretBoxOpenEasy(plain, sealedBody, sealedBody.length, nonce, key)) {
                throw new CodecException(SealRejects.BAD_SEAL, "the group message's body does not verify");
            }
            return plain;
        } finally {
            Arrays.fill(keyAndHash, (byte) 0);
            if (key != null) {
                Arrays.fill(key, (byte) 0);
            }
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

    /**
     * SHA-256 over a group message's header, every recipient's key id (the sealed group keys left
     * out: they only matter to their recipients), and the sealed body.
     */
    private static byte[] groupHash(byte[] message, int count, int bodyStart) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(message, 0, GROUP_HEADER);
            for (int i = 0; i < count; i++) {
                d.update(message, GROUP_HEADER + i * GROUP_ENTRY, KEY_ID);
            }
            d.update(message, bodyStart, message.length - bodyStart);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }

    private static void writeLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }
}
